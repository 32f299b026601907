"""`homehost up` and `down`: what `started.json` records is what `down` stops."""

from __future__ import annotations

import asyncio
import functools
import http.server
import os
import socket
import subprocess
import sys
import threading
import uuid
import warnings
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest

from homehost.cli.errors import StackError
from homehost.cli.layout import StateLayout
from homehost.cli.processes import (
    StartedRecord,
    is_running,
    read_started,
    spawn_detached,
    stop_process,
    write_started,
)
from homehost.cli.provision import (
    DatabaseAccount,
    MariadbTarget,
    connect_as_root,
    database_accounts,
)
from homehost.cli.servers import ensure_nats, ensure_redis
from homehost.cli.stack import bring_down, exclusive, wait_for_health
from homehost.shared.bus import Bus
from homehost.shared.runtime import Supervisor, discover_services
from tests.mail_servers import free_port as mail_free_port
from tests.mail_servers import require_mail_packages

SLEEP = "/bin/sleep"
ROOT_TARGET = MariadbTarget(
    host=os.environ.get("HOMEHOST_TEST_MARIADB_HOST", "127.0.0.1"),
    port=int(os.environ.get("HOMEHOST_TEST_MARIADB_PORT", "3306")),
    root_password=os.environ.get("HOMEHOST_TEST_MARIADB_PASSWORD") or None,
)


def test_down_stops_what_up_started_and_nothing_else(
    layout: StateLayout, free_port: int, other_free_port: int
) -> None:
    nats_process = ensure_nats(f"nats://127.0.0.1:{free_port}", layout)
    assert nats_process is not None
    redis_process = ensure_redis("127.0.0.1", other_free_port, layout)
    if redis_process is None:
        stop_process(nats_process)
    assert redis_process is not None
    bystander = spawn_detached("bystander", [SLEEP, "60"], log=layout.logs / "b.log")
    # A record whose pid is now some other process: the bystander's pid,
    # but not its start time, as after a reboot or a pid reuse.
    reused = bystander.model_copy(
        update={"name": "mariadb", "start_ticks": bystander.start_ticks - 1}
    )
    write_started(
        layout.started_file,
        StartedRecord(
            processes={"nats": nats_process, "redis": redis_process, "mariadb": reused}
        ),
    )
    said: list[str] = []

    try:
        stopped = bring_down(layout, say=said.append)

        assert stopped == ["nats", "redis"]
        assert said == [
            f"stopped nats (pid {nats_process.pid})",
            f"stopped redis (pid {redis_process.pid})",
            f"mariadb (pid {bystander.pid}) had already stopped",
        ]
        assert not is_running(nats_process)
        assert not is_running(redis_process)
        assert is_running(bystander)
        assert not layout.started_file.exists()
    finally:
        for process in (nats_process, redis_process, bystander):
            stop_process(process)


def test_down_twice_is_fine(layout: StateLayout) -> None:
    said: list[str] = []

    assert bring_down(layout, say=said.append) == []
    assert bring_down(layout, say=said.append) == []
    assert (
        said == ["nothing to stop: `homehost up` started nothing that still runs"] * 2
    )


