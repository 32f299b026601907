"""Copies of one signed request: one delivery, one answer for every copy."""

from __future__ import annotations

import asyncio

import httpx

from homehost.mail_ingest.signing import Envelope, signed_headers

from .conftest import SECRET, Ingest, read_mailbox

RAW = (
    b"From: Sender Person <sender@elsewhere.test>\r\n"
    b"To: Rcpt <rcpt@example.test>\r\n"
    b"Subject: Twice\r\n"
    b"Date: Mon, 01 Jan 2024 10:00:00 +0000\r\n"
    b"Message-ID: <twice@elsewhere.test>\r\n\r\n"
    b"Sent once, arriving many times.\r\n"
)


def _signed(rcpt: str) -> dict[str, str]:
    """The Worker's headers for RAW to `rcpt`: every copy sends these."""
    return signed_headers(
        SECRET.encode(),
        body=RAW,
        envelope=Envelope(sender="s@example.test", recipients=(rcpt,)),
    )


async def test_copies_sent_at_once_get_the_first_answer_and_one_delivery(
    ingest: Ingest,
) -> None:
    rcpt = await ingest.mailbox("rcpt@example.test")
    headers = _signed(rcpt)

    async with httpx.AsyncClient(base_url=ingest.url, timeout=120) as client:
        answers = await asyncio.gather(
            *(
                client.post("/v1/inbound", content=RAW, headers=headers)
                for _ in range(12)
            )
        )

    # None of them is told "already received": that 401 would make the
    # Worker try again with a new signature and deliver a second copy.
    first = answers[0].json()
    assert [answer.status_code for answer in answers] == [200] * 12
    assert [answer.json() for answer in answers] == [first] * 12
    assert first["state"] == "delivered"
    assert len(await read_mailbox(ingest, rcpt)) == 1


async def test_a_retry_with_another_body_is_refused(ingest: Ingest) -> None:
    rcpt = await ingest.mailbox("rcpt@example.test")
    headers = _signed(rcpt)

    async with httpx.AsyncClient(base_url=ingest.url, timeout=60) as client:
        first = await client.post("/v1/inbound", content=RAW, headers=headers)
        forged = await client.post(
            "/v1/inbound", content=RAW.replace(b"once", b"ONCE"), headers=headers
        )
        exact = await client.post("/v1/inbound", content=RAW, headers=headers)

    assert first.status_code == 200
    assert forged.status_code == 401
    assert forged.json() == {
        "code": "unauthorized",
        "message": "the body does not match its digest",
    }
    assert exact.status_code == 200
    assert exact.json() == first.json()
    assert len(await read_mailbox(ingest, rcpt)) == 1


async def test_a_copy_waits_while_the_first_is_taken_then_hears_its_answer(
    ingest: Ingest,
) -> None:
    """The first copy is still uploading its body when the second arrives."""
    rcpt = await ingest.mailbox("rcpt@example.test")
    headers = _signed(rcpt)
    half = len(RAW) // 2
    reader, writer = await asyncio.open_connection(
        "127.0.0.1", ingest.context.http_port
    )
    head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    writer.write(
        f"POST /v1/inbound HTTP/1.1\r\nHost: x\r\nContent-Length: {len(RAW)}\r\n"
        f"{head}\r\n".encode()
        + RAW[:half]
    )
    await writer.drain()

    async with httpx.AsyncClient(base_url=ingest.url, timeout=60) as client:
        second = asyncio.ensure_future(
            client.post("/v1/inbound", content=RAW, headers=headers)
        )
        # The second has no answer while the first is unfinished.
        await asyncio.sleep(1.0)
        assert not second.done()
        writer.write(RAW[half:])
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), 30)
        copy = await second

    writer.close()
    assert status_line == b"HTTP/1.1 200 OK\r\n"
    assert copy.status_code == 200
    assert copy.json()["state"] == "delivered"
    assert len(await read_mailbox(ingest, rcpt)) == 1


async def test_copies_that_come_while_the_first_finishes_hear_its_final_answer(
    ingest: Ingest,
) -> None:
    """Copies spread over the first's whole life, not only its start."""
    rcpt = await ingest.mailbox("rcpt@example.test")
    headers = _signed(rcpt)

    async with httpx.AsyncClient(base_url=ingest.url, timeout=120) as client:

        async def copy(delay: float) -> httpx.Response:
            await asyncio.sleep(delay)
            return await client.post("/v1/inbound", content=RAW, headers=headers)

        answers = await asyncio.gather(*(copy(n * 0.005) for n in range(16)))

    # Some copies meet the record's provisional 202 in the database; every
    # one must still hear the first's final answer.
    assert [(a.status_code, a.json()) for a in answers] == [
        (200, answers[0].json())
    ] * 16
    assert answers[0].json()["state"] == "delivered"
    assert len(await read_mailbox(ingest, rcpt)) == 1


async def test_a_request_that_died_with_its_process_is_taken_up_by_its_retry(
    ingest: Ingest,
) -> None:
    """A crash left the signature seen but unanswered, and nothing kept."""
    rcpt = await ingest.mailbox("rcpt@example.test")
    headers = _signed(rcpt)
    signature = headers["X-Homehost-Signature"].removeprefix("v1=")
    longest = 60 + ingest.settings.scan_timeout_seconds
    longest += ingest.settings.answer_within_seconds
    assert ingest.context.pool is not None
    async with (
        ingest.context.pool.acquire() as connection,
        connection.cursor() as cursor,
    ):
        await cursor.execute(
            "INSERT INTO inbound_signatures (signature, seen_at) "
            "VALUES (%s, UTC_TIMESTAMP(6) - INTERVAL %s SECOND)",
            (signature, int(longest) + 5),
        )

    async with httpx.AsyncClient(base_url=ingest.url, timeout=60) as client:
        retry = await client.post("/v1/inbound", content=RAW, headers=headers)
        again = await client.post("/v1/inbound", content=RAW, headers=headers)

    assert retry.status_code == 200
    assert retry.json()["state"] == "delivered"
    assert (again.status_code, again.json()) == (200, retry.json())
    assert len(await read_mailbox(ingest, rcpt)) == 1
