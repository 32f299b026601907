"""Mail accounts through the gateway, on the real mailbox service and Dovecot.

The gateway and the mailbox service share the test's bus namespace; the
mailbox service and Dovecot come from tests/mail_servers.py.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import httpx

from tests.mail_servers import Dovecot, MailService, imap_login

if TYPE_CHECKING:
    from conftest import Gateway, StartGateway

PASSWORD = "violet-harbour-tram-42"
NEW_PASSWORD = "quiet-lantern-orbit-97"


def bearer(token: str) -> dict[str, str]:
    """The header that authenticates with an API token."""
    return {"Authorization": f"Bearer {token}"}


async def delete(client: httpx.AsyncClient, path: str, body: Any) -> httpx.Response:
    """DELETE with a JSON body (httpx's `delete` takes none)."""
    return await client.request("DELETE", path, json=body)


async def test_a_mailbox_made_through_the_gateway_logs_in_over_imap(
    gateway: Gateway, mail_service: MailService, dovecot: Dovecot
) -> None:
    token = await gateway.token_for("alice", ["read", "write:mail"])
    async with gateway.client(headers=bearer(token)) as client:
        domain = await client.post("/api/mail/domains", json={"name": "Example.test"})
        created = await client.post(
            "/api/mail/mailboxes",
            json={
                "address": "Alice@example.test",
                "display_name": "Alice Liddell",
                "password": PASSWORD,
                "quota_bytes": 2_000_000,
            },
        )
        fetched = await client.get("/api/mail/mailboxes/alice@example.test")
        logged_in = await asyncio.to_thread(
            imap_login, dovecot.imap_port, "alice@example.test", PASSWORD
        )
        usage = await client.get("/api/mail/mailboxes/alice@example.test/usage")
        reset = await client.post(
            "/api/mail/mailboxes/alice@example.test/password",
            json={"password": NEW_PASSWORD},
        )
        with_new = await asyncio.to_thread(
            imap_login, dovecot.imap_port, "alice@example.test", NEW_PASSWORD
        )
        generated = await client.post(
            "/api/mail/mailboxes/alice@example.test/password", json={}
        )
        audit = (await client.get("/api/audit", params={"q": "mailbox:"})).json()

    assert domain.status_code == 201, domain.text
    assert domain.json()["name"] == "example.test"
    assert created.status_code == 201, created.text
    mailbox = created.json()["mailbox"]
    assert mailbox["address"] == "alice@example.test"
    assert mailbox["display_name"] == "Alice Liddell"
    assert mailbox["quota_bytes"] == 2_000_000
    assert mailbox["password_scheme"] == "ARGON2ID"
    assert created.json()["generated_password"] is None
    assert fetched.json() == mailbox
    assert logged_in is True
    assert usage.json() == {
        "address": "alice@example.test",
        "used_bytes": 0,
        "quota_bytes": 2_000_000,
        "messages": 0,
        "percent": 0.0,
    }
    assert reset.json() == {
        "address": "alice@example.test",
        "password_scheme": "ARGON2ID",
        "generated_password": None,
    }
    assert with_new is True
    assert generated.status_code == 200
    assert len(generated.json()["generated_password"]) == 20
    actions = [(entry["action"], entry["target"]) for entry in audit["items"]]
    assert actions == [
        ("mail.mailboxes_reset_password", "mailbox:alice@example.test"),
        ("mail.mailboxes_reset_password", "mailbox:alice@example.test"),
        ("mail.mailboxes_create", "mailbox:Alice@example.test"),
    ]
    assert PASSWORD not in str(audit)
    assert NEW_PASSWORD not in str(audit)


async def test_domains_mailboxes_and_aliases_are_listed_changed_and_removed(
    gateway: Gateway, mail_service: MailService, dovecot: Dovecot
) -> None:
    token = await gateway.token_for("alice", ["read", "write:mail"])
    async with gateway.client(headers=bearer(token)) as client:
        await client.post("/api/mail/domains", json={"name": "example.test"})
        for name in ("ann", "bob", "cat"):
            response = await client.post(
                "/api/mail/mailboxes",
                json={"address": f"{name}@example.test", "password": PASSWORD},
            )
            assert response.status_code == 201, response.text
        page_two = await client.get(
            "/api/mail/mailboxes", params={"page": 2, "page_size": 2}
        )
        searched = await client.get("/api/mail/mailboxes", params={"search": "bo"})
        loose_flag = await client.patch(
            "/api/mail/mailboxes/cat@example.test", json={"enabled": "yes"}
        )
        disabled = await client.patch(
            "/api/mail/mailboxes/cat@example.test",
            json={"enabled": False, "display_name": "Cat"},
        )
        alias = await client.post(
            "/api/mail/aliases",
            json={"source": "team@example.test", "destinations": ["ann@example.test"]},
        )
        edited = await client.put(
            "/api/mail/aliases/team@example.test",
            json={"destinations": ["ann@example.test", "bob@example.test"]},
        )
        aliases = await client.get(
            "/api/mail/aliases", params={"domain": "example.test"}
        )
        catch_all = await client.patch(
            "/api/mail/domains/example.test", json={"catch_all": "team@example.test"}
        )
        alias_in_use = await client.delete("/api/mail/aliases/team@example.test")
        await client.patch("/api/mail/domains/example.test", json={"catch_all": ""})
        alias_removed = await client.delete("/api/mail/aliases/team@example.test")
        domains = await client.get("/api/mail/domains")
        domain_in_use = await client.delete("/api/mail/domains/example.test")
        unconfirmed = await delete(
            client, "/api/mail/mailboxes/ann@example.test", {"confirm_address": "bob"}
        )
        removed = []
        for name in ("ann", "bob", "cat"):
            address = f"{name}@example.test"
            removed.append(
                await delete(
                    client,
                    f"/api/mail/mailboxes/{address}",
                    {"confirm_address": address.upper()},
                )
            )
        domain_removed = await client.delete("/api/mail/domains/example.test")
        after = await client.get("/api/mail/domains")

    assert loose_flag.status_code == 422
    assert loose_flag.json()["details"]["errors"] == [
        {"field": "enabled", "message": "Input should be a valid boolean"}
    ]
    assert page_two.json()["total"] == 3
    assert [m["address"] for m in page_two.json()["mailboxes"]] == ["cat@example.test"]
    assert [m["address"] for m in searched.json()["mailboxes"]] == ["bob@example.test"]
    assert disabled.json()["enabled"] is False
    assert disabled.json()["display_name"] == "Cat"
    assert alias.status_code == 201
    assert edited.json()["destinations"] == ["ann@example.test", "bob@example.test"]
    assert [a["source"] for a in aliases.json()["aliases"]] == ["team@example.test"]
    assert catch_all.json()["catch_all"] == "team@example.test"
    assert alias_in_use.status_code == 409
    assert alias_removed.json() == {"source": "team@example.test"}
    (listed,) = domains.json()["domains"]
    assert (listed["name"], listed["mailbox_count"], listed["alias_count"]) == (
        "example.test",
        3,
        0,
    )
    assert domain_in_use.status_code == 409
    assert domain_in_use.json()["code"] == "conflict"
    assert unconfirmed.status_code == 422
    assert unconfirmed.json()["details"]["errors"] == [
        {
            "field": "confirm_address",
            "message": "must repeat the address of the mailbox to delete",
        }
    ]
    assert [r.status_code for r in removed] == [200, 200, 200]
    assert removed[0].json()["address"] == "ann@example.test"
    assert domain_removed.json() == {"name": "example.test"}
    assert after.json() == {"domains": []}


async def test_dns_plan_and_dkim_rotation(
    gateway: Gateway, mail_service: MailService
) -> None:
    token = await gateway.token_for("alice", ["read", "write:mail"])
    async with gateway.client(headers=bearer(token)) as client:
        await client.post("/api/mail/domains", json={"name": "example.test"})
        keys = await client.get("/api/mail/domains/example.test/dkim")
        rotated = await client.post(
            "/api/mail/domains/example.test/dkim/rotate", json={"grace_days": 3}
        )
        plan = await client.get("/api/mail/domains/example.test/dns-plan")
        unknown = await client.get("/api/mail/domains/other.test/dns-plan")

    (first,) = keys.json()["keys"]
    assert first["state"] == "active"
    states = {key["selector"]: key["state"] for key in rotated.json()["keys"]}
    assert states[first["selector"]] == "retiring"
    assert sorted(states.values()) == ["active", "retiring"]
    records = plan.json()["records"]
    assert [r["purpose"] for r in records] == [
        "mx",
        "mx",
        "mx",
        "spf",
        "dkim",
        "dkim",
        "dmarc",
    ]
    assert records[-1] == {
        "type": "TXT",
        "name": "_dmarc.example.test",
        "content": "v=DMARC1; p=quarantine; rua=mailto:dmarc@example.test",
        "priority": None,
        "ttl": 1,
        "proxied": False,
        "purpose": "dmarc",
    }
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "not_found"


async def test_bad_input_keeps_the_services_codes_and_names_the_field(
    gateway: Gateway, mail_service: MailService
) -> None:
    token = await gateway.token_for("alice", ["read", "write:mail"])
    async with gateway.client(headers=bearer(token)) as client:
        await client.post("/api/mail/domains", json={"name": "example.test"})
        first = await client.post(
            "/api/mail/mailboxes",
            json={"address": "dup@example.test", "password": PASSWORD},
        )
        duplicate = await client.post(
            "/api/mail/mailboxes",
            json={"address": "dup@example.test", "password": PASSWORD},
        )
        invalid = await client.post(
            "/api/mail/mailboxes", json={"address": "no at sign", "password": PASSWORD}
        )
        not_hosted = await client.post(
            "/api/mail/mailboxes",
            json={"address": "x@elsewhere.test", "password": PASSWORD},
        )
        weak = await client.post(
            "/api/mail/mailboxes",
            json={"address": "weak@example.test", "password": "password1"},
        )
        missing = await client.get("/api/mail/mailboxes/ghost@example.test")
        counts = await mail_service.counts()

    assert first.status_code == 201
    assert duplicate.status_code == 409
    assert duplicate.json()["details"]["errors"][0]["field"] == "address"
    for answer, field in ((invalid, "address"), (not_hosted, "address")):
        assert answer.status_code == 422
        assert answer.json()["code"] == "invalid_request"
        assert [e["field"] for e in answer.json()["details"]["errors"]] == [field]
    assert weak.status_code == 422
    assert [e["field"] for e in weak.json()["details"]["errors"]] == ["password"]
    assert missing.status_code == 404
    assert counts["mailboxes"] == 1


async def test_a_bad_domain_filter_names_the_domain_field_and_dovecot_down_is_clean(
    gateway: Gateway, mail_service: MailService
) -> None:
    token = await gateway.token_for("alice", ["read", "write:mail"])
    async with gateway.client(headers=bearer(token)) as client:
        await client.post("/api/mail/domains", json={"name": "example.test"})
        await client.post(
            "/api/mail/mailboxes",
            json={"address": "alice@example.test", "password": PASSWORD},
        )
        filtered = await client.get("/api/mail/mailboxes", params={"domain": "'"})
        # No Dovecot runs in this test: doveadm finds no socket.
        usage = await client.get("/api/mail/mailboxes/alice@example.test/usage")

    assert filtered.status_code == 422
    assert filtered.json()["details"]["errors"] == [
        {
            "field": "domain",
            "message": 'The domain name contains invalid characters: "\'".',
        }
    ]
    assert usage.status_code == 503
    assert usage.json() == {
        "code": "unavailable",
        "message": "Dovecot does not answer",
        "details": {},
    }


async def test_no_credentials_401_read_only_token_403_for_changes(
    gateway: Gateway, mail_service: MailService
) -> None:
    reader = await gateway.token_for("alice", ["read"])
    async with gateway.client() as anonymous:
        listed_anonymously = await anonymous.get("/api/mail/domains")
        created_anonymously = await anonymous.post(
            "/api/mail/domains", json={"name": "example.test"}
        )
    async with gateway.client(headers=bearer(reader)) as client:
        listed = await client.get("/api/mail/domains")
        refused = [
            await client.post("/api/mail/domains", json={"name": "example.test"}),
            await client.post(
                "/api/mail/mailboxes",
                json={"address": "a@example.test", "password": PASSWORD},
            ),
            await client.patch("/api/mail/domains/example.test", json={}),
            await client.delete("/api/mail/aliases/a@example.test"),
            await delete(
                client,
                "/api/mail/mailboxes/a@example.test",
                {"confirm_address": "a@example.test"},
            ),
        ]

    assert listed_anonymously.status_code == 401
    assert created_anonymously.status_code == 401
    assert listed.json() == {"domains": []}
    assert [r.status_code for r in refused] == [403] * 5
    assert {r.json()["details"]["required_scope"] for r in refused} == {"write:mail"}
    assert (await mail_service.counts())["mail_domains"] == 0


async def test_without_the_mailbox_service_the_answer_is_503(
    gateway: Gateway,
) -> None:
    token = await gateway.token_for("alice", ["read"])
    async with gateway.client(headers=bearer(token)) as client:
        response = await client.get("/api/mail/domains")

    assert response.status_code == 503
    assert response.json()["code"] == "unavailable"


async def test_client_setup_card(
    start_gateway: StartGateway, mail_service: MailService
) -> None:
    gateway = await start_gateway(
        tailscale_hostname="box.tail1234.ts.net", mail_imap_port=1143
    )
    await gateway.add_admin("alice")
    token = await gateway.token_for("alice", ["read", "write:mail"])
    async with gateway.client(headers=bearer(token)) as client:
        await client.post("/api/mail/domains", json={"name": "example.test"})
        await client.post(
            "/api/mail/mailboxes",
            json={"address": "ann@example.test", "password": PASSWORD},
        )
        card = await client.get(
            "/api/mail/client-setup", params={"address": "Ann@Example.test"}
        )
        general = await client.get("/api/mail/client-setup")
        unknown = await client.get(
            "/api/mail/client-setup", params={"address": "nobody@example.test"}
        )

    body = card.json()
    assert body["email_address"] == "ann@example.test"
    assert body["username"] == "ann@example.test"
    assert body["reachable_over"] == "tailscale"
    assert [
        (s["protocol"], s["host"], s["port"], s["security"]) for s in body["incoming"]
    ] == [
        ("imap", "box.tail1234.ts.net", 1143, "none"),
        ("pop3", "box.tail1234.ts.net", 110, "none"),
    ]
    assert [(s["port"], s["security"]) for s in body["outgoing"]] == [
        (587, "starttls"),
        (465, "ssl"),
    ]
    assert general.json()["email_address"] is None
    assert unknown.status_code == 404
