"""The spool: message bytes on disk, fsync'd before the sender hears yes.

A message is streamed into `incoming/` while its size and SHA-256 are
counted and its line endings are made CRLF (once, so the scanners see the
bytes that are delivered), then fsync'd and renamed into `messages/`.
Nothing else ever changes a spooled file; it is removed once every
recipient has the message or has failed for good. A request that dies
between the rename and its record leaves a file no record names, and a
crash between a message's last delivery and the file's removal leaves
one nothing needs; the sweep (`Spool.sweep_orphans`) removes every file
no queued message needs once it is old enough that no request can still
be about to record it.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import time
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

CHUNK_BYTES = 64 * 1024
# A message up to this size is held in memory until it is whole.
HOLD_BYTES = 256 * 1024
# A file up to this size is read in the event loop, in one piece.
READ_INLINE_BYTES = 256 * 1024
# A spooled file without a record is left alone this long: the request that
# wrote it, in this copy of the service or another sharing the folder, may
# still be scanning the message before it records it.
ORPHAN_GRACE_SECONDS = 3600.0
# Message ids the sweep asks the store about in one query.
SWEEP_BATCH = 500


class RecordIndex(Protocol):
    """What the sweep needs from the store: which messages still need a file."""

    async def queued_ids(self, message_ids: Sequence[str]) -> set[str]:
        """Which of `message_ids` are recorded and still to be delivered."""
        ...


class TooLarge(Exception):
    """The body grew past the limit; what was read so far is discarded."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the message is larger than {limit} bytes")
        self.limit = limit


class CrlfNormaliser:
    """Turns bare LF into CRLF across chunk boundaries; lone CR stays."""

    def __init__(self) -> None:
        self._held = b""
        self._last = b"\n"

    def feed(self, chunk: bytes) -> bytes:
        """Return the normalised bytes of `chunk` that are safe to emit."""
        data = self._held + chunk
        self._held = b""
        if data.endswith(b"\r"):
            # The LF that completes this CR may open the next chunk.
            self._held, data = b"\r", data[:-1]
        out = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        if out:
            self._last = out[-2:]
        return out

    def finish(self) -> bytes:
        """Return the tail, ending the message with CRLF as DATA requires."""
        tail = self._held
        self._held = b""
        if tail:
            self._last = tail
        if not self._last.endswith(b"\r\n"):
            tail += b"\r\n"
        return tail


@dataclass(frozen=True)
class Spooled:
    """A message made durable: where it is, its raw size and digest."""

    path: Path
    raw_bytes: int
    stored_bytes: int
    sha256: str


