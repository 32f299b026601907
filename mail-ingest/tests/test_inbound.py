"""POST /v1/inbound end to end: real Dovecot, Rspamd and clamd behind it."""

from __future__ import annotations

import asyncio
import base64
import json
import time
import uuid

import httpx
import pytest

from homehost.mail_ingest.signing import (
    Envelope,
    encode_envelope,
    sign,
    signed_headers,
)

from .conftest import (
    CASES,
    SECRET,
    Ingest,
    read_mailbox,
    shared_input,
    split_stored,
)

EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
GTUBE = b"XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"
GTUBE_JUNK = b"YJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"


def message(body: bytes = b"Hello there.\r\n", *, subject: str = "Hello") -> bytes:
    """A plain, well-formed message."""
    return (
        b"From: Sender Person <sender@elsewhere.test>\r\n"
        b"To: Alice <alice@example.test>\r\n"
        b"Subject: " + subject.encode() + b"\r\n"
        b"Date: Mon, 01 Jan 2024 10:00:00 +0000\r\n"
        b"Message-ID: <m-"
        + subject.encode().replace(b" ", b"-")
        + b"@elsewhere.test>\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body
    )


async def test_message_lands_in_the_inbox_with_our_headers_first(
    ingest: Ingest,
) -> None:
    alice = await ingest.mailbox("alice@example.test")
    raw = message()

    response = await ingest.post(
        raw, sender="sender@elsewhere.test", recipients=["alice@example.test"]
    )

    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["state"] == "delivered"
    assert answer["verdict"] == "clean"
    assert [
        (r["recipient"], r["result"], r["mailboxes"]) for r in answer["recipients"]
    ] == [("alice@example.test", "delivered", ["alice@example.test"])]
    (stored,) = await read_mailbox(ingest, alice)
    dovecot_part, ours = split_stored(stored, raw)
    assert dovecot_part.startswith(b"Return-Path: <sender@elsewhere.test>\r\n")
    assert ours.isascii()
    assert f"X-Homehost-Ingest-Id: {answer['id']}\r\n".encode() in ours
    assert b"X-Spam-Status: No, score=" in ours
    assert b"X-Virus-Scanned: ClamAV; clean\r\n" in ours
    assert b"X-Homehost-Scan" not in ours

    (received,) = await ingest.wait_for_events("mail.received", 1)
    assert received.message_id == answer["id"]
    assert received.envelope_to == ["alice@example.test"]
    assert received.size_bytes == len(raw)
    assert received.verdict == "clean"
    assert received.folder == "INBOX"
    assert [r.result for r in received.recipients] == ["delivered"]
    assert received.header_subject == "Hello"

    state = await ingest.state(answer["id"])
    assert state.status_code == 200
    record = state.json()
    assert record["state"] == "delivered"
    assert [
        (d["mailbox"], d["state"], d["attempts"]) for d in record["deliveries"]
    ] == [("alice@example.test", "delivered", 1)]


async def test_spam_goes_to_junk_and_gtube_is_refused(ingest: Ingest) -> None:
    alice = await ingest.mailbox("alice@example.test")

    junk = await ingest.post(
        message(GTUBE_JUNK + b"\r\n", subject="junk"),
        sender="s@elsewhere.test",
        recipients=[alice],
    )
    spam = await ingest.post(
        message(GTUBE + b"\r\n", subject="spam"),
        sender="s@elsewhere.test",
        recipients=[alice],
    )

    assert junk.status_code == 200, junk.text
    assert junk.json()["verdict"] == "junk"
    assert spam.status_code == 422
    assert spam.json()["state"] == "rejected"
    assert spam.json()["verdict"] == "spam"
    assert spam.json()["reason"] == "5.7.1 message refused as spam"
    assert await read_mailbox(ingest, alice) == []
    (filed,) = await read_mailbox(ingest, alice, "Junk")
    _, ours = split_stored(filed, message(GTUBE_JUNK + b"\r\n", subject="junk"))
    assert b"X-Spam-Flag: YES\r\n" in ours
    assert b"X-Spam-Action: add header\r\n" in ours
    (rejected,) = await ingest.wait_for_events("mail.rejected", 1)
    assert rejected.verdict == "spam"
    assert [r.result for r in rejected.recipients] == ["refused"]


