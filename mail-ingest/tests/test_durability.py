"""No accepted message is lost or doubled: Dovecot away, mail-ingest killed."""

from __future__ import annotations

import asyncio
import contextlib
import email
import json
import os
import signal
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

from homehost.mail_ingest.signing import Envelope, signed_headers
from tests import mail_servers

from .conftest import (
    SECRET,
    Ingest,
    ScannerServer,
    free_port,
    imap_messages,
    make_mailbox,
)

MESSAGES = 200


def numbered(number: int) -> bytes:
    """A small message whose Subject names its number."""
    return (
        b"From: Sender <sender@elsewhere.test>\r\nTo: rcpt@example.test\r\n"
        b"Subject: message %d\r\nDate: Mon, 01 Jan 2024 10:00:00 +0000\r\n"
        b"Message-ID: <n%d@elsewhere.test>\r\n\r\nnumber %d\r\n"
        % (number, number, number)
    )


async def post(client: httpx.AsyncClient, url: str, number: int, rcpt: str) -> int:
    """Send message `number` as the Worker does; its HTTP status, 0 if none came."""
    raw = numbered(number)
    headers = signed_headers(
        SECRET.encode(),
        body=raw,
        envelope=Envelope(sender="sender@elsewhere.test", recipients=(rcpt,)),
    )
    try:
        response = await client.post(f"{url}/v1/inbound", content=raw, headers=headers)
    except httpx.HTTPError:
        return 0
    return response.status_code


async def send_all(
    url: str, numbers: list[int], rcpt: str, *, concurrency: int = 8
) -> dict[int, int]:
    """Send the messages, `concurrency` at a time; status per number."""
    slots = asyncio.Semaphore(concurrency)
    statuses: dict[int, int] = {}

    async with httpx.AsyncClient(timeout=60) as client:

        async def one(number: int) -> None:
            async with slots:
                statuses[number] = await post(client, url, number, rcpt)

        await asyncio.gather(*(one(n) for n in numbers))
    return statuses


def subjects_in(port: int, address: str) -> Counter[str]:
    """How often each Subject is in the mailbox's INBOX."""
    return Counter(
        str(email.message_from_bytes(raw)["Subject"])
        for raw in imap_messages(port, address)
    )


async def wait_for_subjects(
    port: int, address: str, expected: set[str], *, seconds: float
) -> Counter[str]:
    """Poll IMAP until every expected Subject is there (or time is up)."""
    deadline = time.monotonic() + seconds
    while True:
        found = await asyncio.to_thread(subjects_in, port, address)
        if expected <= set(found) or time.monotonic() > deadline:
            return found
        await asyncio.sleep(0.5)


async def test_dovecot_stopped_while_200_messages_arrive(ingest: Ingest) -> None:
    rcpt = await ingest.mailbox("rcpt@example.test")
    dovecot = ingest.dovecot
    dovecot.process.terminate()
    await dovecot.process.wait()

    statuses = await send_all(ingest.url, list(range(MESSAGES)), rcpt, concurrency=16)

    assert Counter(statuses.values()) == Counter({202: MESSAGES})
    deferred = await ingest.wait_for_events("mail.received", MESSAGES)
    assert {r.result for event in deferred for r in event.recipients} == {"deferred"}
    restarted = await asyncio.create_subprocess_exec(
        "dovecot", "-F", "-c", str(dovecot.config.config_file)
    )
    try:
        await mail_servers.wait_for_port(dovecot.lmtp_port)
        back = time.monotonic()
        expected = {f"message {n}" for n in range(MESSAGES)}
        found = await wait_for_subjects(dovecot.imap_port, rcpt, expected, seconds=60)
        assert time.monotonic() - back < 60
        assert set(found) == expected
        assert set(found.values()) == {1}
        delivered = await ingest.wait_for_events("mail.delivered", MESSAGES)
        assert len({event.message_id for event in delivered}) == MESSAGES
        # The POSTs were answered "deferred"; the records say what came after.
        assert ingest.context.pool is not None
        async with (
            ingest.context.pool.acquire() as connection,
            connection.cursor() as cursor,
        ):
            await cursor.execute("SELECT state, recipients FROM inbound_messages")
            rows = await cursor.fetchall()
        assert {state for state, _ in rows} == {"delivered"}
        assert {
            (item["result"], item["reply"][:3])
            for _, recipients in rows
            for item in json.loads(recipients)
        } == {("delivered", "250")}
    finally:
        with contextlib.suppress(ProcessLookupError):
            restarted.terminate()
        await restarted.wait()


async def _start_process(environment: dict[str, str], log: Path) -> Any:
    with log.open("ab") as output:
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "homehost.cli",
            "run",
            "ingest",
            env=environment,
            stdout=output,
            stderr=output,
        )


