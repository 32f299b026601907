"""`homehost`: start, stop, run and inspect the control plane."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from typing import Annotated

import nats.errors
import typer
import uvloop
from rich.console import Console
from rich.table import Table

from homehost.cli import stack
from homehost.cli.admin import admin_app
from homehost.cli.envfile import load_state_environment
from homehost.cli.layout import current_layout
from homehost.cli.mail import mail_app
from homehost.cli.processes import is_running, read_started
from homehost.shared.errors import ConfigurationError, ServiceUnavailable
from homehost.shared.health import SystemHealth
from homehost.shared.logging import configure_logging
from homehost.shared.runtime import (
    ServiceDefinition,
    Supervisor,
    discover_services,
    service_names,
)
from homehost.shared.settings import ServiceSettings, load_settings

app = typer.Typer(
    help="homehost: one home server as a small hosting company.", no_args_is_help=True
)
console = Console()
errors = Console(stderr=True, soft_wrap=True)

# Every command first reads what `homehost up` wrote (<state_dir>/homehost.env)
# without overriding the environment, so `run` and `status` see its stack.
app.callback()(load_state_environment)
app.command()(stack.up)
app.command()(stack.down)
app.add_typer(admin_app, name="admin")
app.add_typer(mail_app, name="mail")


def _pick_services(names: list[str] | None) -> list[ServiceDefinition]:
    if not names:
        return list(discover_services().values())
    known = service_names()
    unknown = [name for name in names if name not in known]
    if unknown:
        errors.print(
            f"[red]unknown service {', '.join(unknown)}[/red]; "
            f"known: {', '.join(known)}"
        )
        raise typer.Exit(2)
    picked = discover_services(names)
    return [picked[name] for name in names]


def _load_settings(definitions: list[ServiceDefinition]) -> dict[str, ServiceSettings]:
    loaded: dict[str, ServiceSettings] = {}
    for definition in definitions:
        try:
            loaded[definition.name] = load_settings(definition.settings_class)
        except ConfigurationError as exc:
            errors.print(f"[red]{definition.name}: {exc.message}[/red]")
            raise typer.Exit(2) from exc
    return loaded


@app.command()
def run(
    services: Annotated[
        list[str] | None, typer.Argument(help="Services to run; all when none given.")
    ] = None,
) -> None:
    """Run services in the foreground, in this one process."""
    refuse_beside_background()
    definitions = _pick_services(services)
    settings = _load_settings(definitions)
    any_settings = next(iter(settings.values()))
    configure_logging(any_settings.log_level)
    supervisor = Supervisor(definitions, settings=settings)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        for signal_number in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signal_number, supervisor.stop)
        await supervisor.run()

    # uvloop runs the same coroutines at a fraction of the loop's own cost:
    # the mail path spends about 15 % less CPU per message (bench/README.md).
    uvloop.run(main())


@app.command()
def status(
    timeout: Annotated[
        float, typer.Option(help="Seconds to wait for each service.")
    ] = 2.0,
) -> None:
    """Show the health of every service, as the bus reports it.

    Exits 0 when every service answers (a degraded one is shown with its
    reason), 1 when any is down or NATS does not answer.
    """
    try:
        settings = load_settings(ServiceSettings)
    except ConfigurationError as exc:
        errors.print(f"[red]bad settings: {exc.message}[/red]")
        raise typer.Exit(2) from exc
    names = service_names()

    async def gather() -> SystemHealth:
        return await stack.health_over_bus(
            settings,
            names,
            client="homehost-status",
            connect_attempts=3,
            timeout=timeout,
        )

    try:
        health = asyncio.run(gather())
    except ServiceUnavailable as exc:
        errors.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(1) from exc
    except (OSError, nats.errors.Error) as exc:
        errors.print(f"[red]NATS at {settings.nats_url} does not answer: {exc}[/red]")
        raise typer.Exit(1) from exc
    console.print(render_health(health))
    if health.services and all(view.status == "down" for view in health.services):
        console.print(NOBODY_ANSWERS)
    if any(view.status == "down" for view in health.services):
        raise typer.Exit(1)


NOBODY_ANSWERS = "no service answers: is homehost running? start it with ./homehost up"


def refuse_beside_background() -> None:
    """Exit 1 when the homehost that `up` started in the background still runs.

    Both would listen on the same ports; the background one is stopped first.
    """
    try:
        record = read_started(current_layout().started_file)
    except OSError:
        return  # Another user's state, unreadable: nothing of ours runs there.
    process = record.processes.get("homehost")
    if process is None or process.pid == os.getpid() or not is_running(process):
        return
    errors.print(
        f"[red]homehost is already running in the background (pid {process.pid}); "
        "stop it with ./homehost down[/red]",
        highlight=False,
    )
    raise typer.Exit(1)


STATUS_STYLE = {"ok": "green", "degraded": "yellow", "down": "red"}


def render_health(health: SystemHealth) -> Table:
    """Return the services' health as a table."""
    table = Table(title=f"homehost: {health.status}")
    for column in ("service", "status", "version", "uptime", "dependencies"):
        table.add_column(column)
    for view in health.services:
        style = STATUS_STYLE[view.status]
        uptime = (
            f"{view.uptime_seconds:.0f} s" if view.uptime_seconds is not None else ""
        )
        dependencies = ", ".join(
            f"{d.name} {'ok' if d.ok else 'FAILING: ' + d.detail}"
            for d in view.dependencies
        )
        table.add_row(
            view.service,
            f"[{style}]{view.status}[/{style}]",
            view.version or "",
            uptime,
            dependencies or (view.error or ""),
        )
    return table


def main() -> None:
    """Entry point of the `homehost` script."""
    app()
    sys.exit(0)