async def test_virus_is_refused_and_never_stored(ingest: Ingest) -> None:
    alice = await ingest.mailbox("alice@example.test")
    raw = (
        b"From: s@elsewhere.test\r\nTo: alice@example.test\r\nSubject: v\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
        b"--b\r\nContent-Type: text/plain\r\n\r\nsee\r\n--b\r\n"
        b"Content-Type: application/octet-stream\r\n"
        b'Content-Disposition: attachment; filename="e.txt"\r\n\r\n'
        + EICAR
        + b"\r\n--b--\r\n"
    )

    response = await ingest.post(raw, sender="s@elsewhere.test", recipients=[alice])

    assert response.status_code == 422
    assert response.json()["verdict"] == "virus"
    assert response.json()["reason"].startswith(
        "5.7.1 virus found: Eicar-Test-Signature-homehost"
    )
    assert await read_mailbox(ingest, alice) == []
    assert list(ingest.settings.spool_path.joinpath("messages").iterdir()) == []


async def test_unknown_recipients_are_refused_each_at_once(ingest: Ingest) -> None:
    alice = await ingest.mailbox("alice@example.test")

    some = await ingest.post(
        message(subject="some"),
        sender="s@elsewhere.test",
        recipients=["nobody@example.test", alice],
    )
    none = await ingest.post(
        message(subject="none"),
        sender="s@elsewhere.test",
        recipients=["nobody@example.test"],
    )

    assert some.status_code == 200
    assert [
        (r["recipient"], r["result"], r["reply"][:9]) for r in some.json()["recipients"]
    ] == [
        ("nobody@example.test", "refused", "550 5.1.1"),
        (alice, "delivered", "250 2.0.0"),
    ]
    assert none.status_code == 422
    assert none.json()["reason"] == "5.1.1 no such recipient here"
    assert len(await read_mailbox(ingest, alice)) == 1


async def test_c07_recipients_come_from_the_envelope_only(ingest: Ingest) -> None:
    raw = shared_input("cases", "inputs", "C07.eml").read_bytes()
    case = json.loads((CASES / "C07.json").read_text())
    hidden = await ingest.mailbox("hidden.bcc@example.test")
    alice = await ingest.mailbox("alice@example.test")
    boss = await ingest.mailbox("boss@example.test")

    response = await ingest.post(
        raw, sender=case["envelope_from"], recipients=case["envelope_to"]
    )

    assert response.status_code == 200, response.text
    assert [r["recipient"] for r in response.json()["recipients"]] == case[
        "expected_lmtp_rcpts"
    ]
    (stored,) = await read_mailbox(ingest, hidden)
    split_stored(stored, raw)
    assert await read_mailbox(ingest, alice) == []
    assert await read_mailbox(ingest, boss) == []


async def test_c08_one_reply_per_recipient_and_a_full_mailbox(ingest: Ingest) -> None:
    raw = shared_input("cases", "inputs", "C08.eml").read_bytes()
    case = json.loads((CASES / "C08.json").read_text())
    a = await ingest.mailbox("a@example.test")
    c = await ingest.mailbox("c@example.test")
    full = await ingest.mailbox("full@example.test", quota_bytes=1_000_000)

    # Dovecot lets the last message in over the limit (quota_grace, 10 %).
    filler = message(b"f" * 1_050_000, subject="filler")
    filled = await ingest.post(filler, sender="s@x.test", recipients=[full])
    assert filled.status_code == 200, filled.text
    assert filled.json()["recipients"][0]["result"] == "delivered"

    response = await ingest.post(
        raw, sender=case["envelope_from"], recipients=case["envelope_to"]
    )
    again = await ingest.post(
        message(subject="second"), sender="s@elsewhere.test", recipients=[a]
    )

    assert response.status_code == 200, response.text
    results = {
        r["recipient"]: (r["result"], r["reply"][:9])
        for r in response.json()["recipients"]
    }
    assert results == {
        a: ("delivered", "250 2.0.0"),
        full: ("failed", "552 5.2.2"),
        c: ("delivered", "250 2.0.0"),
    }
    assert response.json()["state"] == "partial"
    assert again.status_code == 200
    assert len(await read_mailbox(ingest, a)) == 2
    assert len(await read_mailbox(ingest, c)) == 1
    assert len(await read_mailbox(ingest, full)) == 1