async def test_killed_halfway_every_accepted_message_arrives_once(
    namespace: str,
    make_database: Any,
    mail_service: Any,
    dovecot: Any,
    rspamd_server: ScannerServer,
    clamd_server: ScannerServer,
    scratch: Path,
) -> None:
    rcpt = await make_mailbox(mail_service, "rcpt@example.test")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    environment = {
        **os.environ,
        "HOMEHOST_ENVIRONMENT": "development",
        "HOMEHOST_LOG_LEVEL": "WARNING",
        "HOMEHOST_NATS_URL": "nats://127.0.0.1:4222",
        "HOMEHOST_BUS_NAMESPACE": namespace,
        "HOMEHOST_STATE_DIR": str(scratch / "ingest-state"),
        "HOMEHOST_INGEST_DATABASE_NAME": await make_database("ingest"),
        "HOMEHOST_INGEST_DATABASE_USER": "root",
        "HOMEHOST_INGEST_HTTP_PORT": str(port),
        "HOMEHOST_INGEST_WORKER_SECRET": SECRET,
        "HOMEHOST_INGEST_LMTP_PORT": str(dovecot.lmtp_port),
        "HOMEHOST_INGEST_RSPAMD_URL": f"http://127.0.0.1:{rspamd_server.port}",
        "HOMEHOST_INGEST_CLAMD_PORT": str(clamd_server.port),
        "HOMEHOST_INGEST_DOVECOT_CONFIG": str(dovecot.config.config_file),
        "HOMEHOST_INGEST_LEASE_SECONDS": "2",
        "HOMEHOST_INGEST_RETRY_FIRST_SECONDS": "0.5",
        "HOMEHOST_INGEST_RETRY_UNREACHABLE_SECONDS": "1",
    }
    log = scratch / "ingest.log"
    first = await _start_process(environment, log)
    second = None
    try:
        await mail_servers.wait_for_port(port, seconds=60)
        statuses: dict[int, int] = {}
        killed = asyncio.Event()

        async def kill_halfway() -> None:
            # The count grows in other tasks; a poll is simplest here.
            while len(statuses) < MESSAGES // 2:  # noqa: ASYNC110
                await asyncio.sleep(0.01)
            first.send_signal(signal.SIGKILL)
            killed.set()

        slots = asyncio.Semaphore(8)
        async with httpx.AsyncClient(timeout=60) as client:

            async def one(number: int) -> None:
                async with slots:
                    if not killed.is_set():
                        statuses[number] = await post(client, url, number, rcpt)

            killer = asyncio.create_task(kill_halfway())
            await asyncio.gather(*(one(n) for n in range(MESSAGES)))
            await killer
        await first.wait()
        assert first.returncode == -signal.SIGKILL

        second = await _start_process(environment, log)
        await mail_servers.wait_for_port(port, seconds=60)
        rest = [n for n in range(MESSAGES) if n not in statuses]
        statuses.update(await send_all(url, rest, rcpt))

        accepted = {n for n, status in statuses.items() if status in (200, 202)}
        unanswered = {n for n, status in statuses.items() if status == 0}
        assert len(accepted) + len(unanswered) == MESSAGES
        assert len(accepted) >= MESSAGES - 8
        found = await wait_for_subjects(
            dovecot.imap_port,
            rcpt,
            {f"message {n}" for n in accepted},
            seconds=60,
        )
        for number in accepted:
            assert found[f"message {number}"] == 1, number
        for number in unanswered:
            assert found[f"message {number}"] <= 1, number
    finally:
        for process in (first, second):
            if process is not None and process.returncode is None:
                process.terminate()
                await process.wait()


async def test_a_kept_lmtp_session_the_server_dropped_costs_no_deferral(
    ingest: Ingest,
) -> None:
    # Dovecot ends idle sessions after five minutes; a restart ends them now.
    rcpt = await ingest.mailbox("rcpt@example.test")
    dovecot = ingest.dovecot
    first = await send_all(ingest.url, [1], rcpt, concurrency=1)
    dovecot.process.terminate()
    await dovecot.process.wait()
    restarted = await asyncio.create_subprocess_exec(
        "dovecot", "-F", "-c", str(dovecot.config.config_file)
    )
    try:
        await mail_servers.wait_for_port(dovecot.lmtp_port)
        second = await send_all(ingest.url, [2], rcpt, concurrency=1)
        found = await wait_for_subjects(
            dovecot.imap_port, rcpt, {"message 1", "message 2"}, seconds=30
        )
    finally:
        with contextlib.suppress(ProcessLookupError):
            restarted.terminate()
        await restarted.wait()

    assert (first, second) == ({1: 200}, {2: 200})
    assert found == {"message 1": 1, "message 2": 1}
