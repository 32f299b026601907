"""`homehost up` and `homehost down`: the whole stack, in the background.

`up` uses the NATS, MariaDB and Redis that answer and installs and starts
those that do not, provisions every service's database, installs and
starts Dovecot and Postfix for the mail accounts (mailservers.py) and
Rspamd and clamd for mail-ingest (scanservers.py), makes the Email
Worker's shared secret once (workersecret.py), builds the portal when it is
stale (portal.py), writes the env file, starts one detached `homehost run`
process and waits until every service answers, or until the bus says the
gateway cannot start (its address is taken); a service that answers but
lacks something (Cloudflare not configured yet) is listed with the reason.
An answer at the gateway's address that is not homehost's health report
means another program holds its port: `up` says so instead of starting
homehost.
What it started is recorded in `started.json`; `down` stops exactly that,
newest first.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import fcntl
import os
import re
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Annotated, Literal, TypeVar

import httpx
import nats.errors
import typer
from dotenv import dotenv_values
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from homehost.cli.envfile import load_env_file, values_to_apply, write_env_file
from homehost.cli.errors import SettingsError, StackError
from homehost.cli.layout import StateLayout, current_layout
from homehost.cli.mailservers import bring_up_mail_servers
from homehost.cli.portal import PortalBuild, ensure_portal
from homehost.cli.processes import (
    StartedProcess,
    StartedRecord,
    is_running,
    read_started,
    spawn_detached,
    stop_process,
    write_started,
)
from homehost.cli.provision import (
    MariadbTarget,
    ProvisionedAccount,
    database_accounts,
    provision_accounts,
)
from homehost.cli.scanservers import bring_up_scan_servers
from homehost.cli.servers import ensure_mariadb, ensure_nats, ensure_redis
from homehost.cli.settings import StackSettings
from homehost.cli.workersecret import VARIABLE as WORKER_SECRET_VARIABLE
from homehost.cli.workersecret import WorkerSecret, ensure_worker_secret
from homehost.shared.bus import connect_bus
from homehost.shared.errors import ConfigurationError, HomehostError
from homehost.shared.health import ServiceHealthView, SystemHealth, collect_health
from homehost.shared.runtime import ServiceDefinition, discover_services
from homehost.shared.settings import ServiceSettings
from homehost.shared.settings import load_settings as load_service_settings

console = Console()
errors = Console(stderr=True, soft_wrap=True)


def _say(text: str) -> None:
    """One line of progress, never folded in the middle of a path or address."""
    console.print(text, soft_wrap=True)


Say = Callable[[str], None]
SettingsT = TypeVar("SettingsT", bound=ServiceSettings)

# Variables the env file keeps when they were set for `up`, so that later
# commands (`status`, `run`) see the same stack.
CARRIED_VARIABLES = (
    "HOMEHOST_ENVIRONMENT",
    "HOMEHOST_BUS_NAMESPACE",
    "HOMEHOST_LOG_LEVEL",
    "HOMEHOST_GATEWAY_HOST",
    "HOMEHOST_GATEWAY_PORT",
)
# Whole families of variables kept the same way: the dns service's
# Cloudflare settings. The API token itself is a secret and the env file
# holds none; it is kept as the path in HOMEHOST_DNS_CLOUDFLARE_API_TOKEN_FILE.
CARRIED_PREFIXES = ("HOMEHOST_DNS_",)
# Every port given to `up` (the gateway's, mail-ingest's, the mail and
# scanner servers'), so that later commands find the services where they are.
CARRIED_PORT = re.compile(r"^HOMEHOST_[A-Z0-9_]*_PORT$")
NEVER_CARRIED = frozenset({"HOMEHOST_DNS_CLOUDFLARE_API_TOKEN"})

# `down` stops the services before the servers they use, Postfix (which
# authenticates through Dovecot) before Dovecot.
STOP_ORDER = (
    "homehost",
    "rspamd",
    "clamd",
    "postfix",
    "dovecot",
    "nats",
    "redis",
    "mariadb",
)
STOP_GRACE_SECONDS = {"homehost": 30.0, "rspamd": 30.0, "mariadb": 120.0}
# Once every service answers, how long a degraded one gets to become ok
# (a dependency checked in its first second) before it is reported.
SETTLE_SECONDS = 5.0
# While the gateway is silent, how often `up` asks the bus why: each
# question is a connection of its own, too much for every turn of the wait.
BUS_QUESTION_SECONDS = 3.0
# A gateway down for this reason fails the same way at every restart, so
# `up` stops waiting as soon as the bus says so (the words are those of
# `listen_tcp` in shared/http.py).
CANNOT_LISTEN = re.compile(
    r"^cannot listen on (?P<address>.+):(?P<port>\d+): (?P<why>.+)$"
)
ADDRESS_IN_USE = os.strerror(errno.EADDRINUSE)
WILDCARD_HOSTS = frozenset({"0.0.0.0", "::", ""})  # noqa: S104  # Compared, never bound.


def up(
    timeout: Annotated[
        float, typer.Option(help="Seconds to wait for every service to answer.")
    ] = 120.0,
) -> None:
    """Install what is missing and start homehost in the background."""
    layout = current_layout()
    try:
        layout.create()
        with exclusive(layout):
            report = bring_up(layout, health_timeout=timeout, say=_say)
    except SettingsError as exc:
        errors.print(f"[red]{escape(str(exc))}[/red]")
        raise typer.Exit(2) from exc
    except StackError as exc:
        errors.print(f"[red]{escape(str(exc))}[/red]")
        raise typer.Exit(1) from exc
    degraded = degraded_services(report.health)
    if degraded:
        table = Table(title="services that run without something they need")
        table.add_column("service")
        table.add_column("status")
        table.add_column("reason")
        for service, status, reason in degraded:
            table.add_row(service, status, escape(reason))
        console.print(table)
    summary = (
        "every service reports ok"
        if not degraded
        else f"every service answers; {len(degraded)} degraded (above)"
    )
    portal = report.portal_url if report.portal.servable else "(not built, see above)"
    console.print(
        f"[green]homehost is up[/green]: {summary}.\n"
        f"  portal:    {portal}\n"
        f"  API docs:  {report.portal_url}api/docs\n"
        "  status:    ./homehost status\n"
        "  stop:      ./homehost down\n"
        f"  log:       {layout.homehost_log}",
        highlight=False,
    )


def down() -> None:
    """Stop what `homehost up` started, and only that."""
    layout = current_layout()
    try:
        with exclusive(layout):
            bring_down(layout, say=console.print)
    except StackError as exc:
        errors.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc


@contextlib.contextmanager
def exclusive(layout: StateLayout) -> Iterator[None]:
    """Hold the state directory's lock: one `up` or `down` at a time."""
    if not layout.run.is_dir():
        # Nothing was ever brought up here, so there is nothing to guard.
        yield
        return
    with (layout.run / "lock").open("a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise StackError(
                f"another `homehost up` or `down` is at work on {layout.root}"
            ) from exc
        yield


