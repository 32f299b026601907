"""`homehost mail inject`: send a message to mail-ingest as the Email Worker does."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import httpx
import typer
from rich.console import Console

from homehost.mail_ingest.signing import INBOUND_PATH, Envelope, signed_headers

mail_app = typer.Typer(help="Inbound mail.", no_args_is_help=True)
console = Console()
errors = Console(stderr=True, soft_wrap=True)


def _read(path: Path, what: str) -> bytes:
    """Return the file's bytes, or exit 2 naming it and why it cannot be read."""
    try:
        return path.read_bytes()
    except OSError as exc:
        errors.print(
            f"[red]{what}: cannot read {path}: {exc.strerror or exc}[/red]",
            highlight=False,
        )
        raise typer.Exit(2) from exc


def _secret(secret_file: Path | None) -> bytes:
    if secret_file is not None:
        return _read(secret_file, "--secret-file").decode().rstrip("\r\n").encode()
    value = os.environ.get("HOMEHOST_INGEST_WORKER_SECRET", "")
    path = os.environ.get("HOMEHOST_INGEST_WORKER_SECRET_FILE", "")
    if not value and path:
        value = (
            _read(Path(path), "HOMEHOST_INGEST_WORKER_SECRET_FILE")
            .decode()
            .rstrip("\r\n")
        )
    if not value:
        errors.print(
            "[red]no secret: set HOMEHOST_INGEST_WORKER_SECRET(_FILE) "
            "or pass --secret-file[/red]"
        )
        raise typer.Exit(2)
    return value.encode()


def _default_url() -> str:
    port = os.environ.get("HOMEHOST_INGEST_HTTP_PORT", "8025")
    return f"http://127.0.0.1:{port}"


@mail_app.command()
def inject(
    file: Annotated[Path, typer.Argument(help="The raw message (.eml).")],
    sender: Annotated[str, typer.Option("--from", help="Envelope sender.")],
    recipients: Annotated[
        list[str], typer.Option("--to", help="Envelope recipient; repeatable.")
    ],
    url: Annotated[str | None, typer.Option(help="mail-ingest's base URL.")] = None,
    secret_file: Annotated[
        Path | None, typer.Option(help="File holding the Worker's secret.")
    ] = None,
) -> None:
    """Send FILE to mail-ingest, signed exactly as the Email Worker sends it."""
    raw = _read(file, "the message")
    headers = signed_headers(
        _secret(secret_file),
        body=raw,
        envelope=Envelope(sender=sender, recipients=tuple(recipients)),
    )
    target = (url or _default_url()).rstrip("/") + INBOUND_PATH
    try:
        response = httpx.post(target, content=raw, headers=headers, timeout=120)
    except httpx.HTTPError as exc:
        errors.print(f"[red]{target} did not answer: {exc}[/red]")
        raise typer.Exit(1) from exc
    try:
        answer = response.json()
    except ValueError:
        answer = {"message": response.text}
    console.print(f"HTTP {response.status_code}")
    console.print_json(json.dumps(answer))
    if response.status_code >= 300:
        raise typer.Exit(1)
