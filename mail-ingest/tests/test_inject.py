"""`homehost mail inject` sends a message as the Worker does."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from .conftest import SECRET, Ingest, read_mailbox, split_stored


async def test_inject_delivers_a_file(ingest: Ingest, tmp_path: Path) -> None:
    rcpt = await ingest.mailbox("rcpt@example.test")
    raw = b"From: a@elsewhere.test\nTo: rcpt@example.test\nSubject: injected\n\nhi\n"
    message = tmp_path / "m.eml"
    message.write_bytes(raw)
    secret = tmp_path / "secret"
    secret.write_text(SECRET + "\n")

    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "homehost.cli",
        "mail",
        "inject",
        str(message),
        "--from",
        "a@elsewhere.test",
        "--to",
        rcpt,
        "--url",
        ingest.url,
        "--secret-file",
        str(secret),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    output, errors = await process.communicate()

    assert process.returncode == 0, errors.decode()
    assert output.decode().startswith("HTTP 200\n")
    (stored,) = await read_mailbox(ingest, rcpt)
    split_stored(stored, raw)