@dataclass(frozen=True)
class UpReport:
    """What `bring_up` leaves for `up` to print."""

    portal_url: str
    portal: PortalBuild
    health: SystemHealth
    worker_secret: WorkerSecret


def bring_up(layout: StateLayout, *, health_timeout: float, say: Say) -> UpReport:
    """Bring the stack up; return the portal's address and the services' health."""
    layout.create()
    settings = load_settings(StackSettings)
    definitions = discover_services()
    # Every service's settings are checked before anything is started or
    # written, as they will be given: the env file's values, and a stand-in
    # for each secret that `up` itself makes later.
    check_settings(
        definitions,
        planned_environment(
            stack_environment(layout, settings, [])
            | secrets_up_makes(definitions.values())
        ),
        env_file=layout.env_file,
    )
    record = read_started(layout.started_file)
    for name, process in list(record.processes.items()):
        if not is_running(process):
            del record.processes[name]
    write_started(layout.started_file, record)

    def keep(process: StartedProcess | None) -> None:
        # Recorded at once, so `down` can stop it even if a later step fails.
        if process is not None:
            record.processes[process.name] = process
            write_started(layout.started_file, record)

    keep(ensure_nats(settings.nats_url, layout, say=say))
    keep(ensure_mariadb(settings.mariadb_host, settings.mariadb_port, layout, say=say))
    keep(ensure_redis(settings.redis_host, settings.redis_port, layout, say=say))

    target = MariadbTarget(
        host=settings.mariadb_host,
        port=settings.mariadb_port,
        socket=settings.mariadb_socket,
        root_password=_root_password(settings),
        account_host=settings.mariadb_account_host,
    )
    provisioned = asyncio.run(
        provision_accounts(
            database_accounts(definitions.values()),
            target=target,
            secrets_dir=layout.secrets,
        )
    )
    changed = [outcome.account.service for outcome in provisioned if outcome.changed]
    say(
        f"MariaDB: a database and user for each of {len(provisioned)} services"
        + (f" (created or updated: {', '.join(changed)})" if changed else "")
    )
    environment = stack_environment(layout, settings, provisioned)
    worker_secret = ensure_worker_secret(layout.secrets)
    environment.update(worker_secret.environment)
    if worker_secret.path is not None:
        say(
            f"ingest: the Email Worker's shared secret is in {worker_secret.path}"
            + (" (made now)" if worker_secret.created else "")
            + "; give the Worker the same value"
        )
    if settings.mail_servers:
        mail_environment = bring_up_mail_servers(
            settings,
            layout,
            target=target,
            provisioned=provisioned,
            definitions=definitions,
            recorded=record.processes,
            keep=keep,
            say=say,
        )
        environment.update(mail_environment)
    if settings.scan_servers:
        scan_environment = bring_up_scan_servers(
            settings,
            layout,
            definitions=definitions,
            recorded=record.processes,
            keep=keep,
            say=say,
        )
        environment.update(scan_environment)
    portal_build = (
        ensure_portal(say=say)
        if settings.portal_build
        else PortalBuild(built=False, servable=True, note="not built by `up`")
    )
    check_settings(
        definitions, planned_environment(environment), env_file=layout.env_file
    )
    if write_env_file(layout.env_file, environment):
        say(f"settings: wrote {layout.env_file}")
    load_env_file(layout.env_file)

    health_url, portal = _gateway_urls(definitions)
    keep(_ensure_homehost(layout, record.processes.get("homehost"), health_url, say))
    health = wait_for_health(
        health_url,
        timeout=health_timeout,
        process=record.processes.get("homehost"),
        log=str(layout.homehost_log),
    )
    return UpReport(
        portal_url=portal,
        portal=portal_build,
        health=health,
        worker_secret=worker_secret,
    )