async def test_c01_bare_lf_and_dots_arrive_as_one_whole_message(
    ingest: Ingest,
) -> None:
    raw = shared_input("cases", "inputs", "C01.eml").read_bytes()
    case = json.loads((CASES / "C01.json").read_text())
    rcpt = await ingest.mailbox("rcpt@example.test")
    ceo = await ingest.mailbox("ceo@example.test")

    response = await ingest.post(
        raw, sender=case["envelope_from"], recipients=case["envelope_to"]
    )

    assert response.status_code == 200, response.text
    (stored,) = await read_mailbox(ingest, rcpt)
    split_stored(stored, raw)
    assert b"\r\nMAIL FROM:<ceo@example.test>" in stored
    assert await read_mailbox(ingest, ceo) == []


async def test_c03_8bit_headers_and_a_non_ascii_recipient(ingest: Ingest) -> None:
    raw = shared_input("cases", "inputs", "C03.eml").read_bytes()
    case = json.loads((CASES / "C03.json").read_text())
    ascii_user = await ingest.mailbox("ascii.user@example.test")

    response = await ingest.post(
        raw, sender=case["envelope_from"], recipients=case["envelope_to"]
    )

    assert response.status_code == 200, response.text
    assert [(r["recipient"], r["result"]) for r in response.json()["recipients"]] == [
        ("δοκιμή@example.test", "refused"),
        ("ascii.user@example.test", "delivered"),
    ]
    (stored,) = await read_mailbox(ingest, ascii_user)
    dovecot_part, _ = split_stored(stored, raw)
    # The sender's UTF-8 local part cannot be written without SMTPUTF8.
    assert dovecot_part.startswith(b"Return-Path: <>\r\n")


@pytest.mark.parametrize("case", ["C04", "C06"])
async def test_c04_c06_original_bytes_are_never_rewritten(
    ingest: Ingest, case: str
) -> None:
    raw = shared_input("cases", "inputs", f"{case}.eml").read_bytes()
    rcpt = await ingest.mailbox("rcpt@example.test")

    response = await ingest.post(raw, sender="sender@example.test", recipients=[rcpt])

    assert response.status_code == 200, response.text
    (stored,) = await read_mailbox(ingest, rcpt)
    split_stored(stored, raw)


async def test_c11_mime_bombs_are_delivered_raw_with_a_note(ingest: Ingest) -> None:
    rcpt = await ingest.mailbox("rcpt@example.test")
    head = b"From: s@example.test\r\nTo: rcpt@example.test\r\nSubject: bomb\r\nMIME-Version: 1.0\r\n"
    deep = (
        head
        + b"".join(
            b'Content-Type: multipart/mixed; boundary="d%d"\r\n\r\n--d%d\r\n' % (i, i)
            for i in range(3000)
        )
        + b"Content-Type: text/plain\r\n\r\nx\r\n"
        + b"".join(b"--d%d--\r\n" % i for i in reversed(range(3000)))
    )
    wide = (
        head
        + b'Content-Type: multipart/mixed; boundary="a"\r\n\r\n'
        + (b"--a\r\nx:y\r\n\r\n\r\n" * 200_000)
        + b"--a--\r\n"
    )

    started = time.monotonic()
    answers = await asyncio.gather(
        ingest.post(deep, sender="s@example.test", recipients=[rcpt]),
        ingest.post(wide, sender="s@example.test", recipients=[rcpt]),
    )

    assert [a.status_code for a in answers] == [200, 200]
    assert time.monotonic() - started < 60
    stored = await read_mailbox(ingest, rcpt)
    notes = sorted(
        split_stored(s, deep if len(s) < len(wide) else wide)[1]
        .split(b"X-Homehost-Mime: ")[1]
        .split(b"\r\n")[0]
        for s in stored
    )
    assert notes == [
        b"unparsed: limit (MIME nesting deeper than 50)",
        b"unparsed: limit (more than 1000 MIME parts)",
    ]


