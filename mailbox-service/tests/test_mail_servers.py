"""Mailboxes made through the bus, used by real Dovecot and Postfix."""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from pathlib import Path

import pytest

from homehost.mailbox.schemas import (
    AliasPublic,
    DomainPublic,
    MailboxCreated,
    MailboxDeleted,
    MailboxPublic,
    MailboxUsage,
    PasswordSet,
)
from homehost.shared.errors import InvalidRequest, Unauthorized

from .conftest import Dovecot, MailService, Postfix, imap_login, pop3_login

PASSWORD = "violet-harbour-tram-42"
NEW_PASSWORD = "quiet-lantern-orbit-97"


async def make_mailbox(
    service: MailService, address: str, *, quota_bytes: int | None = None
) -> MailboxCreated:
    """Host the address's domain (once) and create the mailbox."""
    domain = address.split("@")[1]
    domains = await service.rows(
        "SELECT name FROM mail_domains WHERE name = %s", domain
    )
    if not domains:
        await service.call("domains.create", {"name": domain}, DomainPublic)
    payload: dict[str, object] = {"address": address, "password": PASSWORD}
    if quota_bytes is not None:
        payload["quota_bytes"] = quota_bytes
    return await service.call("mailboxes.create", payload, MailboxCreated)


def lmtp_deliver(port: int, recipient: str, body_bytes: int) -> tuple[int, bytes]:
    """Deliver one message over LMTP; return the reply to its DATA."""
    message = (
        b"From: sender@elsewhere.test\r\nTo: " + recipient.encode() + b"\r\n"
        b"Subject: size test\r\n\r\n" + (b"x" * 78 + b"\r\n") * (body_bytes // 80)
    )
    client = smtplib.LMTP("127.0.0.1", port)
    try:
        code, _ = client.ehlo_or_helo_if_needed() or (0, b"")
        client.mail("sender@elsewhere.test")
        code, reply = client.rcpt(recipient)
        assert code == 250, reply
        return client.data(message)
    finally:
        client.quit()


async def test_mailbox_logs_in_over_imap_and_pop3_until_disabled_or_changed(
    mail_service: MailService, dovecot: Dovecot
) -> None:
    created = await make_mailbox(mail_service, "Alice@Example.test")
    address = created.mailbox.address
    assert address == "alice@example.test"
    assert created.mailbox.password_scheme == "ARGON2ID"
    assert created.generated_password is None

    assert await asyncio.to_thread(imap_login, dovecot.imap_port, address, PASSWORD)
    assert await asyncio.to_thread(pop3_login, dovecot.pop3_port, address, PASSWORD)

    ((stored,),) = await mail_service.rows(
        "SELECT password_hash FROM mailboxes WHERE address = %s", address
    )
    assert stored.startswith("{ARGON2ID}$argon2id$v=19$m=19456,t=2,p=1$")
    verified = dovecot.doveadm("pw", "-t", stored, stdin=PASSWORD + "\n")
    assert verified.returncode == 0
    assert verified.stdout.strip() == f"{stored} (verified)"

    disabled = await mail_service.call(
        "mailboxes.update", {"address": address, "enabled": False}, MailboxPublic
    )
    assert disabled.enabled is False
    # Dovecot answers a refused login after its 2 s brute-force delay.
    assert not await asyncio.to_thread(imap_login, dovecot.imap_port, address, PASSWORD)
    assert not await asyncio.to_thread(pop3_login, dovecot.pop3_port, address, PASSWORD)

    await mail_service.call(
        "mailboxes.update", {"address": address, "enabled": True}, MailboxPublic
    )
    changed = await mail_service.call(
        "mailboxes.set_password",
        {"address": address, "password": NEW_PASSWORD},
        PasswordSet,
    )
    assert changed == PasswordSet(
        address=address, password_scheme="ARGON2ID", generated_password=None
    )
    assert not await asyncio.to_thread(imap_login, dovecot.imap_port, address, PASSWORD)
    assert await asyncio.to_thread(imap_login, dovecot.imap_port, address, NEW_PASSWORD)


async def test_generated_password_logs_in(
    mail_service: MailService, dovecot: Dovecot
) -> None:
    await mail_service.call("domains.create", {"name": "example.test"}, DomainPublic)
    created = await mail_service.call(
        "mailboxes.create", {"address": "gen@example.test"}, MailboxCreated
    )

    assert created.generated_password is not None
    assert len(created.generated_password) == 20
    assert await asyncio.to_thread(
        imap_login, dovecot.imap_port, "gen@example.test", created.generated_password
    )


async def test_over_quota_message_gets_552_and_usage_is_reported(
    mail_service: MailService, dovecot: Dovecot
) -> None:
    created = await make_mailbox(
        mail_service, "small@example.test", quota_bytes=1_000_000
    )
    address = created.mailbox.address

    small = await asyncio.to_thread(lmtp_deliver, dovecot.lmtp_port, address, 20_000)
    assert small[0] == 250
    big = await asyncio.to_thread(lmtp_deliver, dovecot.lmtp_port, address, 2_000_000)
    assert big[0] == 552
    assert big[1].startswith(b"5.2.2 ")

    usage = await mail_service.call("usage", {"address": address}, MailboxUsage)
    status = dovecot.doveadm(
        "-f", "tab", "mailbox", "status", "-u", address, "vsize", "INBOX"
    )
    vsize = int(status.stdout.splitlines()[1].split("\t")[-1])
    assert usage.messages == 1
    assert usage.quota_bytes == 1_000_000
    # The quota plugin reports whole KiB, rounded up.
    assert usage.used_bytes == -(-vsize // 1024) * 1024
    assert usage.percent == round(100 * usage.used_bytes / 1_000_000, 1)


async def test_deleted_mailbox_is_archived_not_removed(
    mail_service: MailService, dovecot: Dovecot
) -> None:
    created = await make_mailbox(mail_service, "leaver@example.test")
    address = created.mailbox.address
    reply = await asyncio.to_thread(lmtp_deliver, dovecot.lmtp_port, address, 1_000)
    assert reply[0] == 250
    home = mail_service.settings.mail_root / "example.test" / "leaver"
    assert home.is_dir()

    deleted = await mail_service.call(
        "mailboxes.delete", {"address": address}, MailboxDeleted
    )

    assert deleted.archived_to is not None
    archive = Path(deleted.archived_to)
    assert archive.parent == mail_service.settings.archive_dir / "example.test"
    assert not home.exists()
    assert len(list((archive / "Maildir" / "new").iterdir())) == 1
    assert (
        await mail_service.rows(
            "SELECT address FROM mailboxes WHERE address = %s", address
        )
        == []
    )
    assert not await asyncio.to_thread(imap_login, dovecot.imap_port, address, PASSWORD)


def _tls_context(ca_file: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(ca_file))
    return context


async def test_submission_relays_only_authenticated_senders_as_themselves(
    mail_service: MailService, postfix: Postfix
) -> None:
    alice = (await make_mailbox(mail_service, "alice@example.test")).mailbox.address
    await make_mailbox(mail_service, "bob@example.test")
    await mail_service.call(
        "aliases.create",
        {"source": "sales@example.test", "destinations": [alice]},
        AliasPublic,
    )
    context = _tls_context(postfix.ca_file)
    port, smtps_port = postfix.config.submission_port, postfix.config.smtps_port

    def submit() -> dict[str, object]:
        refusals: dict[str, object] = {}
        with smtplib.SMTP("localhost", port) as client:
            client.starttls(context=context)
            client.login(alice, PASSWORD)
            client.sendmail(
                alice, ["friend@elsewhere.test"], b"Subject: one\r\n\r\nhi\r\n"
            )
            client.sendmail(
                "sales@example.test",
                ["friend@elsewhere.test"],
                b"Subject: two\r\n\r\nhi\r\n",
            )
            try:
                client.sendmail(
                    "bob@example.test", ["friend@elsewhere.test"], b"Subject: x\r\n\r\n"
                )
            except smtplib.SMTPRecipientsRefused as exc:
                refusals["as_bob"] = exc.recipients["friend@elsewhere.test"]
        with smtplib.SMTP("localhost", port) as client:
            client.starttls(context=context)
            try:
                client.sendmail(alice, ["friend@elsewhere.test"], b"Subject: x\r\n\r\n")
            except smtplib.SMTPRecipientsRefused as exc:
                refusals["unauthenticated"] = exc.recipients["friend@elsewhere.test"]
        with smtplib.SMTP_SSL("localhost", smtps_port, context=context) as client:
            client.login(alice, PASSWORD)
            client.sendmail(
                alice, ["other@elsewhere.test"], b"Subject: three\r\n\r\nhi\r\n"
            )
        return refusals

    refusals = await asyncio.to_thread(submit)
    received = await postfix.sink.wait(3)

    assert refusals["as_bob"] == (
        553,
        b"5.7.1 <bob@example.test>: Sender address rejected: "
        b"not owned by user alice@example.test",
    )
    code, text = refusals["unauthenticated"]  # type: ignore[misc]
    assert code == 554
    assert text.startswith(b"5.7.1 ")
    assert sorted((e.mail_from, tuple(e.rcpt_tos)) for e in received) == [
        ("alice@example.test", ("friend@elsewhere.test",)),
        ("alice@example.test", ("other@elsewhere.test",)),
        ("sales@example.test", ("friend@elsewhere.test",)),
    ]


async def test_submission_needs_tls_before_a_password(
    mail_service: MailService, postfix: Postfix
) -> None:
    alice = (await make_mailbox(mail_service, "alice@example.test")).mailbox.address

    def login_in_clear() -> None:
        with smtplib.SMTP("localhost", postfix.config.submission_port) as client:
            client.login(alice, PASSWORD)

    with pytest.raises(smtplib.SMTPNotSupportedError):
        await asyncio.to_thread(login_in_clear)


async def test_a_user_changes_their_own_password_proven_through_dovecot(
    mail_service: MailService, dovecot: Dovecot
) -> None:
    address = (await make_mailbox(mail_service, "carol@example.test")).mailbox.address
    own = "mailboxes.change_own_password"

    with pytest.raises(Unauthorized) as wrong:
        await mail_service.call(
            own,
            {
                "address": address,
                "current_password": "not-the-password-at-all",
                "new_password": NEW_PASSWORD,
            },
            PasswordSet,
        )
    with pytest.raises(Unauthorized) as unknown:
        await mail_service.call(
            own,
            {
                "address": "nobody@example.test",
                "current_password": PASSWORD,
                "new_password": NEW_PASSWORD,
            },
            PasswordSet,
        )
    with pytest.raises(InvalidRequest) as weak:
        await mail_service.call(
            own,
            {"address": address, "current_password": PASSWORD, "new_password": "aaaa"},
            PasswordSet,
        )
    changed = await mail_service.call(
        own,
        {
            "address": address,
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
        },
        PasswordSet,
    )

    assert wrong.value.to_payload() == unknown.value.to_payload()
    assert wrong.value.to_payload() == {
        "code": "unauthorized",
        "message": "invalid credentials",
        "details": {},
    }
    assert weak.value.details["errors"][0]["field"] == "new_password"
    assert changed == PasswordSet(
        address=address, password_scheme="ARGON2ID", generated_password=None
    )
    assert await asyncio.to_thread(imap_login, dovecot.imap_port, address, NEW_PASSWORD)
    assert not await asyncio.to_thread(imap_login, dovecot.imap_port, address, PASSWORD)