class Spool:
    """Files under one directory: `incoming/` while receiving, then `messages/`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.incoming = root / "incoming"
        self.messages = root / "messages"

    def prepare(self) -> None:
        """Create the folders and drop what a crash left half-received."""
        for folder in (self.incoming, self.messages):
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        for leftover in self.incoming.iterdir():
            leftover.unlink(missing_ok=True)

    def path_of(self, message_id: str) -> Path:
        """The spooled file of a message."""
        return self.messages / f"{message_id}.eml"

    async def receive(
        self, message_id: str, body: AsyncIterator[bytes], *, limit: int
    ) -> Spooled:
        """Stream `body` to disk; durable when this returns.

        Raises `TooLarge` as soon as more than `limit` bytes arrived; on any
        error (a client gone halfway too) nothing is left behind. A message
        of at most `HOLD_BYTES` is held in memory while it arrives and
        written, fsync'd and moved in one hand-off to a thread: no file
        operation of it waits in the event loop, where a busy journal would
        stall every other request.
        """
        partial = self.incoming / f"{message_id}.part"
        final = self.path_of(message_id)
        digest = hashlib.sha256()
        normaliser = CrlfNormaliser()
        raw = stored = 0
        held: list[bytes] = []
        file: BinaryIO | None = None
        try:
            async for chunk in body:
                raw += len(chunk)
                if raw > limit:
                    raise TooLarge(limit)
                digest.update(chunk)
                out = normaliser.feed(chunk)
                stored += len(out)
                if file is not None:
                    file.write(out)
                    continue
                held.append(out)
                if stored > HOLD_BYTES:
                    file = await asyncio.to_thread(partial.open, "xb")
                    file.writelines(held)
                    held.clear()
            tail = normaliser.finish()
            stored += len(tail)
            held.append(tail)
            await asyncio.to_thread(self._keep, partial, final, file, held)
        except BaseException:
            if file is not None:
                file.close()
            partial.unlink(missing_ok=True)
            raise
        return Spooled(
            path=final, raw_bytes=raw, stored_bytes=stored, sha256=digest.hexdigest()
        )

    def _keep(
        self, partial: Path, final: Path, file: BinaryIO | None, pieces: list[bytes]
    ) -> None:
        """Write what is left, fsync, move into `messages/` and fsync that."""
        with file if file is not None else partial.open("xb") as out:
            out.writelines(pieces)
            out.flush()
            os.fsync(out.fileno())
        partial.rename(final)
        _fsync_directory(self.messages)

    async def remove(self, message_id: str) -> None:
        """Forget a message's bytes (every recipient is settled)."""
        await asyncio.to_thread(self.path_of(message_id).unlink, missing_ok=True)

    def known_ids(self) -> set[str]:
        """Ids of every spooled message."""
        return {path.stem for path in self.messages.glob("*.eml")}

    def ids_written_before(self, cutoff: float) -> list[str]:
        """Ids of spooled messages whose file is older than `cutoff` (epoch s)."""
        ids = []
        for path in self.messages.glob("*.eml"):
            try:
                written = path.stat().st_mtime
            except FileNotFoundError:
                # Settled and removed while the folder was being listed.
                continue
            if written < cutoff:
                ids.append(path.stem)
        return ids

    def discard(self, message_ids: Iterable[str]) -> int:
        """Remove these messages' files; returns how many were still there."""
        removed = 0
        for message_id in message_ids:
            try:
                self.path_of(message_id).unlink()
            except FileNotFoundError:
                # Another copy of the service sharing the folder swept it.
                continue
            removed += 1
        return removed

    async def sweep_orphans(
        self,
        records: RecordIndex,
        *,
        grace_seconds: float = ORPHAN_GRACE_SECONDS,
        batch: int = SWEEP_BATCH,
    ) -> int:
        """Remove files older than `grace_seconds` no queued message needs.

        Returns how many files were removed. The folder is listed and the
        files are removed in threads; the store is asked about `batch` ids
        at a time. `incoming/` is `prepare`'s, and is not looked at.
        """
        cutoff = time.time() - grace_seconds
        candidates = await asyncio.to_thread(self.ids_written_before, cutoff)

        removed = 0
        for start in range(0, len(candidates), batch):
            chunk = candidates[start : start + batch]
            queued = await records.queued_ids(chunk)
            orphans = [message_id for message_id in chunk if message_id not in queued]
            if orphans:
                removed += await asyncio.to_thread(self.discard, orphans)
        return removed


def _fsync_directory(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def read_chunks(path: Path, *, size: int = CHUNK_BYTES) -> Iterator[bytes]:
    """The file's bytes, a chunk at a time."""
    with path.open("rb") as file:
        while chunk := file.read(size):
            yield chunk


async def read_chunks_async(
    path: Path, *, size: int = CHUNK_BYTES
) -> AsyncIterator[bytes]:
    """The file's bytes, a chunk at a time; a large file is read off the loop.

    A file of at most `READ_INLINE_BYTES` comes in one chunk, read in the
    loop: a spooled message was just written and sits in the page cache,
    and reading it takes less than a hand-off to a thread and back.
    """
    with path.open("rb") as file:
        if os.fstat(file.fileno()).st_size <= READ_INLINE_BYTES:
            if chunk := file.read():
                yield chunk
            return
        while chunk := await asyncio.to_thread(file.read, size):
            yield chunk
