"""`homehost admin`: manage the admins who log in to the portal.

There is never a default admin or password: the first admin is made here,
with a password typed twice (or read from a file) that must pass the
gateway's password rules.
"""

from __future__ import annotations

import asyncio
import getpass
import re
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console

from homehost.gateway import admins, throttle
from homehost.gateway.audit import AuditRecord, store_entry
from homehost.gateway.passwords import password_problem
from homehost.gateway.schemas import USERNAME_PATTERN, AdminPublic
from homehost.gateway.scopes import ROLE_SCOPES, Role
from homehost.gateway.service import definition as gateway_definition
from homehost.gateway.settings import GatewaySettings
from homehost.shared.database import create_pool
from homehost.shared.errors import Conflict, NotFound
from homehost.shared.migrations import apply_migrations

admin_app = typer.Typer(
    help="Manage the admins who log in to the portal.", no_args_is_help=True
)
console = Console()
errors = Console(stderr=True)


def _read_password(password_file: Path | None) -> str:
    if password_file is None:
        password: str = typer.prompt(
            "Password", hide_input=True, confirmation_prompt=True
        )
        return password
    try:
        text = password_file.read_text(encoding="utf-8")
    except OSError as exc:
        errors.print(f"[red]cannot read {password_file}: {exc.strerror}[/red]")
        raise typer.Exit(2) from exc
    return text.rstrip("\r\n")


async def _create(
    settings: GatewaySettings, *, username: str, password: str, role: Role
) -> AdminPublic:
    pool = await create_pool(settings, maxsize=2)
    try:
        # The gateway may not have started yet: its tables come first.
        assert gateway_definition.migrations is not None  # noqa: S101  # Set by the gateway.
        await apply_migrations(pool, gateway_definition.migrations)
        return await admins.create_admin(
            pool, username=username, password=password, role=role
        )
    finally:
        pool.close()
        await pool.wait_closed()


async def _unlock(settings: GatewaySettings, *, username: str) -> list[str]:
    pool = await create_pool(settings, maxsize=2)
    try:
        admin = await admins.find_by_username(pool, throttle.account_key(username))
        if admin is None:
            raise NotFound(f"no admin named {username}")
        await throttle.clear_account(pool, username=admin["username"])
        addresses = await throttle.clear_admin_addresses(pool)
        await store_entry(
            pool,
            AuditRecord(
                actor=f"cli:{getpass.getuser()}",
                auth="anonymous",
                action="admins.unlock",
                target=f"admin:{admin['username']}",
                result="success",
                status_code=204,
                client_address="cli",
                details={"unlocked_addresses": addresses},
            ),
        )
        return addresses
    finally:
        pool.close()
        await pool.wait_closed()


def _gateway_settings() -> GatewaySettings:
    try:
        return GatewaySettings()
    except ValidationError as exc:
        for error in exc.errors(include_url=False, include_input=False):
            field = ".".join(str(part) for part in error["loc"])
            errors.print(f"[red]gateway settings: {field}: {error['msg']}[/red]")
        raise typer.Exit(2) from exc


@admin_app.command()
def unlock(
    username: Annotated[str, typer.Argument(help="The admin to let log in again.")],
) -> None:
    """Lift an admin's login lockout and every address's block on admin logins.

    The way back in when no admin can log in to unlock another; the unlock
    is written to the audit log.
    """
    settings = _gateway_settings()
    try:
        addresses = asyncio.run(_unlock(settings, username=username))
    except NotFound as exc:
        errors.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(1) from exc
    except OSError as exc:
        errors.print(
            f"[red]MariaDB at {settings.mariadb_host}:{settings.mariadb_port} "
            f"does not answer: {exc}[/red]"
        )
        raise typer.Exit(1) from exc
    blocked = ", ".join(addresses) if addresses else "none"
    console.print(
        f"unlocked [bold]{throttle.account_key(username)}[/bold]; "
        f"addresses unblocked: {blocked}"
    )


@admin_app.command()
def create(
    username: Annotated[
        str, typer.Argument(help="3-64 characters: a-z, 0-9, dot, dash, underscore.")
    ],
    role: Annotated[
        str, typer.Option(help="admin (everything) or viewer (read only).")
    ] = "admin",
    password_file: Annotated[
        Path | None,
        typer.Option(help="Read the password from this file instead of a prompt."),
    ] = None,
) -> None:
    """Create an admin who can log in to the portal."""
    if not re.fullmatch(USERNAME_PATTERN, username):
        errors.print(
            "[red]username: use 3 to 64 characters: a-z, 0-9, dot, dash, "
            "underscore[/red]"
        )
        raise typer.Exit(2)
    if role not in ROLE_SCOPES:
        errors.print(f"[red]role: use one of {', '.join(ROLE_SCOPES)}[/red]")
        raise typer.Exit(2)
    password = _read_password(password_file)
    problem = password_problem(password, username=username)
    if problem is not None:
        errors.print(f"[red]password {problem}[/red]")
        raise typer.Exit(2)
    settings = _gateway_settings()

    try:
        admin = asyncio.run(
            _create(
                settings,
                username=username,
                password=password,
                role=role,
            )
        )
    except Conflict as exc:
        errors.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(1) from exc
    except OSError as exc:
        errors.print(
            f"[red]MariaDB at {settings.mariadb_host}:{settings.mariadb_port} "
            f"does not answer: {exc}[/red]"
        )
        raise typer.Exit(1) from exc
    console.print(f"created {admin.role} [bold]{admin.username}[/bold] (id {admin.id})")