async def test_c12_continued_filename_with_a_blocked_extension_is_refused(
    ingest: Ingest,
) -> None:
    raw = shared_input("cases", "inputs", "C12.eml").read_bytes()
    rcpt = await ingest.mailbox("rcpt@example.test")

    response = await ingest.post(raw, sender="sender@example.test", recipients=[rcpt])

    assert response.status_code == 422
    assert response.json()["verdict"] == "blocked"
    assert response.json()["reason"] == (
        "5.7.1 attachment type refused: Scan übersicht.pdf.exe"
    )
    assert await read_mailbox(ingest, rcpt) == []


async def test_c10_limit_first_then_scanners_see_everything(ingest: Ingest) -> None:
    rcpt = await ingest.mailbox("rcpt@example.test", quota_bytes=200_000_000)
    mib = 1024 * 1024

    def attachment(size: int) -> bytes:
        payload = bytearray(b"A" * size)
        payload[-len(EICAR) :] = EICAR
        import base64

        return (
            b"From: s@example.test\r\nTo: rcpt@example.test\r\nSubject: big\r\n"
            b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=c\r\n\r\n"
            b"--c\r\nContent-Type: application/octet-stream\r\n"
            b"Content-Transfer-Encoding: base64\r\n\r\n"
            + base64.encodebytes(bytes(payload)).replace(b"\n", b"\r\n")
            + b"--c--\r\n"
        )

    near_limit = attachment(17 * mib)
    over_limit = attachment(19 * mib)
    assert len(near_limit) < 25 * mib < len(over_limit)

    infected = await ingest.post(near_limit, sender="s@example.test", recipients=[rcpt])
    too_large = await ingest.post(
        over_limit, sender="s@example.test", recipients=[rcpt]
    )

    assert infected.status_code == 422
    assert infected.json()["verdict"] == "virus"
    assert too_large.status_code == 413
    assert too_large.json()["message"] == (
        f"552 5.3.4 the message is larger than {25 * mib} bytes"
    )
    assert await read_mailbox(ingest, rcpt) == []


async def test_scanners_down_deliver_marked_not_scanned(start_ingest) -> None:  # type: ignore[no-untyped-def]
    from .conftest import free_port

    ingest = await start_ingest(
        rspamd_url=f"http://127.0.0.1:{free_port()}", clamd_port=free_port()
    )
    rcpt = await ingest.mailbox("rcpt@example.test")
    raw = message(EICAR + b"\r\n")

    response = await ingest.post(raw, sender="s@example.test", recipients=[rcpt])

    assert response.status_code == 200, response.text
    assert response.json()["verdict"] == "not_scanned"
    (stored,) = await read_mailbox(ingest, rcpt)
    _, ours = split_stored(stored, raw)
    assert (
        b"X-Homehost-Scan: not scanned (clamd: unreachable; rspamd: unreachable)\r\n"
        in ours
    )
    assert b"X-Spam-" not in ours
    assert b"X-Virus-Scanned" not in ours
    (received,) = await ingest.wait_for_events("mail.received", 1)
    assert received.verdict == "not_scanned"
    assert received.scan_notes == ["clamd: unreachable", "rspamd: unreachable"]


async def test_scanner_down_with_defer_policy_keeps_nothing(start_ingest) -> None:  # type: ignore[no-untyped-def]
    from .conftest import free_port

    ingest = await start_ingest(clamd_port=free_port(), unscanned_policy="defer")
    rcpt = await ingest.mailbox("rcpt@example.test")

    response = await ingest.post(message(), sender="s@example.test", recipients=[rcpt])

    assert response.status_code == 503
    assert response.json()["message"] == (
        "4.7.0 message could not be scanned (clamd: unreachable)"
    )
    assert list(ingest.settings.spool_path.joinpath("messages").iterdir()) == []
    assert await read_mailbox(ingest, rcpt) == []


