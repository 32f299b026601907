"""Real mail, sent by the Email Worker's own code, read back over IMAP byte-exact."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from pathlib import Path

import pytest

from .conftest import (
    CORPUS,
    REPOSITORY,
    SECRET,
    Ingest,
    read_mailbox,
    shared_input,
    split_stored,
)

WORKER_SENDER = Path(__file__).with_name("worker_send.mjs")


async def send_with_worker(
    ingest: Ingest, jobs: list[dict[str, object]]
) -> list[dict[str, str]]:
    """Run the Worker's `forward` on each job against the running service."""
    if shutil.which("node") is None:
        pytest.skip("node is not installed")
    process = await asyncio.create_subprocess_exec(
        "node",
        str(WORKER_SENDER),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=REPOSITORY,
        env={**os.environ, "INGEST_URL": ingest.url, "INGEST_SECRET": SECRET},
    )
    output, errors = await process.communicate(json.dumps(jobs).encode())
    assert process.returncode == 0, errors.decode()
    return list(json.loads(output))


async def test_every_corpus_message_arrives_unchanged_after_our_headers(
    start_ingest,  # type: ignore[no-untyped-def]
) -> None:
    shared_input("corpus", "mail")
    # Spam would be refused or filed as junk by score; this test is about
    # bytes, so the reject and junk thresholds are out of reach here.
    ingest: Ingest = await start_ingest(delivery_concurrency=4)
    rcpt = await ingest.mailbox("corpus@example.test", quota_bytes=500_000_000)
    files = sorted(CORPUS.glob("*/*.eml"))
    assert len(files) == 180

    outcomes = await send_with_worker(
        ingest,
        [{"file": str(f), "from": "sender@elsewhere.test", "to": rcpt} for f in files],
    )

    by_outcome: dict[str, list[str]] = {}
    for outcome in outcomes:
        by_outcome.setdefault(outcome["outcome"], []).append(outcome["file"])
    inbox = await read_mailbox(ingest, rcpt)
    junk = await read_mailbox(ingest, rcpt, "Junk")
    stored = inbox + junk
    assert by_outcome.get("thrown") is None
    rejected = by_outcome.get("rejected", [])
    # Refused mail is refused as spam, virus or attachment, and never stored.
    assert {o["rejected"][:6] for o in outcomes if o["rejected"]} <= {"5.7.1 "}
    assert len(stored) == len(files) - len(rejected)
    originals = {f.read_bytes(): f for f in files if str(f) not in rejected}
    matched = set()
    for message in stored:
        for raw, path in originals.items():
            if path in matched:
                continue
            try:
                _, ours = split_stored(message, raw)
            except AssertionError:
                continue
            assert ours.isascii()
            matched.add(path)
            break
        else:
            pytest.fail("a stored message matches no original byte for byte")
    assert len(matched) == len(stored)
    print(
        f"corpus: {len(stored)} stored ({len(junk)} in Junk), {len(rejected)} refused"
    )
