"""The spool sweep on a real MariaDB: files no record names go once they are old."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from homehost.mail_ingest.service import _sweep_spool
from homehost.mail_ingest.spool import ORPHAN_GRACE_SECONDS, Spool
from homehost.mail_ingest.store import IngestStore, NewMessage, utc_now

# Written well before the grace period began, and well inside it.
OLD = ORPHAN_GRACE_SECONDS + 600
FRESH = ORPHAN_GRACE_SECONDS - 600


@pytest.fixture
def spool(tmp_path: Path) -> Spool:
    spool = Spool(tmp_path / "spool")
    spool.prepare()
    return spool


def _spooled(spool: Spool, message_id: str, *, age_seconds: float) -> Path:
    """A message file in `messages/`, last written `age_seconds` ago."""
    path = spool.path_of(message_id)
    path.write_bytes(b"Subject: test\r\n\r\nbody\r\n")
    written = time.time() - age_seconds
    os.utime(path, (written, written))
    return path


async def _record(store: IngestStore, message_id: str, state: str = "queued") -> None:
    """Store a message's record with one delivery, as intake does."""
    now = utc_now()
    message = NewMessage(
        id=message_id,
        received_at=now,
        envelope_from="sender@elsewhere.example",
        envelope_to=["a@example.test"],
        size_bytes=24,
        body_sha256="0" * 64,
        header_subject="test",
        header_from="sender@elsewhere.example",
        state=state,
        verdict="clean",
        spam_score=0.0,
        spam_action="no action",
        virus=None,
        folder="INBOX",
        scan_notes=[],
        reason="",
        recipients=[],
        timings={},
        added_headers=b"",
        expires_at=now + timedelta(days=5),
    )
    await store.record(message, mailboxes=["a@example.test"], owner="copy-1", lease=30)


def _ids(count: int, prefix: str) -> list[str]:
    return [f"{prefix}{index:02d}".ljust(32, "0") for index in range(count)]


async def test_an_old_file_without_a_record_is_removed(
    spool: Spool, store: IngestStore
) -> None:
    orphan = _spooled(spool, "a" * 32, age_seconds=OLD)

    assert await spool.sweep_orphans(store) == 1
    assert not orphan.exists()
    assert spool.known_ids() == set()


async def test_an_old_file_with_a_record_stays(
    spool: Spool, store: IngestStore
) -> None:
    kept = _spooled(spool, "b" * 32, age_seconds=OLD)
    await _record(store, "b" * 32)

    assert await spool.sweep_orphans(store) == 0
    assert kept.read_bytes() == b"Subject: test\r\n\r\nbody\r\n"
    assert spool.known_ids() == {"b" * 32}


async def test_a_fresh_file_without_a_record_stays(
    spool: Spool, store: IngestStore
) -> None:
    # A request that spooled it may still be about to record it.
    _spooled(spool, "c" * 32, age_seconds=FRESH)
    _spooled(spool, "d" * 32, age_seconds=0)

    assert await spool.sweep_orphans(store) == 0
    assert spool.known_ids() == {"c" * 32, "d" * 32}


async def test_files_in_incoming_are_not_touched(
    spool: Spool, store: IngestStore
) -> None:
    partial = spool.incoming / f"{'e' * 32}.part"
    partial.write_bytes(b"Subject: half")
    written = time.time() - OLD
    os.utime(partial, (written, written))
    stray = spool.incoming / f"{'f' * 32}.eml"
    stray.write_bytes(b"Subject: stray")
    os.utime(stray, (written, written))

    assert await spool.sweep_orphans(store) == 0
    assert sorted(path.name for path in spool.incoming.iterdir()) == [
        f"{'e' * 32}.part",
        f"{'f' * 32}.eml",
    ]


async def test_the_count_is_exact_across_batches(
    spool: Spool, store: IngestStore
) -> None:
    orphans = _ids(7, "0")
    recorded = _ids(3, "1")
    fresh = _ids(2, "2")
    for message_id in orphans + recorded:
        _spooled(spool, message_id, age_seconds=OLD)
    for message_id in recorded:
        await _record(store, message_id)
    for message_id in fresh:
        _spooled(spool, message_id, age_seconds=FRESH)

    # Batches of two: records and orphans fall into the same queries and
    # into different ones, and the last batch is short.
    assert await spool.sweep_orphans(store, batch=2) == 7
    assert spool.known_ids() == set(recorded) | set(fresh)
    assert await spool.sweep_orphans(store, batch=2) == 0
    assert spool.known_ids() == set(recorded) | set(fresh)


async def test_a_file_removed_by_someone_else_is_not_counted(
    spool: Spool, store: IngestStore
) -> None:
    # Another copy of the service sharing the folder may sweep it first.
    _spooled(spool, "a" * 32, age_seconds=OLD)

    assert spool.discard(["a" * 32, "9" * 32]) == 1
    assert await spool.sweep_orphans(store) == 0


async def _wait_until(condition: Callable[[], bool], *, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    # The loop under test signals nothing; polling the disk keeps it untouched.
    while not condition() and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.02)


async def test_the_service_sweeps_at_start_and_logs_the_count(
    spool: Spool, store: IngestStore, caplog: pytest.LogCaptureFixture
) -> None:
    orphan = _spooled(spool, "a" * 32, age_seconds=OLD)
    caplog.set_level(logging.INFO, logger="homehost.mail_ingest.service")

    task = asyncio.create_task(_sweep_spool(spool, store))
    try:
        await _wait_until(lambda: not orphan.exists())
        assert not orphan.exists()
        assert [r.getMessage() for r in caplog.records] == [
            "removed 1 spooled files that no queued message needs"
        ]
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_a_failed_sweep_is_logged_and_the_loop_goes_on(
    spool: Spool, store: IngestStore, caplog: pytest.LogCaptureFixture
) -> None:
    orphan = _spooled(spool, "a" * 32, age_seconds=OLD)
    # With its pool closed the store cannot answer: the sweep fails.
    store.pool.close()
    await store.pool.wait_closed()

    task = asyncio.create_task(_sweep_spool(spool, store))
    try:
        await _wait_until(lambda: bool(caplog.records))
        assert [(r.levelno, r.getMessage()) for r in caplog.records] == [
            (logging.ERROR, "could not sweep the spool")
        ]
        assert orphan.exists()
        assert not task.done()
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_an_old_file_of_a_message_delivered_for_good_is_removed(
    spool: Spool, store: IngestStore
) -> None:
    """A crash between the last delivery and the file's removal left it."""
    await _record(store, "d" * 32, state="delivered")
    leftover = _spooled(spool, "d" * 32, age_seconds=OLD)

    assert await spool.sweep_orphans(store) == 1
    assert not leftover.exists()