async def test_signatures_stale_wrong_and_replayed(ingest: Ingest) -> None:
    import httpx

    rcpt = await ingest.mailbox("rcpt@example.test")
    raw = message()
    envelope = Envelope(sender="s@example.test", recipients=(rcpt,))
    good = signed_headers(SECRET.encode(), body=raw, envelope=envelope)
    stale = signed_headers(
        SECRET.encode(), body=raw, envelope=envelope, now=time.time() - 3600
    )
    wrong = signed_headers(b"another-secret-entirely-0000", body=raw, envelope=envelope)
    other_envelope = {
        **good,
        "X-Homehost-Envelope": encode_envelope(
            Envelope(sender="s@example.test", recipients=("boss@example.test",))
        ),
    }

    async with httpx.AsyncClient(base_url=ingest.url, timeout=60) as client:
        statuses = [
            (await client.post("/v1/inbound", content=raw, headers=h)).status_code
            for h in (stale, wrong, other_envelope, {})
        ]
        tampered = await client.post("/v1/inbound", content=raw + b"x", headers=good)
        first = await client.post("/v1/inbound", content=raw, headers=good)
        retry = await client.post("/v1/inbound", content=raw, headers=good)

    assert statuses == [401, 401, 401, 401]
    assert tampered.status_code == 401
    assert tampered.json()["message"] == "the body does not match its digest"
    assert first.status_code == 200
    assert retry.status_code == 200
    assert retry.json() == first.json()
    assert len(await read_mailbox(ingest, rcpt)) == 1


async def test_bad_signature_is_answered_before_the_body_is_read(
    ingest: Ingest,
) -> None:
    headers = signed_headers(
        b"another-secret-entirely-0000",
        body=b"x",
        envelope=Envelope(sender="s@example.test", recipients=("a@example.test",)),
    )
    reader, writer = await asyncio.open_connection(
        "127.0.0.1", ingest.context.http_port
    )
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    writer.write(
        f"POST /v1/inbound HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n"
        f"{head}\r\n".encode()
        + b"y" * 1000
    )
    await writer.drain()

    status_line = await asyncio.wait_for(reader.readline(), 10)

    assert status_line.startswith(b"HTTP/1.1 401 ")
    writer.close()
    assert list(ingest.settings.spool_path.joinpath("incoming").iterdir()) == []
    assert list(ingest.settings.spool_path.joinpath("messages").iterdir()) == []


async def test_a_client_that_goes_away_halfway_leaves_nothing(ingest: Ingest) -> None:
    rcpt = await ingest.mailbox("rcpt@example.test")
    raw = message(b"z" * 2_000_000)
    headers = signed_headers(
        SECRET.encode(),
        body=raw,
        envelope=Envelope(sender="s@example.test", recipients=(rcpt,)),
    )
    _reader, writer = await asyncio.open_connection(
        "127.0.0.1", ingest.context.http_port
    )
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    writer.write(
        f"POST /v1/inbound HTTP/1.1\r\nHost: x\r\nContent-Length: {len(raw)}\r\n"
        f"{head}\r\n".encode()
        + raw[:1_000_000]
    )
    await writer.drain()
    await asyncio.sleep(0.5)
    writer.transport.abort()
    await asyncio.sleep(1)

    assert list(ingest.settings.spool_path.joinpath("incoming").iterdir()) == []
    assert list(ingest.settings.spool_path.joinpath("messages").iterdir()) == []
    # Nothing was kept, so the same signed request may come again in full.
    response = await ingest.post(raw, sender="s@example.test", recipients=[rcpt])
    assert response.status_code == 200
    assert len(await read_mailbox(ingest, rcpt)) == 1


async def test_mail_directory_away_keeps_nothing_and_asks_to_retry(
    start_ingest,
) -> None:  # type: ignore[no-untyped-def]
    # A namespace of its own: no mailbox service answers there.
    ingest = await start_ingest(bus_namespace=f"alone{uuid.uuid4().hex[:8]}")

    response = await ingest.post(
        message(), sender="s@example.test", recipients=["rcpt@example.test"]
    )

    assert response.status_code == 503
    assert response.json() == {
        "code": "unavailable",
        "message": "4.4.3 the mail directory does not answer",
    }
    assert list(ingest.settings.spool_path.joinpath("messages").iterdir()) == []
    assert ingest.events_of("mail.received") == []