def stack_environment(
    layout: StateLayout, settings: StackSettings, provisioned: list[ProvisionedAccount]
) -> dict[str, str]:
    """Return what the env file sets: the servers in use and each database."""
    values = {
        "HOMEHOST_STATE_DIR": str(layout.root),
        "HOMEHOST_NATS_URL": settings.nats_url,
        "HOMEHOST_MARIADB_HOST": settings.mariadb_host,
        "HOMEHOST_MARIADB_PORT": str(settings.mariadb_port),
        "HOMEHOST_REDIS_HOST": settings.redis_host,
        "HOMEHOST_REDIS_PORT": str(settings.redis_port),
    }
    for name in CARRIED_VARIABLES:
        if name in os.environ:
            values[name] = os.environ[name]
    for name, value in os.environ.items():
        carried = name.startswith(CARRIED_PREFIXES) or CARRIED_PORT.match(name)
        if carried and name not in NEVER_CARRIED:
            values[name] = value
    for outcome in provisioned:
        values.update(outcome.environment())
    return values


# Stands for a secret `up` makes after the check (a database password, the
# Email Worker's secret); it is never written anywhere.
STAND_IN_SECRET = "made-by-homehost-up"  # noqa: S105 - not a secret, a stand-in.


def secrets_up_makes(definitions: Iterable[ServiceDefinition]) -> dict[str, str]:
    """Return a stand-in for each secret `up` makes and the environment lacks."""
    variables = [WORKER_SECRET_VARIABLE] + [
        f"{account.env_prefix}DATABASE_PASSWORD"
        for account in database_accounts(definitions)
    ]
    return {
        variable: STAND_IN_SECRET
        for variable in variables
        if variable not in os.environ and f"{variable}_FILE" not in os.environ
    }


