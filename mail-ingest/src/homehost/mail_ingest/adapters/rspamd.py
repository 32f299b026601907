"""Rspamd's scanner protocol: POST /checkv2 with the envelope in headers."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

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
        # Rspamd closes the connection after every answer, so each scan
        # opens one; aiohttp keeps the CPU each request costs small.
        # The timeout bounds connecting and each wait for bytes, not the
        # whole upload of a large message.
        self._timeout = aiohttp.ClientTimeout(
            total=None, sock_connect=timeout, sock_read=timeout
        )
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        """Close the client's connections."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _client(self) -> aiohttp.ClientSession:
        # Made on first use, inside the running loop, as aiohttp wants.
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

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
            async with self._client().post(
                f"{self.url}/checkv2",
                data=read_chunks_async(path),
                # Rspamd reads UTF-8 addresses in these headers as they are.
                headers=headers,
            ) as response:
                status = response.status
                body = await response.read() if status == 200 else b""
        except (aiohttp.ClientError, TimeoutError) as exc:
            logger.warning("Rspamd at %s did not scan %s: %r", self.url, queue_id, exc)
            raise ScannerUnavailable("rspamd", "unreachable") from exc
        if status != 200:
            logger.warning("Rspamd refused to scan %s: HTTP %d", queue_id, status)
            reason = "too large" if status == 413 else "refused"
            raise ScannerUnavailable("rspamd", reason)
        try:
            data = json.loads(body)
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
