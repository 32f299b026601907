"""A small LMTP client (RFC 2033) that reads one reply per recipient.

It reads the server's LHLO capabilities and never asks for SMTPUTF8 when
the server does not offer it; domains go out as A-labels. The message is
the header block mail-ingest adds, then the spooled bytes (already CRLF),
dot-stuffed on the way out. After the final dot the server answers once
for every recipient it accepted, in RCPT order, and each answer is that
recipient's own result.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import idna

from homehost.mail_ingest.envelope import has_control_character
from homehost.mail_ingest.errors import LmtpInterrupted, LmtpUnavailable
from homehost.mail_ingest.spool import CHUNK_BYTES, read_chunks_async

logger = logging.getLogger(__name__)

ResultKind = Literal["delivered", "temporary", "permanent"]


@dataclass(frozen=True)
class Reply:
    """One reply: its code and text (lines joined with a space)."""

    code: int
    text: str

    @property
    def kind(self) -> ResultKind:
        """What the code means for the recipient."""
        if 200 <= self.code < 300:
            return "delivered"
        return "temporary" if 400 <= self.code < 500 else "permanent"

    def __str__(self) -> str:
        return f"{self.code} {self.text}".strip()


class DotStuffer:
    """Doubles a dot that starts a line, across chunk boundaries."""

    def __init__(self) -> None:
        self._last = b"\r\n"

    def feed(self, chunk: bytes) -> bytes:
        """Return `chunk` dot-stuffed."""
        if not chunk:
            return chunk
        out = chunk.replace(b"\r\n.", b"\r\n..")
        if self._last.endswith(b"\r\n") and out.startswith(b"."):
            out = b"." + out
        elif self._last.endswith(b"\r") and out.startswith(b"\n."):
            out = b"\n." + out[1:]
        self._last = (self._last + chunk)[-2:]
        return out


def lmtp_address(address: str, *, smtputf8: bool) -> str | None:
    """The address as it may go on the wire, or None if it cannot.

    The domain becomes A-labels; a non-ASCII local part needs SMTPUTF8.
    """
    if not address:
        return ""
    if has_control_character(address) or "<" in address or ">" in address:
        # It would end the command early or start another one.
        return None
    local, _, domain = address.rpartition("@")
    if not local:
        return None
    ascii_domain = _a_labels(domain)
    if ascii_domain is None:
        return None
    if not local.isascii() and not smtputf8:
        return None
    return f"{local}@{ascii_domain}"


@functools.lru_cache(maxsize=4096)
def _a_labels(domain: str) -> str | None:
    """The domain in A-labels, or None if it is not a valid domain.

    Kept per domain: a server sees the same few domains again and again.
    """
    try:
        return idna.encode(domain, uts46=True).decode("ascii")
    except idna.IDNAError:
        return None


class LmtpConnection:
    """One LMTP session; `deliver` may run any number of times on it."""

    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, timeout: float
    ) -> None:
        self.reader = reader
        self.writer = writer
        self.timeout = timeout
        self.capabilities: set[str] = set()

    @classmethod
    async def open(
        cls, host: str, port: int, *, timeout: float, name: str
    ) -> LmtpConnection:
        """Connect and say LHLO; raise `LmtpUnavailable` if that fails."""
        try:
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_connection(host, port)
        except (OSError, TimeoutError) as exc:
            raise LmtpUnavailable(f"cannot connect to {host}:{port}: {exc!r}") from exc
        connection = cls(reader, writer, timeout)
        try:
            greeting = await connection._reply()
            if greeting.code != 220:
                raise LmtpUnavailable(f"LMTP greeting was {greeting}")
            connection._send(f"LHLO {name}")
            lines = await connection._reply_lines()
        except LmtpUnavailable:
            await connection.close()
            raise
        if not lines or lines[-1][0] != 250:
            await connection.close()
            raise LmtpUnavailable(f"LHLO was answered {lines[-1] if lines else ''}")
        connection.capabilities = {
            text.split(" ", 1)[0].upper() for _, text in lines[1:]
        }
        return connection

    @property
    def closed(self) -> bool:
        """Whether either side has ended the session (seen so far)."""
        return self.writer.is_closing() or self.reader.at_eof()

    @property
    def smtputf8(self) -> bool:
        """Whether the server takes UTF-8 addresses."""
        return "SMTPUTF8" in self.capabilities

    async def close(self) -> None:
        """Say QUIT if possible and close."""
        try:
            if not self.writer.is_closing():
                self._send("QUIT")
                async with asyncio.timeout(2):
                    await self.writer.drain()
                    await self.reader.readline()
        except (OSError, TimeoutError):
            logger.debug("the LMTP server went away before QUIT was answered")
        self.writer.close()
        try:
            await self.writer.wait_closed()
        except OSError:
            logger.debug("the LMTP connection was already closed")

    async def deliver(
        self,
        *,
        sender: str,
        recipients: Iterable[str],
        header_block: bytes,
        path: Path,
    ) -> dict[str, Reply]:
        """Deliver one message; return each recipient's reply.

        Recipients refused at RCPT, or that cannot be written without
        SMTPUTF8, get their reply without the message being sent to them.
        Raises `LmtpUnavailable` when the session breaks before the final
        dot and `LmtpInterrupted` when it breaks after it.
        """
        results: dict[str, Reply] = {}
        wire_sender = lmtp_address(sender, smtputf8=self.smtputf8)
        if wire_sender is None:
            # Without SMTPUTF8 the sender cannot be written; LMTP only
            # files the message, so the null sender loses nothing.
            logger.info("sender %r cannot be written without SMTPUTF8", sender)
            wire_sender = ""
        needs_utf8 = not wire_sender.isascii()
        parameters = " BODY=8BITMIME" if "8BITMIME" in self.capabilities else ""
        accepted: list[str] = []
        try:
            wire_recipients: dict[str, str] = {}
            for recipient in recipients:
                wire = lmtp_address(recipient, smtputf8=self.smtputf8)
                if wire is None:
                    results[recipient] = Reply(
                        553,
                        "5.6.7 the address needs SMTPUTF8, which the mail store "
                        "does not offer",
                    )
                    continue
                needs_utf8 = needs_utf8 or not wire.isascii()
                wire_recipients[recipient] = wire
            if not wire_recipients:
                return results
            if needs_utf8:
                parameters += " SMTPUTF8"
            rcpt_lines = [f"RCPT TO:<{wire}>" for wire in wire_recipients.values()]
            mail, rcpts, data = await self._envelope(
                f"MAIL FROM:<{wire_sender}>{parameters}", rcpt_lines
            )
            if mail.code >= 500 and wire_sender:
                # The mail store judges senders more strictly than the
                # internet writes them; filing needs no sender, so the
                # message goes with the null one rather than bouncing.
                logger.info("LMTP refused sender %r (%s); using <>", sender, mail)
                await self._reset()
                mail, rcpts, data = await self._envelope(
                    f"MAIL FROM:<>{parameters}", rcpt_lines
                )
            if mail.code != 250:
                for recipient in wire_recipients:
                    results[recipient] = mail
                await self._reset()
                return results
            for recipient, reply in zip(wire_recipients, rcpts, strict=True):
                if reply.code == 250:
                    accepted.append(recipient)
                else:
                    results[recipient] = reply
            if data.code == 354 and not accepted:
                # A server that opens DATA with no recipient has left the
                # protocol; this session is not used again.
                self.writer.close()
                return results
            if not accepted:
                await self._reset()
                return results
            if data.code != 354:
                for recipient in accepted:
                    results[recipient] = data
                await self._reset()
                return results
            await self._send_message(header_block, path)
        except (OSError, TimeoutError, asyncio.IncompleteReadError) as exc:
            raise LmtpUnavailable(f"the LMTP session broke: {exc!r}") from exc
        try:
            for recipient in accepted:
                results[recipient] = await self._reply()
        except (OSError, TimeoutError, LmtpUnavailable) as exc:
            raise LmtpInterrupted(
                f"the LMTP session broke after the message was sent: {exc!r}",
                details={"recipients": accepted},
            ) from exc
        return results

    async def _envelope(
        self, mail: str, rcpts: list[str]
    ) -> tuple[Reply, list[Reply], Reply]:
        """Send MAIL, every RCPT and DATA; return their replies in order.

        With PIPELINING (RFC 2920) they go out in one write and the replies
        are read after; otherwise each waits for its reply. MAIL refused
        means no RCPT or DATA was sent: those replies repeat MAIL's.
        """
        if "PIPELINING" in self.capabilities:
            self.writer.writelines(
                line.encode("utf-8") + b"\r\n" for line in [mail, *rcpts, "DATA"]
            )
            return (
                await self._reply(),
                [await self._reply() for _ in rcpts],
                await self._reply(),
            )
        mail_reply = await self._command(mail)
        if mail_reply.code != 250:
            return mail_reply, [mail_reply for _ in rcpts], mail_reply
        rcpt_replies = [await self._command(rcpt) for rcpt in rcpts]
        if not any(reply.code == 250 for reply in rcpt_replies):
            return mail_reply, rcpt_replies, Reply(503, "5.5.1 no valid recipients")
        return mail_reply, rcpt_replies, await self._command("DATA")

    async def _send_message(self, header_block: bytes, path: Path) -> None:
        # Pieces are gathered up to a chunk's size before a write: a small
        # message goes out, headers, body and final dot, in one.
        stuffer = DotStuffer()
        pieces = [stuffer.feed(header_block)]
        gathered = len(pieces[0])
        async for chunk in read_chunks_async(path):
            if gathered >= CHUNK_BYTES:
                self.writer.writelines(pieces)
                pieces, gathered = [], 0
                async with asyncio.timeout(self.timeout):
                    await self.writer.drain()
            stuffed = stuffer.feed(chunk)
            pieces.append(stuffed)
            gathered += len(stuffed)
        # The spool ends every message with CRLF.
        self.writer.writelines([*pieces, b".\r\n"])
        async with asyncio.timeout(self.timeout):
            await self.writer.drain()

    async def _reset(self) -> None:
        await self._command("RSET")

    def _send(self, line: str) -> None:
        self.writer.write(line.encode("utf-8") + b"\r\n")

    async def _command(self, line: str) -> Reply:
        self._send(line)
        return await self._reply()

    async def _reply(self) -> Reply:
        lines = await self._reply_lines()
        code = lines[-1][0]
        return Reply(code, " ".join(text for _, text in lines))

    async def _reply_lines(self) -> list[tuple[int, str]]:
        lines: list[tuple[int, str]] = []
        while True:
            async with asyncio.timeout(self.timeout):
                raw = await self.reader.readline()
            if not raw:
                raise LmtpUnavailable("the LMTP server closed the connection")
            text = raw.decode("utf-8", "replace").rstrip("\r\n")
            if len(text) < 3 or not (text[:3].isascii() and text[:3].isdigit()):
                raise LmtpUnavailable(f"not an LMTP reply: {text[:80]!r}")
            lines.append((int(text[:3]), text[4:]))
            if text[3:4] != "-":
                return lines
