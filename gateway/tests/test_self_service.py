"""Self-service: a mailbox user changes their own password, checked by Dovecot."""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING

from homehost.mailbox.schemas import DomainPublic, MailboxCreated
from tests.mail_servers import Dovecot, MailService, imap_login

if TYPE_CHECKING:
    from conftest import StartGateway

PASSWORD = "violet-harbour-tram-42"
NEW_PASSWORD = "quiet-lantern-orbit-97"
ROUTE = "/api/self-service/password"


async def make_mailbox(service: MailService, address: str) -> None:
    """Host the address's domain and create the mailbox, over the bus."""
    await service.call("domains.create", {"name": address.split("@")[1]}, DomainPublic)
    await service.call(
        "mailboxes.create", {"address": address, "password": PASSWORD}, MailboxCreated
    )


async def test_wrong_password_is_401_then_the_change_works_over_imap(
    start_gateway: StartGateway, mail_service: MailService, dovecot: Dovecot
) -> None:
    gateway = await start_gateway(login_max_failures_per_account=3)
    await gateway.add_admin("alice")
    await make_mailbox(mail_service, "dora@example.test")

    async with gateway.client() as client:
        wrong = await client.post(
            ROUTE,
            json={
                "address": "dora@example.test",
                "current_password": "not-her-password",
                "new_password": NEW_PASSWORD,
            },
        )
        unknown = await client.post(
            ROUTE,
            json={
                "address": "nobody@example.test",
                "current_password": PASSWORD,
                "new_password": NEW_PASSWORD,
            },
        )
        weak = await client.post(
            ROUTE,
            json={
                "address": "dora@example.test",
                "current_password": PASSWORD,
                "new_password": "dora12345",
            },
        )
        changed = await client.post(
            ROUTE,
            json={
                "address": "Dora@example.test",
                "current_password": PASSWORD,
                "new_password": NEW_PASSWORD,
            },
        )
        await gateway.log_in(client, "alice")
        audit = (
            await client.get(
                "/api/audit", params={"action": "self_service.password_change"}
            )
        ).json()

    assert wrong.status_code == 401
    assert wrong.json() == {
        "code": "invalid_credentials",
        "message": "invalid credentials",
        "details": {},
    }
    assert unknown.json() == wrong.json()
    assert weak.status_code == 422
    assert [e["field"] for e in weak.json()["details"]["errors"]] == ["new_password"]
    assert changed.status_code == 200, changed.text
    assert changed.json() == {"address": "dora@example.test"}
    assert await asyncio.to_thread(
        imap_login, dovecot.imap_port, "dora@example.test", NEW_PASSWORD
    )
    assert not await asyncio.to_thread(
        imap_login, dovecot.imap_port, "dora@example.test", PASSWORD
    )
    entries = [
        (e["actor"], e["auth"], e["target"], e["status_code"]) for e in audit["items"]
    ]
    assert entries == [
        ("mailbox:dora@example.test", "anonymous", "mailbox:dora@example.test", 200),
        ("anonymous", "anonymous", "mailbox:dora@example.test", 422),
        ("anonymous", "anonymous", "mailbox:nobody@example.test", 401),
        ("anonymous", "anonymous", "mailbox:dora@example.test", 401),
    ]
    assert PASSWORD not in str(audit)
    assert NEW_PASSWORD not in str(audit)


async def test_repeated_failures_lock_the_mailbox_out(
    start_gateway: StartGateway, mail_service: MailService, dovecot: Dovecot
) -> None:
    gateway = await start_gateway(login_max_failures_per_account=2)
    await make_mailbox(mail_service, "eve@example.test")
    wrong = {
        "address": "eve@example.test",
        "current_password": "guess-number-one",
        "new_password": NEW_PASSWORD,
    }
    right = {**wrong, "current_password": PASSWORD}

    async with gateway.client() as client:
        failures = [(await client.post(ROUTE, json=wrong)).status_code for _ in "ab"]
        locked = await client.post(ROUTE, json=right)

    assert failures == [401, 401]
    assert locked.status_code == 429
    assert locked.json()["code"] == "too_many_attempts"
    assert await asyncio.to_thread(
        imap_login, dovecot.imap_port, "eve@example.test", PASSWORD
    )


async def test_the_page_speaks_english_or_japanese(
    start_gateway: StartGateway,
) -> None:
    gateway = await start_gateway()
    async with gateway.client() as client:
        english = await client.get("/self-service/password")
        japanese = await client.get(
            "/self-service/password",
            headers={"Accept-Language": "en;q=0.5, ja-JP;q=0.8"},
        )
        french = await client.get(
            "/self-service/password", headers={"Accept-Language": "fr-FR, fr"}
        )

    assert english.status_code == 200
    assert english.headers["content-type"] == "text/html; charset=utf-8"
    assert english.headers["content-language"] == "en"
    assert '<html lang="en">' in english.text
    assert "<h1>Change your mail password</h1>" in english.text
    assert japanese.headers["content-language"] == "ja"
    assert '<html lang="ja">' in japanese.text
    assert "<h1>メールのパスワード変更</h1>" in japanese.text
    assert "メールアドレスまたはパスワードが違います。" in japanese.text
    assert french.headers["content-language"] == "en"
    # The inline script runs only with this response's nonce.
    (nonce,) = re.findall(
        r"script-src 'nonce-([^']+)'", english.headers["content-security-policy"]
    )
    assert f'<script nonce="{nonce}">' in english.text
    assert 'fetch("/api/self-service/password"' in english.text


async def test_self_service_failures_never_block_admin_logins(
    start_gateway: StartGateway, mail_service: MailService, dovecot: Dovecot
) -> None:
    gateway = await start_gateway(
        login_max_failures_per_account=2, login_max_failures_per_address=2
    )
    await gateway.add_admin("alice")
    await make_mailbox(mail_service, "eve@example.test")
    wrong = {
        "address": "mallory@example.test",
        "current_password": "guess-number-one",
        "new_password": NEW_PASSWORD,
    }

    async with gateway.client() as client:
        failures = [(await client.post(ROUTE, json=wrong)).status_code for _ in "ab"]
        blocked = await client.post(ROUTE, json=wrong)
        admin = await client.post(
            "/api/auth/login", json={"username": "alice", "password": gateway.password}
        )
    kinds = await gateway.sql(
        "SELECT kind, subject FROM login_throttle ORDER BY kind, subject"
    )

    assert failures == [401, 401]
    assert blocked.status_code == 429
    assert admin.status_code == 200
    assert [(row["kind"], row["subject"]) for row in kinds] == [
        ("mailbox_account", "mailbox:mallory@example.test"),
        ("mailbox_address", "127.0.0.1"),
    ]
