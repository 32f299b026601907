"""Rspamd's scanner protocol: POST /checkv2 with the envelope in headers."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from homehost.mail_ingest.errors import ScannerUnavailable
from homehost.mail_ingest.spool import read_chunks_async

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SpamReport:
    """Rspamd's answer: score, the score that rejects, action and symbols."""

    score: float
    required_score: float
    action: str
    symbols: list[str] = field(default_factory=list)


class Rspamd:
    """A client of one Rspamd normal worker."""

    def __init__(self, url: str, *, timeout: float) -> None:
        self.url = url.rstrip("/")
        self._client = httpx.AsyncClient(timeout=timeout)

    async def close(self) -> None:
        """Close the client's connections."""
        await self._client.aclose()

    async def check(
        self,
        path: Path,
        *,
        size: int,
        sender: str,
        recipients: list[str],
        queue_id: str,
    ) -> SpamReport:
        """Scan the file at `path`; raise `ScannerUnavailable` if Rspamd cannot."""
        headers: list[tuple[str, str]] = [
            ("Content-Length", str(size)),
            ("Queue-Id", queue_id),
            ("From", sender),
            *(("Rcpt", recipient) for recipient in recipients),
        ]
        try:
            response = await self._client.post(
                f"{self.url}/checkv2",
                content=read_chunks_async(path),
                # Rspamd reads UTF-8 addresses in these headers as they are.
                headers=[
                    (name.encode("ascii"), value.encode("utf-8"))
                    for name, value in headers
                ],
            )
        except httpx.HTTPError as exc:
            logger.warning("Rspamd at %s did not scan %s: %r", self.url, queue_id, exc)
            raise ScannerUnavailable("rspamd", "unreachable") from exc
        if response.status_code != 200:
            logger.warning(
                "Rspamd refused to scan %s: HTTP %d", queue_id, response.status_code
            )
            reason = "too large" if response.status_code == 413 else "refused"
            raise ScannerUnavailable("rspamd", reason)
        try:
            data = response.json()
            report = SpamReport(
                score=float(data["score"]),
                required_score=float(data["required_score"]),
                action=str(data["action"]),
                symbols=sorted(data.get("symbols", {})),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise ScannerUnavailable("rspamd", "unreadable answer") from exc
        logger.info(
            "Rspamd scanned %s: %s (%.2f of %.2f)",
            queue_id,
            report.action,
            report.score,
            report.required_score,
        )
        return report
