"""Recent mail, hourly counts and "retry now" through the gateway.

mail-ingest runs for real on the test's bus and MariaDB, resolving
recipients through the real mailbox service. Its scanners and its LMTP
point at ports where nothing listens, so every accepted message is
delivered unscanned (the default policy) and waits in the deferred queue:
the state the Mail page's queue shows.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from homehost.mailbox.schemas import DomainPublic, MailboxCreated
from tests.mail_servers import MailService

if TYPE_CHECKING:
    from conftest import Gateway, IngestService

MESSAGE = (
    b"From: Carol <carol@sender.example>\r\n"
    b"To: alice@example.test\r\n"
    b"Subject: =?utf-8?q?Caf=C3=A9_menu?=\r\n"
    b"Message-ID: <menu-1@sender.example>\r\n"
    b"\r\n"
    b"Soup of the day.\r\n"
)


def bearer(token: str) -> dict[str, str]:
    """The header that authenticates with an API token."""
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def ingest(
    ingest_service: IngestService, mail_service: MailService
) -> IngestService:
    """mail-ingest whose scanners and Dovecot are away, with two mailboxes."""
    await mail_service.call("domains.create", {"name": "example.test"}, DomainPublic)
    for address in ("alice@example.test", "bob@example.test"):
        await mail_service.call(
            "mailboxes.create",
            {"address": address, "password": "violet-harbour-tram-42"},
            MailboxCreated,
        )
    return ingest_service


async def deferred(client: httpx.AsyncClient, message_id: str) -> dict[str, Any]:
    """The message once its first delivery attempt has been deferred."""
    for _ in range(100):
        message = (await client.get(f"/api/mail/messages/{message_id}")).json()
        if all(d["state"] == "deferred" for d in message["deliveries"]):
            return dict(message)
        await asyncio.sleep(0.1)
    raise AssertionError(f"{message_id} was not deferred: {message}")


async def test_recent_messages_filters_hourly_counts_and_retry_now(
    gateway: Gateway, ingest: IngestService
) -> None:
    menu = await ingest.post(
        MESSAGE, sender="carol@sender.example", recipients=["alice@example.test"]
    )
    both = await ingest.post(
        MESSAGE.replace(b"menu-1", b"menu-2"),
        sender="dave@sender.example",
        recipients=["alice@example.test", "bob@example.test"],
    )
    refused = await ingest.post(
        MESSAGE.replace(b"menu-1", b"menu-3"),
        sender="eve@sender.example",
        recipients=["nobody@example.test"],
    )
    reader = await gateway.token_for("alice", ["read"])
    writer = await gateway.token_for("alice", ["read", "write:mail"])
    async with gateway.client(headers=bearer(reader)) as client:
        one = await deferred(client, menu["id"])
        await deferred(client, both["id"])
        everything = (await client.get("/api/mail/messages")).json()
        to_bob = (
            await client.get(
                "/api/mail/messages", params={"recipient": "bob@example.test"}
            )
        ).json()
        to_bob_shouted = (
            await client.get(
                "/api/mail/messages", params={"recipient": "BOB@Example.TEST"}
            )
        ).json()
        queued = (
            await client.get("/api/mail/messages", params={"state": "queued"})
        ).json()
        rejected = (
            await client.get("/api/mail/messages", params={"state": "rejected"})
        ).json()
        unscanned = (
            await client.get("/api/mail/messages", params={"verdict": "not_scanned"})
        ).json()
        limited = (await client.get("/api/mail/messages", params={"limit": 1})).json()
        hourly = (await client.get("/api/mail/messages/hourly")).json()
        bad_verdict = await client.get(
            "/api/mail/messages", params={"verdict": "maybe"}
        )
        bad_limit = await client.get("/api/mail/messages", params={"limit": 0})
        missing = await client.get(
            "/api/mail/messages/0123456789abcdef0123456789abcdef"
        )
        odd_id = await client.get("/api/mail/messages/1%20OR%201=1")
        forbidden = await client.post(f"/api/mail/messages/{menu['id']}/retry")
    async with gateway.client(headers=bearer(writer)) as client:
        retried = await client.post(f"/api/mail/messages/{menu['id']}/retry")
        retried_all = await client.post("/api/mail/messages/retry")
        retry_missing = await client.post(
            "/api/mail/messages/0123456789abcdef0123456789abcdef/retry"
        )
        audit = (await client.get("/api/audit", params={"q": "mail_message:"})).json()

    assert refused["state"] == "rejected"
    assert [m["id"] for m in everything["messages"]] == [
        refused["id"],
        both["id"],
        menu["id"],
    ]
    assert one["envelope_from"] == "carol@sender.example"
    assert one["envelope_to"] == ["alice@example.test"]
    assert one["header_subject"] == "Café menu"
    assert one["header_from"] == "Carol <carol@sender.example>"
    assert one["state"] == "queued"
    assert one["verdict"] == "not_scanned"
    assert one["size_bytes"] == len(MESSAGE)
    assert [(d["mailbox"], d["state"], d["attempts"]) for d in one["deliveries"]] == [
        ("alice@example.test", "deferred", 1)
    ]
    assert [m["id"] for m in to_bob["messages"]] == [both["id"]]
    assert [m["id"] for m in to_bob_shouted["messages"]] == [both["id"]]
    assert [m["id"] for m in queued["messages"]] == [both["id"], menu["id"]]
    assert [m["id"] for m in rejected["messages"]] == [refused["id"]]
    assert [m["id"] for m in unscanned["messages"]] == [both["id"], menu["id"]]
    assert [m["id"] for m in limited["messages"]] == [refused["id"]]
    assert sorted((c["verdict"], c["messages"]) for c in hourly["counts"]) == [
        ("not_scanned", 2),
        ("rejected", 1),
    ]
    assert bad_verdict.status_code == 422
    assert [e["field"] for e in bad_verdict.json()["details"]["errors"]] == [
        "query.verdict"
    ]
    assert bad_limit.status_code == 422
    assert odd_id.status_code == 422
    assert [e["field"] for e in odd_id.json()["details"]["errors"]] == [
        "path.message_id"
    ]
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"
    assert forbidden.status_code == 403
    assert retried.status_code == 200, retried.text
    assert retried.json() == {"deliveries": 1}
    assert retried_all.status_code == 200
    assert retried_all.json()["deliveries"] in (2, 3)
    assert retry_missing.status_code == 404
    assert [
        (e["action"], e["target"], e["status_code"], e["details"])
        for e in audit["items"]
    ] == [
        (
            "mail.messages_retry",
            "mail_message:0123456789abcdef0123456789abcdef",
            404,
            {
                "method": "POST",
                "path": "/api/mail/messages/0123456789abcdef0123456789abcdef/retry",
            },
        ),
        (
            "mail.messages_retry",
            f"mail_message:{menu['id']}",
            200,
            {
                "method": "POST",
                "path": f"/api/mail/messages/{menu['id']}/retry",
                "deliveries": 1,
            },
        ),
    ]