def planned_environment(values: Mapping[str, str]) -> dict[str, str]:
    """Return the environment the services get once `values` are loaded."""
    return dict(os.environ) | values_to_apply(os.environ, values)


def check_settings(
    definitions: Mapping[str, ServiceDefinition],
    environment: Mapping[str, str],
    *,
    env_file: os.PathLike[str],
) -> None:
    """Load every service's settings from `environment`, or raise `SettingsError`.

    The error names each bad variable, why it is refused and, when the
    value came from the env file, that file.
    """
    from_file = dotenv_values(env_file) if os.path.isfile(env_file) else {}
    problems: list[str] = []
    with _environment_of(environment):
        for name, definition in definitions.items():
            try:
                load_service_settings(definition.settings_class)
            except ConfigurationError as exc:
                found = exc.details.get("errors") or [
                    {"variable": exc.details.get("variable", ""), "message": ""}
                ]
                problems.extend(
                    f"{name}: "
                    + (
                        f"{p['variable']}: {p['message']}"
                        if p["message"]
                        else exc.message
                    )
                    + _origin(p["variable"], environment, from_file, env_file)
                    for p in found
                )
    if problems:
        raise SettingsError(
            "bad settings, so nothing was written or started:\n  "
            + "\n  ".join(dict.fromkeys(problems))
        )


def _origin(
    variable: str,
    environment: Mapping[str, str],
    from_file: Mapping[str, str | None],
    env_file: os.PathLike[str],
) -> str:
    if variable in from_file and from_file[variable] == environment.get(variable):
        return f" (set in {os.fspath(env_file)})"
    return ""


