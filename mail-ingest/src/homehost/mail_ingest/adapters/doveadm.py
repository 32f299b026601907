"""Asking Dovecot, through doveadm, whether a message reached a mailbox."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from homehost.mail_ingest.errors import IngestError

logger = logging.getLogger(__name__)

# The header mail-ingest adds to every message it delivers.
INGEST_ID_HEADER = "X-Homehost-Ingest-Id"


async def holds_message(
    *, doveadm: str, config: Path, mailbox: str, message_id: str
) -> bool:
    """Whether any folder of `mailbox` holds the message with this ingest id."""
    process = await asyncio.create_subprocess_exec(
        doveadm,
        "-c",
        str(config),
        "search",
        "-u",
        mailbox,
        "mailbox",
        "*",
        "header",
        INGEST_ID_HEADER,
        message_id,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    output, errors = await process.communicate()
    if process.returncode != 0:
        reason = errors.decode("utf-8", "replace").strip()[:300]
        raise IngestError(
            f"doveadm search for {mailbox} failed: {reason}",
            details={"mailbox": mailbox, "exit_status": process.returncode},
        )
    found = bool(output.strip())
    logger.info(
        "doveadm: %s %s message %s", mailbox, "holds" if found else "lacks", message_id
    )
    return found