async def test_an_envelope_that_could_smuggle_a_command_is_refused(
    ingest: Ingest,
) -> None:
    rcpt = await ingest.mailbox("rcpt@example.test")
    other = await ingest.mailbox("other@example.test")

    smuggling = await ingest.post(
        message(subject="smuggled"),
        sender="x@example.net>\r\nRCPT TO:<other@example.test",
        recipients=[rcpt],
    )
    long_sender = await ingest.post(
        message(), sender="s" * 250 + "@x.test", recipients=[rcpt]
    )
    bracketed = await ingest.post(
        message(), sender="", recipients=[rcpt, "a<b>@example.test"]
    )
    crowd = await ingest.post(message(), sender="s@x.test", recipients=[rcpt] * 101)
    after = await ingest.post(
        message(subject="after"), sender="s@x.test", recipients=[rcpt]
    )

    assert smuggling.status_code == 422
    assert smuggling.json() == {
        "code": "invalid_request",
        "message": "553 5.1.3 the envelope cannot be taken: envelope.from holds "
        "a control character",
        "details": {
            "errors": [
                {"field": "envelope.from", "message": "holds a control character"}
            ]
        },
    }
    assert long_sender.json()["details"]["errors"] == [
        {"field": "envelope.from", "message": "is longer than 254 characters"}
    ]
    assert bracketed.json()["details"]["errors"] == [
        {"field": "envelope.to[1]", "message": "holds an angle bracket"}
    ]
    assert crowd.json()["details"]["errors"] == [
        {"field": "envelope.to", "message": "has more than 100 recipients"}
    ]
    assert after.status_code == 200
    assert after.json()["state"] == "delivered"
    assert [m for m in await read_mailbox(ingest, rcpt) if b"smuggled" in m] == []
    assert len(await read_mailbox(ingest, rcpt)) == 1
    assert await read_mailbox(ingest, other) == []
    assert list(ingest.settings.spool_path.joinpath("messages").iterdir()) == []


async def test_a_sender_the_mail_store_refuses_is_filed_with_the_null_sender(
    ingest: Ingest,
) -> None:
    rcpt = await ingest.mailbox("rcpt@example.test")

    # A parenthesis is Dovecot's to judge, and Dovecot refuses it at MAIL.
    response = await ingest.post(message(), sender="a(b@example.net", recipients=[rcpt])

    assert response.status_code == 200
    assert response.json()["state"] == "delivered"
    (stored,) = await read_mailbox(ingest, rcpt)
    assert stored.startswith(b"Return-Path: <>\r\n")


async def test_an_empty_message_is_refused_and_nothing_is_kept(
    ingest: Ingest,
) -> None:
    rcpt = await ingest.mailbox("rcpt@example.test")

    response = await ingest.post(b"", sender="s@x.test", recipients=[rcpt])

    assert response.status_code == 422
    assert response.json() == {
        "code": "invalid_request",
        "message": "554 5.6.0 the message is empty",
        "details": {"errors": [{"field": "body", "message": "is empty"}]},
    }
    assert list(ingest.settings.spool_path.joinpath("messages").iterdir()) == []
    assert await read_mailbox(ingest, rcpt) == []


async def test_only_whole_ids_are_found_and_errors_keep_one_shape(
    ingest: Ingest,
) -> None:
    rcpt = await ingest.mailbox("rcpt@example.test")
    answer = (await ingest.post(message(), sender="s@x.test", recipients=[rcpt])).json()

    whole = await ingest.state(answer["id"])
    longer = await ingest.state(answer["id"] + "EXTRA")
    async with httpx.AsyncClient(timeout=30) as client:
        schema = await client.get(f"{ingest.url}/openapi.json")
        wrong_method = await client.delete(f"{ingest.url}/v1/inbound")

    assert whole.status_code == 200
    assert longer.status_code == 404
    assert longer.json() == {
        "code": "not_found",
        "message": f"no message {answer['id']}EXTRA",
    }
    assert (schema.status_code, schema.json()) == (
        404,
        {"code": "not_found", "message": "Not Found"},
    )
    assert (wrong_method.status_code, wrong_method.json()) == (
        405,
        {"code": "method_not_allowed", "message": "Method Not Allowed"},
    )


