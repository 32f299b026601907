"""clamd's INSTREAM command over TCP."""

from __future__ import annotations

import asyncio
import logging
import struct
from dataclasses import dataclass
from pathlib import Path

from homehost.mail_ingest.errors import ScannerUnavailable
from homehost.mail_ingest.spool import read_chunks_async

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class VirusReport:
    """clamd's verdict: `virus` names what it found, or is None when clean."""

    virus: str | None


class Clamd:
    """A client of one clamd."""

    def __init__(self, host: str, port: int, *, timeout: float) -> None:
        self.host = host
        self.port = port
        self.timeout = timeout

    async def scan(self, path: Path, *, queue_id: str) -> VirusReport:
        """Stream the file to clamd; raise `ScannerUnavailable` unless it was read whole.

        A stream past clamd's StreamMaxLength is answered with an error (or
        the connection is closed): that is "too large", never clean.
        """
        try:
            async with asyncio.timeout(self.timeout):
                reply = await self._instream(path)
        except TimeoutError as exc:
            raise ScannerUnavailable("clamd", "timed out") from exc
        except OSError as exc:
            logger.warning("clamd at %s:%d: %r", self.host, self.port, exc)
            raise ScannerUnavailable("clamd", "unreachable") from exc
        text = reply.decode("utf-8", "replace").strip()
        if text == "stream: OK":
            logger.info("clamd scanned %s: clean", queue_id)
            return VirusReport(virus=None)
        if text.startswith("stream: ") and text.endswith(" FOUND"):
            virus = text.removeprefix("stream: ").removesuffix(" FOUND")
            logger.info("clamd scanned %s: %s", queue_id, virus)
            return VirusReport(virus=virus)
        if "size limit" in text.lower():
            raise ScannerUnavailable("clamd", "too large")
        logger.warning("clamd could not scan %s: %s", queue_id, text)
        raise ScannerUnavailable("clamd", "error")

    async def _instream(self, path: Path) -> bytes:
        reader, writer = await asyncio.open_connection(self.host, self.port)
        try:
            # Each chunk goes out with what precedes it (the command) or
            # follows it (the end mark) where it can: a small message is one
            # write, not four.
            frames = [b"zINSTREAM\0"]
            try:
                async for chunk in read_chunks_async(path):
                    if len(frames) > 1:
                        writer.writelines(frames)
                        frames = []
                        await writer.drain()
                    frames += (struct.pack(">I", len(chunk)), chunk)
                writer.writelines([*frames, struct.pack(">I", 0)])
                await writer.drain()
            except (BrokenPipeError, ConnectionResetError):
                # clamd stops reading past its limit; its reply says why.
                pass
            try:
                reply = await reader.readuntil(b"\0")
            except asyncio.IncompleteReadError as exc:
                reply = exc.partial
            if not reply:
                raise ScannerUnavailable("clamd", "too large")
            return reply.rstrip(b"\0")
        finally:
            writer.close()
            try:
                await writer.wait_closed()
            except OSError:
                logger.debug("clamd closed the connection first")