def run_homehost(
    *arguments: str, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """Run the `homehost` command as a user would, in a process of its own."""
    return subprocess.run(  # noqa: S603  # This interpreter, fixed arguments.
        [sys.executable, "-m", "homehost.cli", *arguments],
        env=env,
        capture_output=True,
        text=True,
        timeout=200,
        check=False,
    )


# Five runs of the command and one of every service: on a busy 2-core
# machine each start of Python with every service imported takes seconds.
@pytest.mark.timeout(400)
async def test_up_twice_then_status_then_down(
    scratch: Path, free_port: int, namespace: str, bus: Bus
) -> None:
    # The machine's NATS, MariaDB and Redis answer, so `up` starts only
    # Dovecot, Postfix and homehost itself; every name and port is the
    # test's own, and the `bus` fixture deletes the namespace's events
    # stream afterwards. The state lives where Dovecot's vmail user may
    # enter (pytest's tmp_path is private).
    require_mail_packages()
    label = uuid.uuid4().hex[:8]
    state = StateLayout(scratch / "state")
    environment, accounts = up_environment(
        state,
        label=label,
        namespace=namespace,
        gateway_port=free_port,
        # Every port this stack listens on is free, so that it runs beside a
        # homehost already up on the machine.
        HOMEHOST_INGEST_HTTP_PORT=str(mail_free_port()),
        # A token, so that every service reports ok (without one the dns
        # service reports Cloudflare as not configured); none is ever sent.
        # The Email Worker's secret is left to `up` to make.
        HOMEHOST_DNS_CLOUDFLARE_API_TOKEN="test-token-never-sent",
        # Rspamd and clamd are tested in test_scanservers.py, the portal's
        # build decision in test_portal.py; here they would cost minutes.
        HOMEHOST_SCAN_SERVERS="false",
        HOMEHOST_PORTAL_BUILD="false",
        HOMEHOST_MAIL_DATABASE_USER=f"hh_test_{label}_mailro",
        HOMEHOST_MAIL_IMAP_PORT=str(mail_free_port()),
        HOMEHOST_MAIL_POP3_PORT=str(mail_free_port()),
        HOMEHOST_MAIL_LMTP_PORT=str(mail_free_port()),
        HOMEHOST_MAIL_SUBMISSION_PORT=str(mail_free_port()),
        HOMEHOST_MAIL_SMTPS_PORT=str(mail_free_port()),
    )
    try:
        first = run_homehost("up", "--timeout", "90", env=environment)
        assert first.returncode == 0, first.stdout + first.stderr
        assert f"portal:    http://127.0.0.1:{free_port}/" in first.stdout
        record = read_started(state.started_file)
        assert list(record.processes) == ["dovecot", "postfix", "homehost"]
        homehost = record.processes["homehost"]
        dovecot, postfix = record.processes["dovecot"], record.processes["postfix"]
        passwords = {path.name: path.read_text() for path in state.secrets.iterdir()}
        # One per service's database, the mail servers' read-only user and
        # the Email Worker's shared secret.
        assert len(passwords) == len(accounts) + 2
        assert "(made now)" in first.stdout

        second = run_homehost("up", "--timeout", "90", env=environment)
        assert second.returncode == 0, second.stdout + second.stderr
        assert "(made now)" not in second.stdout
        assert f"homehost: already running (pid {homehost.pid})" in second.stdout
        assert f"Dovecot: already running (pid {dovecot.pid})" in second.stdout
        assert f"Postfix: already running (pid {postfix.pid})" in second.stdout
        assert "created or updated" not in second.stdout
        assert "wrote" not in second.stdout
        assert read_started(state.started_file) == record
        assert {p.name: p.read_text() for p in state.secrets.iterdir()} == passwords

        # Only the state directory is given: the rest comes from the env file.
        status = run_homehost(
            "status",
            env={
                **environment_without_homehost(environment),
                "HOMEHOST_STATE_DIR": str(state.root),
            },
        )
        assert status.returncode == 0, status.stdout + status.stderr
        assert "homehost: ok" in status.stdout

        down = run_homehost("down", env=environment)
        assert down.returncode == 0, down.stdout + down.stderr
        assert down.stdout.splitlines() == [
            f"stopped homehost (pid {homehost.pid})",
            f"stopped postfix (pid {postfix.pid})",
            f"stopped dovecot (pid {dovecot.pid})",
        ]
        assert not any(is_running(p) for p in (homehost, postfix, dovecot))
        again = run_homehost("down", env=environment)
        assert again.stdout.splitlines() == [
            "nothing to stop: `homehost up` started nothing that still runs"
        ]
    finally:
        for process in read_started(state.started_file).processes.values():
            stop_process(process)
        await drop_accounts(
            [f"hh_test_{label}_{a.service}" for a in accounts]
            + [f"hh_test_{label}_mailro"]
        )


def environment_without_homehost(environment: dict[str, str]) -> dict[str, str]:
    """The environment without any homehost variable."""
    return {k: v for k, v in environment.items() if not k.startswith("HOMEHOST_")}


def up_environment(
    state: StateLayout,
    *,
    label: str,
    namespace: str,
    gateway_port: int,
    **settings: str,
) -> tuple[dict[str, str], list[DatabaseAccount]]:
    """An environment for `up` that touches only the test's own things.

    Its state directory, bus namespace, gateway port and a database and
    user per service named after `label`, on the machine's NATS and
    MariaDB; `settings` add to it. Returns it with the database accounts.
    """
    environment = environment_without_homehost(dict(os.environ))
    environment.update(
        HOMEHOST_STATE_DIR=str(state.root),
        HOMEHOST_GATEWAY_PORT=str(gateway_port),
        HOMEHOST_BUS_NAMESPACE=namespace,
        HOMEHOST_NATS_URL=os.environ.get(
            "HOMEHOST_TEST_NATS_URL", "nats://127.0.0.1:4222"
        ),
        HOMEHOST_MARIADB_HOST=ROOT_TARGET.host,
        HOMEHOST_MARIADB_PORT=str(ROOT_TARGET.port),
        **settings,
    )
    if ROOT_TARGET.root_password:
        environment["HOMEHOST_MARIADB_ROOT_PASSWORD"] = ROOT_TARGET.root_password
    accounts = database_accounts(discover_services().values())
    for account in accounts:
        name = f"hh_test_{label}_{account.service}"
        environment[f"{account.env_prefix}DATABASE_NAME"] = name
        environment[f"{account.env_prefix}DATABASE_USER"] = name
    return environment, accounts


async def drop_accounts(names: list[str]) -> None:
    """Drop the databases and users (at 127.0.0.1) of these names."""
    connection = await connect_as_root(ROOT_TARGET)
    with warnings.catch_warnings():
        # `IF EXISTS` on a missing one leaves a note that aiomysql warns of.
        warnings.simplefilter("ignore")
        async with connection.cursor() as cursor:
            for name in names:
                await cursor.execute("DROP USER IF EXISTS %s@'127.0.0.1'", (name,))
                await cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
    connection.close()


def test_one_up_or_down_at_a_time(layout: StateLayout) -> None:
    with exclusive(layout), pytest.raises(StackError, match="is at work on"):
        bring_down_exclusively(layout)

    assert bring_down_exclusively(layout) == []


def bring_down_exclusively(layout: StateLayout) -> list[str]:
    """`homehost down` as the command runs it, under the state's lock."""
    with exclusive(layout):
        return bring_down(layout, say=lambda _: None)


def status_row(stdout: str, service: str) -> list[str]:
    """The cells of `service`'s row in the table `homehost status` prints."""
    for line in stdout.splitlines():
        if line.startswith(f"│ {service} "):
            return [cell.strip() for cell in line.strip("│").split("│")]
    raise AssertionError(f"no row for {service} in:\n{stdout}")


async def test_status_and_up_say_why_the_gateway_cannot_listen(
    service_environment: dict[str, str],
    make_database: Callable[[str], Awaitable[str]],
    bus: Bus,
    tmp_path: Path,
) -> None:
    # The gateway runs in this loop on the test's namespace; the `bus`
    # fixture deletes that namespace's events stream afterwards.
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = int(taken.getsockname()[1])
    gateway = discover_services(["gateway"])["gateway"]
    settings = gateway.settings_class(
        port=port,
        database_name=await make_database("gateway"),
        database_user="root",
        database_password="",
        state_dir=tmp_path / "gateway",
    )
    supervisor = Supervisor(
        [gateway], settings={"gateway": settings}, restart_backoff=(0.2,)
    )
    running = asyncio.create_task(supervisor.run())
    # `status` as a user runs it: wide enough that no reason is wrapped.
    status_environment = {
        **environment_without_homehost(dict(os.environ)),
        **service_environment,
        "HOMEHOST_STATE_DIR": str(tmp_path / "state"),
        "COLUMNS": "200",
    }
    url = f"http://127.0.0.1:{port}/api/health"
    reason = f"cannot listen on 127.0.0.1:{port}: Address already in use"
    try:
        for _ in range(200):
            if supervisor.restarts["gateway"] >= 1:
                break
            await asyncio.sleep(0.05)
        status_down = await asyncio.to_thread(
            run_homehost, "status", env=status_environment
        )
        # The port's holder takes the connection and never answers; the bus
        # says why the gateway is down, and that ends the wait long before
        # its 300 s (pytest's own timeout would end a wait that ran on).
        with pytest.raises(StackError) as waited:
            await asyncio.to_thread(
                wait_for_health, url, timeout=300, process=None, log="the log"
            )
        taken.close()
        for _ in range(200):
            if "gateway" in supervisor.contexts:
                break
            await asyncio.sleep(0.05)
        status_up = await asyncio.to_thread(
            run_homehost, "status", env=status_environment
        )
    finally:
        taken.close()
        supervisor.stop()
        await asyncio.wait_for(running, 30)

    assert status_down.returncode == 1, status_down.stderr
    assert status_row(status_down.stdout, "gateway") == [
        "gateway",
        "down",
        "",
        "",
        reason,
    ]
    assert str(waited.value) == (
        f"the gateway cannot start: {reason}.\n"
        f"Another program holds port {port} (`ss -ltnp 'sport = :{port}'` names "
        "it). Stop it and run `./homehost up` again (homehost keeps trying the "
        "port meanwhile), or give homehost another port: `./homehost down`, then "
        "`HOMEHOST_GATEWAY_PORT=<free port> ./homehost up`."
    )
    # The other services do not run here, so `status` still exits 1.
    assert status_up.returncode == 1, status_up.stderr
    row = status_row(status_up.stdout, "gateway")
    assert row[:3] == ["gateway", "ok", gateway.version]
    assert row[4] == "mariadb ok, jetstream ok"


async def test_up_waits_out_a_silent_gateway_the_bus_gives_no_lasting_reason_for(
    service_environment: dict[str, str],
) -> None:
    # Nothing runs the gateway on the test's namespace, so the bus knows no
    # reason that lasts: the wait runs to its end and says what it saw.
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    url = f"http://127.0.0.1:{taken.getsockname()[1]}/api/health"
    try:
        with pytest.raises(StackError) as waited:
            await asyncio.to_thread(
                wait_for_health, url, timeout=0.5, process=None, log="the log"
            )
    finally:
        taken.close()

    assert str(waited.value) == (
        "homehost runs, but not every service answers after 0.5 s: "
        f"{url}: timed out; gateway down (no service answers on "
        "api.gateway.health).\n"
        "See the log, `./homehost status`; stop it with `./homehost down`."
    )


class QuietFileHandler(http.server.SimpleHTTPRequestHandler):
    """`python3 -m http.server`'s handler, without a line per request."""

    def log_message(self, format: str, *args: object) -> None:
        """Log nothing: the test's output is for what `up` says."""


@pytest.fixture
def other_web_server(tmp_path: Path) -> Iterator[int]:
    """Python's own web server on a free port, as a user might leave running."""
    handler = functools.partial(QuietFileHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()
        serving.join(timeout=10)


@pytest.mark.timeout(200)
async def test_up_says_at_once_that_another_program_holds_the_gateways_port(
    other_web_server: int, tmp_path: Path, namespace: str
) -> None:
    # The web server answers every request (404 at /api/health), but not
    # with homehost's health report: `up` must not take it for the gateway.
    port = other_web_server
    label = uuid.uuid4().hex[:8]
    state = StateLayout(tmp_path / "state")
    environment, accounts = up_environment(
        state,
        label=label,
        namespace=namespace,
        gateway_port=port,
        HOMEHOST_MAIL_SERVERS="false",
        HOMEHOST_SCAN_SERVERS="false",
        HOMEHOST_PORTAL_BUILD="false",
    )
    try:
        up = await asyncio.to_thread(
            run_homehost, "up", "--timeout", "120", env=environment
        )
    finally:
        for process in read_started(state.started_file).processes.values():
            stop_process(process)
        await drop_accounts([f"hh_test_{label}_{a.service}" for a in accounts])

    url = f"http://127.0.0.1:{port}/api/health"
    assert up.returncode == 1, up.stdout + up.stderr
    assert up.stderr == (
        f"the gateway cannot start: another program answers at {url}, and its "
        "answer is not homehost's health report.\n"
        f"Another program holds port {port} (`ss -ltnp 'sport = :{port}'` names "
        "it). Stop it and run `./homehost up` again, or give homehost another "
        "port: `HOMEHOST_GATEWAY_PORT=<free port> ./homehost up`.\n"
    )
    assert "using it" not in up.stdout
    assert "homehost runs" not in up.stdout + up.stderr
    assert "homehost is up" not in up.stdout
    assert "homehost" not in read_started(state.started_file).processes