async def test_mail_no_mailbox_can_take_is_refused_so_the_sender_hears(
    ingest: Ingest,
) -> None:
    full = await ingest.mailbox("full@example.test", quota_bytes=1_000_000)
    filler = message(b"f" * 1_050_000, subject="filler")
    assert (
        await ingest.post(filler, sender="s@x.test", recipients=[full])
    ).status_code == 200

    response = await ingest.post(
        message(subject="one too many"), sender="s@x.test", recipients=[full]
    )
    again = await ingest.post(
        message(subject="one too many"), sender="s@x.test", recipients=[full]
    )

    assert response.status_code == 422
    answer = response.json()
    assert answer["state"] == "failed"
    assert answer["reason"].startswith("552 5.2.2 ")
    assert [(r["recipient"], r["result"]) for r in answer["recipients"]] == [
        (full, "failed")
    ]
    assert again.status_code == 422
    assert len(await read_mailbox(ingest, full)) == 1


async def test_an_envelope_without_recipients_is_the_senders_to_fix(
    ingest: Ingest,
) -> None:
    rcpt = await ingest.mailbox("rcpt@example.test")

    nobody = await ingest.post(message(), sender="s@x.test", recipients=[])
    empty = await ingest.post(message(), sender="s@x.test", recipients=[rcpt, ""])
    bounce = await ingest.post(message(subject="bounce"), sender="", recipients=[rcpt])

    assert (nobody.status_code, nobody.json()) == (
        422,
        {
            "code": "invalid_request",
            "message": "553 5.1.3 the envelope cannot be taken: envelope.to needs "
            "at least one recipient",
            "details": {
                "errors": [
                    {"field": "envelope.to", "message": "needs at least one recipient"}
                ]
            },
        },
    )
    assert (empty.status_code, empty.json()) == (
        422,
        {
            "code": "invalid_request",
            "message": "553 5.1.3 the envelope cannot be taken: envelope.to[1] is "
            "empty",
            "details": {"errors": [{"field": "envelope.to[1]", "message": "is empty"}]},
        },
    )
    # The empty sender is the null sender of bounces, and is taken.
    assert bounce.status_code == 200, bounce.text
    (stored,) = await read_mailbox(ingest, rcpt)
    assert stored.startswith(b"Return-Path: <>\r\n")
    assert b"Subject: bounce\r\n" in stored


async def test_a_space_outside_a_quoted_local_part_is_refused(
    ingest: Ingest,
) -> None:
    rcpt = await ingest.mailbox("rcpt@example.test")

    parameters = await ingest.post(
        message(), sender="a@example.net SIZE=1", recipients=[rcpt]
    )
    recipient = await ingest.post(
        message(), sender="a@example.net", recipients=[rcpt, "b c@example.test"]
    )
    quoted = await ingest.post(
        message(subject="quoted"), sender='"a b"@example.net', recipients=[rcpt]
    )

    assert (parameters.status_code, parameters.json()) == (
        422,
        {
            "code": "invalid_request",
            "message": "553 5.1.3 the envelope cannot be taken: envelope.from holds "
            "a space",
            "details": {
                "errors": [{"field": "envelope.from", "message": "holds a space"}]
            },
        },
    )
    assert (recipient.status_code, recipient.json()) == (
        422,
        {
            "code": "invalid_request",
            "message": "553 5.1.3 the envelope cannot be taken: envelope.to[1] holds "
            "a space",
            "details": {
                "errors": [{"field": "envelope.to[1]", "message": "holds a space"}]
            },
        },
    )
    # RFC 5321 allows a space inside a quoted local part; Dovecot keeps it.
    assert quoted.status_code == 200, quoted.text
    assert quoted.json()["state"] == "delivered"
    (stored,) = await read_mailbox(ingest, rcpt)
    assert stored.startswith(b'Return-Path: <"a b"@example.net>\r\n')
    assert b"Subject: quoted\r\n" in stored


