"""mail-ingest's store on a real MariaDB: one-round-trip transactions hold or vanish."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import aiomysql
import pytest

from homehost.mail_ingest.store import (
    IngestStore,
    NewMessage,
    Settlement,
    SignatureAnswer,
    utc_now,
)
from homehost.shared.events.ingest import RecipientOutcome

MESSAGE_ID = "0123456789abcdef0123456789abcdef"
SIGNATURE = "ab" * 32


def _message(**changes: Any) -> NewMessage:
    now = utc_now()
    values: dict[str, Any] = {
        "id": MESSAGE_ID,
        "received_at": now,
        "envelope_from": "sender@elsewhere.example",
        "envelope_to": ["a@example.test", "b@example.test"],
        "size_bytes": 1234,
        "body_sha256": "0" * 64,
        "header_subject": "hello",
        "header_from": "Sender <sender@elsewhere.example>",
        "state": "queued",
        "verdict": "clean",
        "spam_score": 1.5,
        "spam_action": "no action",
        "virus": None,
        "folder": "INBOX",
        "scan_notes": [],
        "reason": "",
        "recipients": [
            RecipientOutcome(
                recipient="a@example.test",
                result="pending",
                mailboxes=["a@example.test"],
                reply="",
            )
        ],
        "timings": {"receive_ms": 1.0},
        "added_headers": b"X-Test: 1\r\n",
        "expires_at": now + timedelta(days=5),
    }
    return NewMessage(**{**values, **changes})


async def _rows(store: IngestStore, sql: str, *args: Any) -> list[dict[str, Any]]:
    async with (
        store.pool.acquire() as connection,
        connection.cursor(aiomysql.DictCursor) as cursor,
    ):
        await cursor.execute(sql, args)
        return list(await cursor.fetchall())


async def test_a_record_keeps_message_deliveries_and_answer_at_once(
    store: IngestStore,
) -> None:
    assert await store.see_signature(SIGNATURE) is None
    await store.record(
        _message(),
        mailboxes=["a@example.test", "b@example.test"],
        owner="copy-1",
        lease=30,
        answer=SignatureAnswer(SIGNATURE, 202, '{"state":"queued"}'),
    )

    messages = await _rows(store, "SELECT id, state, envelope_to FROM inbound_messages")
    assert messages == [
        {
            "id": MESSAGE_ID,
            "state": "queued",
            "envelope_to": '["a@example.test", "b@example.test"]',
        }
    ]
    deliveries = await _rows(
        store,
        "SELECT mailbox, state, lease_owner FROM inbound_deliveries ORDER BY mailbox",
    )
    assert deliveries == [
        {"mailbox": "a@example.test", "state": "attempting", "lease_owner": "copy-1"},
        {"mailbox": "b@example.test", "state": "attempting", "lease_owner": "copy-1"},
    ]
    # A retry of the request from now on is answered, never taken again.
    seen = await store.see_signature(SIGNATURE)
    assert seen is not None
    assert (seen.status_code, seen.answer) == (202, '{"state":"queued"}')
    signatures = await _rows(store, "SELECT message_id FROM inbound_signatures")
    assert signatures == [{"message_id": MESSAGE_ID}]


async def test_a_failing_statement_leaves_nothing_of_its_transaction(
    store: IngestStore,
) -> None:
    await store.see_signature(SIGNATURE)
    # The same mailbox twice breaks the deliveries' primary key after the
    # message's row went in: the whole record must vanish with it.
    with pytest.raises(aiomysql.IntegrityError) as raised:
        await store.record(
            _message(),
            mailboxes=["a@example.test", "a@example.test"],
            owner="copy-1",
            lease=30,
            answer=SignatureAnswer(SIGNATURE, 202, "{}"),
        )
    assert raised.value.args[0] == 1062

    assert await _rows(store, "SELECT id FROM inbound_messages") == []
    assert await _rows(store, "SELECT mailbox FROM inbound_deliveries") == []
    assert await _rows(
        store, "SELECT status_code, answer, message_id FROM inbound_signatures"
    ) == [{"status_code": None, "answer": None, "message_id": None}]
    # The pool goes on working after the broken transaction.
    await store.record(
        _message(), mailboxes=["a@example.test"], owner="copy-1", lease=30
    )
    assert await _rows(store, "SELECT id FROM inbound_messages") == [{"id": MESSAGE_ID}]


async def test_settling_every_delivery_sets_the_message_state_with_it(
    store: IngestStore,
) -> None:
    await store.record(
        _message(),
        mailboxes=["a@example.test", "b@example.test"],
        owner="copy-1",
        lease=30,
    )
    retry_at = utc_now().replace(microsecond=0) + timedelta(minutes=5)
    await store.settle(
        MESSAGE_ID,
        [
            Settlement("a@example.test", "delivered", "250 2.0.0 ok"),
            Settlement("b@example.test", "deferred", "451 4.3.0 later", retry_at),
        ],
    )
    rows = await _rows(
        store,
        "SELECT mailbox, state, attempts, last_reply, lease_owner, next_attempt_at, "
        "settled_at IS NOT NULL AS settled FROM inbound_deliveries ORDER BY mailbox",
    )
    assert [
        (r["mailbox"], r["state"], r["attempts"], r["last_reply"], r["lease_owner"])
        for r in rows
    ] == [
        ("a@example.test", "delivered", 1, "250 2.0.0 ok", None),
        ("b@example.test", "deferred", 1, "451 4.3.0 later", None),
    ]
    assert rows[1]["next_attempt_at"] == retry_at
    assert [r["settled"] for r in rows] == [1, 0]
    state = await _rows(store, "SELECT state FROM inbound_messages")
    assert state == [{"state": "queued"}]

    await store.settle(
        MESSAGE_ID,
        [Settlement("b@example.test", "failed", "550 5.1.1 gone")],
        final_state="partial",
    )
    state = await _rows(store, "SELECT state FROM inbound_messages")
    assert state == [{"state": "partial"}]
    deliveries = await store.deliveries(MESSAGE_ID)
    assert [(d.mailbox, d.state, d.attempts) for d in deliveries] == [
        ("a@example.test", "delivered", 1),
        ("b@example.test", "failed", 2),
    ]


async def test_finish_answer_stores_results_and_the_final_answer(
    store: IngestStore,
) -> None:
    await store.see_signature(SIGNATURE)
    await store.record(
        _message(),
        mailboxes=["a@example.test"],
        owner="copy-1",
        lease=30,
        answer=SignatureAnswer(SIGNATURE, 202, '{"state":"queued"}'),
    )
    outcome = RecipientOutcome(
        recipient="a@example.test",
        result="delivered",
        mailboxes=["a@example.test"],
        reply="250 2.0.0 ok",
    )
    await store.finish_answer(
        MESSAGE_ID,
        recipients=[outcome],
        timings={"receive_ms": 1.0, "deliver_ms": 2.5},
        answer=SignatureAnswer(SIGNATURE, 200, '{"state":"delivered"}'),
    )
    rows = await _rows(store, "SELECT recipients, timings FROM inbound_messages")
    assert json.loads(rows[0]["recipients"]) == [outcome.model_dump()]
    assert json.loads(rows[0]["timings"]) == {"receive_ms": 1.0, "deliver_ms": 2.5}
    seen = await store.see_signature(SIGNATURE)
    assert seen is not None
    assert (seen.status_code, seen.answer) == (200, '{"state":"delivered"}')
