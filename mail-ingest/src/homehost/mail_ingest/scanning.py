"""Rspamd and clamd on the same bytes at the same time, and what they mean."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from pathlib import Path

from homehost.mail_ingest.adapters.clamd import Clamd, VirusReport
from homehost.mail_ingest.adapters.rspamd import Rspamd, SpamReport
from homehost.mail_ingest.errors import ScannerUnavailable

# Rspamd actions that file a message as junk rather than refuse it.
JUNK_ACTIONS = frozenset({"add header", "rewrite subject"})


@dataclass
class ScanResult:
    """Both scanners' findings; `not_scanned` names who could not scan, and why."""

    spam: SpamReport | None = None
    virus: VirusReport | None = None
    not_scanned: dict[str, str] = field(default_factory=dict)
    elapsed_ms: float = 0.0

    @property
    def infected(self) -> str | None:
        """The virus found, if any."""
        return self.virus.virus if self.virus else None

    @property
    def spam_rejected(self) -> bool:
        """Whether Rspamd says reject."""
        return self.spam is not None and self.spam.action == "reject"

    @property
    def junk(self) -> bool:
        """Whether the message belongs in the Junk folder."""
        return self.spam is not None and self.spam.action in JUNK_ACTIONS

    def notes(self) -> list[str]:
        """One line per scanner that could not scan: `clamd: too large`."""
        return [
            f"{name}: {reason}" for name, reason in sorted(self.not_scanned.items())
        ]


async def scan(
    *,
    rspamd: Rspamd,
    clamd: Clamd,
    path: Path,
    size: int,
    sender: str,
    recipients: list[str],
    queue_id: str,
) -> ScanResult:
    """Run both scanners on the spooled message at once."""
    started = time.monotonic()
    spam_task = asyncio.create_task(
        rspamd.check(
            path, size=size, sender=sender, recipients=recipients, queue_id=queue_id
        )
    )
    virus_task = asyncio.create_task(clamd.scan(path, queue_id=queue_id))
    await asyncio.wait({spam_task, virus_task})
    result = ScanResult()
    for name, task in (("rspamd", spam_task), ("clamd", virus_task)):
        error = task.exception()
        if isinstance(error, ScannerUnavailable):
            result.not_scanned[name] = error.reason
        elif error is not None:
            raise error
    if not spam_task.exception():
        result.spam = spam_task.result()
    if not virus_task.exception():
        result.virus = virus_task.result()
    result.elapsed_ms = (time.monotonic() - started) * 1000
    return result