async def test_a_timestamp_that_is_not_ascii_digits_is_a_401(
    ingest: Ingest,
) -> None:
    raw = message()
    good = signed_headers(
        SECRET.encode(),
        body=raw,
        envelope=Envelope(sender="s@example.test", recipients=("a@example.test",)),
    )

    def with_timestamp(timestamp: str) -> dict[str, bytes]:
        """The good headers, signed again over another timestamp."""
        signature = sign(
            SECRET.encode(),
            timestamp=timestamp,
            envelope=good["X-Homehost-Envelope"],
            digest=good["X-Homehost-Body-Sha256"],
        )
        # Bytes, so that a Latin-1 timestamp goes out as one octet a character.
        return {
            **{name: value.encode() for name, value in good.items()},
            "X-Homehost-Timestamp": timestamp.encode("latin-1"),
            "X-Homehost-Signature": signature.encode(),
        }

    async with httpx.AsyncClient(base_url=ingest.url, timeout=30) as client:
        superscript = await client.post(
            "/v1/inbound", content=raw, headers=with_timestamp("²³")
        )
        huge = await client.post(
            "/v1/inbound", content=raw, headers=with_timestamp("9" * 400)
        )

    assert (superscript.status_code, superscript.json()) == (
        401,
        {
            "code": "unauthorized",
            "message": "the timestamp is not a Unix time in ASCII digits",
        },
    )
    assert (huge.status_code, huge.json()) == (
        401,
        {"code": "unauthorized", "message": "the timestamp is longer than 12 digits"},
    )
    assert list(ingest.settings.spool_path.joinpath("incoming").iterdir()) == []
    assert list(ingest.settings.spool_path.joinpath("messages").iterdir()) == []


async def test_an_envelope_of_the_wrong_shape_names_the_field(ingest: Ingest) -> None:
    raw = message()
    good = signed_headers(
        SECRET.encode(),
        body=raw,
        envelope=Envelope(sender="s@example.test", recipients=("a@example.test",)),
    )
    envelope = (
        base64.urlsafe_b64encode(
            json.dumps({"from": "s@x.test", "to": ["a@x.test", 5]}).encode()
        )
        .decode()
        .rstrip("=")
    )
    headers = {
        **good,
        "X-Homehost-Envelope": envelope,
        "X-Homehost-Signature": sign(
            SECRET.encode(),
            timestamp=good["X-Homehost-Timestamp"],
            envelope=envelope,
            digest=good["X-Homehost-Body-Sha256"],
        ),
    }

    async with httpx.AsyncClient(base_url=ingest.url, timeout=30) as client:
        response = await client.post("/v1/inbound", content=raw, headers=headers)

    assert (response.status_code, response.json()) == (
        422,
        {
            "code": "invalid_request",
            "message": "553 5.1.3 the envelope cannot be taken: envelope.to[1] is not text",
            "details": {
                "errors": [{"field": "envelope.to[1]", "message": "is not text"}]
            },
        },
    )


async def test_a_tagged_recipient_reaches_its_mailbox_and_its_junk(
    ingest: Ingest,
) -> None:
    """Mail to team+sales@ is team@'s, in its INBOX or its Junk folder."""
    team = await ingest.mailbox("team@example.test")

    ham = await ingest.post(
        message(subject="tagged ham"),
        sender="s@elsewhere.test",
        recipients=["team+sales@example.test"],
    )
    junk = await ingest.post(
        message(GTUBE_JUNK + b"\r\n", subject="tagged junk"),
        sender="s@elsewhere.test",
        recipients=["team+sales@example.test"],
    )

    assert (ham.status_code, ham.json()["recipients"][0]["mailboxes"]) == (
        200,
        ["team@example.test"],
    )
    assert (junk.status_code, junk.json()["verdict"]) == (200, "junk")
    (inbox,) = await read_mailbox(ingest, team)
    (filed,) = await read_mailbox(ingest, team, "Junk")
    assert b"Subject: tagged ham\r\n" in inbox
    assert b"Subject: tagged junk\r\n" in filed