@contextlib.contextmanager
def _environment_of(environment: Mapping[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(environment)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def bring_down(layout: StateLayout, *, say: Say) -> list[str]:
    """Stop every process `up` recorded, services first; return their names."""
    record = read_started(layout.started_file)
    if not record.processes:
        say("nothing to stop: `homehost up` started nothing that still runs")
        return []
    stopped = []
    for name in sorted(record.processes, key=_stop_rank):
        process = record.processes[name]
        try:
            was_running = stop_process(
                process, grace_seconds=STOP_GRACE_SECONDS.get(name, 10.0)
            )
        except PermissionError as exc:
            raise StackError(
                f"may not stop {name} (pid {process.pid}): run as root"
            ) from exc
        if was_running:
            say(f"stopped {name} (pid {process.pid})")
            stopped.append(name)
        else:
            say(f"{name} (pid {process.pid}) had already stopped")
        _forget(record, name, layout)
    return stopped


def wait_for_health(
    url: str, *, timeout: float, process: StartedProcess | None, log: str
) -> SystemHealth:
    """Poll the gateway's health until every service answers, within `timeout`.

    A service that answers `degraded` (it runs, but lacks something it
    needs) does not hold `up` back: after `SETTLE_SECONDS` it is returned
    as it is, for `up` to list with its reason. While the gateway is
    silent the bus is asked why every `BUS_QUESTION_SECONDS`; a reason that
    waiting cannot mend (it cannot listen on its address) ends the wait at
    once, with what to do.
    """
    deadline = time.monotonic() + timeout
    answering_since: float | None = None
    next_question = time.monotonic()
    problem = "no answer yet"
    while True:
        gateway_silent = False
        try:
            response = httpx.get(url, timeout=5.0)
            health = SystemHealth.model_validate_json(response.content)
        except (httpx.HTTPError, ValidationError) as exc:
            problem = f"{url}: {exc}"
            gateway_silent = True
        else:
            if health.status == "ok":
                return health
            silent = [view for view in health.services if view.status == "down"]
            if not silent:
                answering_since = answering_since or time.monotonic()
                if time.monotonic() - answering_since >= SETTLE_SECONDS:
                    return health
            else:
                answering_since = None
            problem = "; ".join(
                f"{view.service} {view.status}"
                + (f" ({view.error})" if view.error else "")
                for view in silent
            )
        if process is not None and not is_running(process):
            raise StackError(f"homehost stopped while starting; see {log}")
        timed_out = time.monotonic() > deadline
        # A gateway that does not answer may be down; if so, the supervisor
        # that runs it says why on the bus.
        seen_on_bus = None
        if gateway_silent and (timed_out or time.monotonic() >= next_question):
            seen_on_bus = _gateway_over_bus()
            next_question = time.monotonic() + BUS_QUESTION_SECONDS
            cannot_start = gateway_cannot_start(seen_on_bus)
            if cannot_start is not None:
                raise StackError(cannot_start)
        if timed_out:
            if seen_on_bus is not None:
                problem = f"{problem}; {_described(seen_on_bus)}"
            raise StackError(
                f"homehost runs, but not every service answers after {timeout:g} s: "
                f"{problem}.\nSee {log}, `./homehost status`; stop it with "
                "`./homehost down`."
            )
        time.sleep(0.5)


def gateway_cannot_start(view: ServiceHealthView | None) -> str | None:
    """Why the gateway cannot start and what to do, when waiting cannot help.

    None when the bus is silent, or the gateway is not down for a reason
    that lasts (it is still starting, or failed in a way a restart may mend).
    """
    if view is None or view.status != "down" or view.error is None:
        return None
    failure = CANNOT_LISTEN.match(view.error)
    if failure is None:
        return None
    port = failure["port"]
    if failure["why"] == ADDRESS_IN_USE:
        advice = port_held_advice(port, homehost_runs=True)
    else:
        advice = (
            "Give it an address this machine can listen on: `./homehost down`, "
            "then `HOMEHOST_GATEWAY_HOST=<address> HOMEHOST_GATEWAY_PORT=<port> "
            "./homehost up`."
        )
    return f"the gateway cannot start: {view.error}.\n{advice}"


def port_held_advice(port: str, *, homehost_runs: bool) -> str:
    """What to do when another program holds the gateway's port.

    `homehost_runs` says whether homehost was started and keeps trying the
    port, so that a new port needs `down` first.
    """
    return (
        f"Another program holds port {port} "
        f"(`ss -ltnp 'sport = :{port}'` names it). Stop it and run "
        "`./homehost up` again"
        + (" (homehost keeps trying the port meanwhile)" if homehost_runs else "")
        + ", or give homehost another port: "
        + ("`./homehost down`, then " if homehost_runs else "")
        + "`HOMEHOST_GATEWAY_PORT=<free port> ./homehost up`."
    )


def _gateway_over_bus() -> ServiceHealthView | None:
    """The gateway's health as the bus reports it, or None if the bus is silent."""
    try:
        settings = load_service_settings(ServiceSettings)
        health = asyncio.run(
            health_over_bus(settings, ["gateway"], client="homehost-up")
        )
        return health.services[0]
    except (HomehostError, OSError, nats.errors.Error):
        return None


def _described(view: ServiceHealthView) -> str:
    return f"{view.service} {view.status}" + (f" ({view.error})" if view.error else "")


async def health_over_bus(
    settings: ServiceSettings,
    names: list[str],
    *,
    client: str,
    connect_attempts: int = 1,
    timeout: float = 2.0,
) -> SystemHealth:
    """The health of the services `names`, asked over the bus as `client`."""
    bus = await connect_bus(
        settings.nats_url,
        name=client,
        namespace=settings.bus_namespace,
        connect_attempts=connect_attempts,
    )
    try:
        return await collect_health(bus, names, timeout=timeout)
    finally:
        await bus.close()


def degraded_services(health: SystemHealth) -> list[tuple[str, str, str]]:
    """Each service that is not ok: its name, status and why, for a table."""
    return [
        (view.service, view.status, _reason(view))
        for view in health.services
        if view.status != "ok"
    ]


def _reason(view: ServiceHealthView) -> str:
    failed = [
        f"{dependency.name}: {dependency.detail or 'failing'}"
        for dependency in view.dependencies
        if not dependency.ok
    ]
    if view.error:
        failed.insert(0, view.error)
    return "; ".join(failed) or "no reason given"


def load_settings(settings_class: type[SettingsT]) -> SettingsT:
    """Load settings, turning a bad one into a `SettingsError` naming its variable."""
    try:
        return load_service_settings(settings_class)
    except ConfigurationError as exc:
        raise SettingsError(f"bad settings: {exc.message}") from exc


def _ensure_homehost(
    layout: StateLayout, recorded: StartedProcess | None, health_url: str, say: Say
) -> StartedProcess | None:
    if recorded is not None and is_running(recorded):
        say(f"homehost: already running (pid {recorded.pid})")
        return None
    answer = _answer_at(health_url)
    if answer == "homehost":
        say(f"homehost: one that `up` did not start answers at {health_url}; using it")
        return None
    if answer == "another program":
        # Waiting would not help: homehost's gateway could not listen there.
        raise StackError(
            f"the gateway cannot start: another program answers at {health_url}, "
            "and its answer is not homehost's health report.\n"
            + port_held_advice(str(httpx.URL(health_url).port), homehost_runs=False)
        )
    # The services get the env file's settings, never MariaDB's root password.
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("HOMEHOST_MARIADB_ROOT_PASSWORD")
    }
    process = spawn_detached(
        "homehost",
        [sys.executable, "-m", "homehost.cli", "run"],
        log=layout.homehost_log,
        env=environment,
    )
    say(f"homehost: started every service in the background (pid {process.pid})")
    return process


def _gateway_urls(definitions: dict[str, ServiceDefinition]) -> tuple[str, str]:
    gateway = definitions.get("gateway")
    if gateway is None:
        raise StackError("the gateway is not installed: run `uv sync`")
    settings = load_settings(gateway.settings_class)
    host = str(getattr(settings, "host", "127.0.0.1"))
    port = int(getattr(settings, "port", 8080))
    if host in WILDCARD_HOSTS:
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    portal = f"http://{host}:{port}/"
    return f"{portal}api/health", portal


def _answer_at(url: str) -> Literal["nothing", "homehost", "another program"]:
    """Who answers at the gateway's health URL.

    Only an answer that parses as homehost's health report comes from
    homehost's gateway; any other answer means another program holds the port.
    """
    try:
        response = httpx.get(url, timeout=2.0)
    except httpx.HTTPError:
        return "nothing"
    try:
        SystemHealth.model_validate_json(response.content)
    except ValidationError:
        return "another program"
    return "homehost"


def _root_password(settings: StackSettings) -> str | None:
    try:
        return settings.root_password()
    except OSError as exc:
        raise StackError(
            f"HOMEHOST_MARIADB_ROOT_PASSWORD_FILE: cannot read it: {exc.strerror}"
        ) from exc


def _stop_rank(name: str) -> int:
    return STOP_ORDER.index(name) if name in STOP_ORDER else -1


def _forget(record: StartedRecord, name: str, layout: StateLayout) -> None:
    del record.processes[name]
    write_started(layout.started_file, record)
