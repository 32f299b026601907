"""DNS and edge security through the gateway, on the real dns service.

The gateway and the dns service share the test's bus namespace; the dns
service talks to the fake Cloudflare that the `dns_service` fixture
starts, and the tests look at the fake to see what really changed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import yaml  # type: ignore[import-untyped]  # PyYAML ships no type information.

from homehost.dns.testing import FakeCloudflare

if TYPE_CHECKING:
    from conftest import DnsService, Gateway

# The zone the `dns_service` fixture's fake Cloudflare holds.
DNS_ZONE = "example.test"
MANAGED = "managed by homehost"


def bearer(token: str) -> dict[str, str]:
    """The header that authenticates with an API token."""
    return {"Authorization": f"Bearer {token}"}


def shown(fake: FakeCloudflare, zone: str = DNS_ZONE) -> set[tuple[Any, ...]]:
    """A zone's records at the fake Cloudflare, without their ids."""
    return {
        (r["type"], r["name"], r["content"], r["proxied"], r.get("priority"))
        for r in fake.shown_records(zone)
    }


async def test_zones_and_records_are_listed_and_created(
    gateway: Gateway, dns_service: DnsService
) -> None:
    fake = dns_service.cloudflare
    zone = fake.zone_named(DNS_ZONE)
    fake.put_record(
        zone, {"type": "A", "name": "old.example.test", "content": "192.0.2.1"}
    )
    token = await gateway.token_for("alice", ["read", "write:dns"])

    async with gateway.client(headers=bearer(token)) as client:
        zones = await client.get("/api/dns/zones")
        created = await client.post(
            f"/api/dns/zones/{DNS_ZONE}/records",
            json={
                "record": {
                    "type": "A",
                    "name": "www",
                    "content": "192.0.2.8",
                    "proxied": True,
                }
            },
        )
        listed = await client.get(f"/api/dns/zones/{DNS_ZONE}/records")
        record_id = created.json()["id"]
        updated = await client.put(
            f"/api/dns/zones/{DNS_ZONE}/records/{record_id}",
            json={"record": {"type": "A", "name": "www", "content": "192.0.2.9"}},
        )
        unknown_zone = await client.get("/api/dns/zones/nowhere.test/records")
        audit = (await client.get("/api/audit", params={"q": "dns"})).json()

    assert zones.status_code == 200, zones.text
    assert zones.json() == {
        "zones": [
            {
                "id": zone.id,
                "name": DNS_ZONE,
                "status": "active",
                "plan": "Free Website",
            }
        ]
    }
    assert created.status_code == 201, created.text
    assert created.json() == {
        "id": record_id,
        "type": "A",
        "name": "www.example.test",
        "content": "192.0.2.8",
        "ttl": 1,
        "proxied": True,
        "priority": None,
        "comment": MANAGED,
        "tags": [],
        "owned": True,
    }
    assert listed.status_code == 200, listed.text
    assert [
        (r["name"], r["content"], r["proxied"], r["owned"])
        for r in listed.json()["records"]
    ] == [
        ("old.example.test", "192.0.2.1", False, False),
        ("www.example.test", "192.0.2.8", True, True),
    ]
    assert updated.status_code == 200, updated.text
    assert (updated.json()["content"], updated.json()["proxied"]) == (
        "192.0.2.9",
        False,
    )
    assert shown(fake) == {
        ("A", "old.example.test", "192.0.2.1", False, None),
        ("A", "www.example.test", "192.0.2.9", False, None),
    }
    assert unknown_zone.status_code == 404
    assert unknown_zone.json()["code"] == "not_found"
    assert unknown_zone.json()["details"] == {"zone": "nowhere.test"}
    entries = [(e["action"], e["target"], e["status_code"]) for e in audit["items"]]
    assert entries == [
        ("dns.records_update", f"dns_record:{DNS_ZONE}/{record_id}", 200),
        ("dns.records_create", f"dns_zone:{DNS_ZONE}", 201),
    ]


async def test_a_previewed_plan_is_applied_once(
    gateway: Gateway, dns_service: DnsService
) -> None:
    fake = dns_service.cloudflare
    token = await gateway.token_for("alice", ["read", "write:dns"])
    desired = {
        "records": [
            {"type": "A", "name": "@", "content": "192.0.2.10", "proxied": True},
            {"type": "MX", "name": "@", "content": "mx.example.net", "priority": 10},
            {"type": "TXT", "name": "@", "content": "v=spf1 -all"},
        ]
    }

    async with gateway.client(headers=bearer(token)) as client:
        plan = await client.post(f"/api/dns/zones/{DNS_ZONE}/plan", json=desired)
        calls_after_plan = len(fake.changing_calls())
        applied = await client.post(
            f"/api/dns/zones/{DNS_ZONE}/apply",
            json={**desired, "fingerprint": plan.json()["fingerprint"]},
        )
        again = await client.post(f"/api/dns/zones/{DNS_ZONE}/plan", json=desired)
        stale = await client.post(
            f"/api/dns/zones/{DNS_ZONE}/apply",
            json={
                "records": [{"type": "A", "name": "@", "content": "192.0.2.11"}],
                "fingerprint": plan.json()["fingerprint"],
            },
        )

    assert plan.status_code == 200, plan.text
    assert plan.json()["summary"] == {
        "create": 3,
        "update": 0,
        "delete": 0,
        "unchanged": 0,
        "kept": 0,
    }
    assert [(c["action"], c["type"], c["name"]) for c in plan.json()["changes"]] == [
        ("create", "A", "example.test"),
        ("create", "MX", "example.test"),
        ("create", "TXT", "example.test"),
    ]
    assert calls_after_plan == 0
    assert applied.status_code == 200, applied.text
    assert (applied.json()["applied"], applied.json()["batches"]) == (True, 1)
    assert shown(fake) == {
        ("A", "example.test", "192.0.2.10", True, None),
        ("MX", "example.test", "mx.example.net", False, 10),
        ("TXT", "example.test", "v=spf1 -all", False, None),
    }
    assert again.json()["summary"]["unchanged"] == 3
    assert again.json()["fingerprint"] != plan.json()["fingerprint"]
    assert stale.status_code == 409, stale.text
    assert stale.json()["code"] == "conflict"
    assert stale.json()["details"]["zone"] == DNS_ZONE
    assert stale.json()["details"]["fingerprint"] not in {
        plan.json()["fingerprint"],
        "",
    }
    assert len(fake.changing_calls()) == 1


async def test_a_proxied_mx_is_refused_naming_the_field(
    gateway: Gateway, dns_service: DnsService
) -> None:
    fake = dns_service.cloudflare
    token = await gateway.token_for("alice", ["read", "write:dns"])
    proxied_mx = {
        "type": "MX",
        "name": "@",
        "content": "mx.example.net",
        "priority": 10,
        "proxied": True,
    }
    reason = "MX records cannot be proxied; only A, AAAA and CNAME records can"

    async with gateway.client(headers=bearer(token)) as client:
        created = await client.post(
            f"/api/dns/zones/{DNS_ZONE}/records", json={"record": proxied_mx}
        )
        planned = await client.post(
            f"/api/dns/zones/{DNS_ZONE}/plan", json={"records": [proxied_mx]}
        )
        applied = await client.post(
            f"/api/dns/zones/{DNS_ZONE}/apply", json={"records": [proxied_mx]}
        )
        unknown_type = await client.post(
            f"/api/dns/zones/{DNS_ZONE}/records",
            json={"record": {**proxied_mx, "type": "SPF"}},
        )

    assert created.status_code == 422, created.text
    assert created.json()["code"] == "invalid_request"
    assert created.json()["details"]["errors"] == [
        {"field": "record.proxied", "message": reason}
    ]
    assert planned.status_code == 422
    assert planned.json()["details"]["errors"] == [
        {"field": "records[0].proxied", "message": reason}
    ]
    assert applied.status_code == 422
    assert applied.json()["details"]["errors"] == [
        {"field": "records[0].proxied", "message": reason}
    ]
    assert unknown_type.status_code == 422
    assert [e["field"] for e in unknown_type.json()["details"]["errors"]] == [
        "record.type"
    ]
    assert fake.changing_calls() == []
    assert fake.shown_records(DNS_ZONE) == []


async def test_a_zone_exported_and_imported_comes_back_the_same(
    gateway: Gateway, dns_service: DnsService
) -> None:
    fake = dns_service.cloudflare
    fake.add_zone("copy.test")
    token = await gateway.token_for("alice", ["read", "write:dns"])
    records = [
        {"type": "A", "name": "www", "content": "192.0.2.8", "proxied": True},
        {"type": "AAAA", "name": "www", "content": "2001:db8::8"},
        {"type": "MX", "name": "@", "content": "mx.example.net", "priority": 10},
        {"type": "TXT", "name": "@", "content": "v=spf1 mx -all"},
        {"type": "CNAME", "name": "docs", "content": "www.example.test"},
    ]
    async with gateway.client(headers=bearer(token)) as client:
        seeded = await client.post(
            f"/api/dns/zones/{DNS_ZONE}/apply", json={"records": records}
        )
    assert seeded.status_code == 200, seeded.text
    calls_after_seeding = len(fake.changing_calls())

    async with gateway.client(headers=bearer(token)) as client:
        as_yaml = await client.get(f"/api/dns/zones/{DNS_ZONE}/export")
        as_bind = await client.get(
            f"/api/dns/zones/{DNS_ZONE}/export", params={"format": "bind"}
        )
        text = as_yaml.text.replace(DNS_ZONE, "copy.test")
        preview = await client.post(
            "/api/dns/zones/copy.test/import", json={"format": "yaml", "text": text}
        )
        calls_after_preview = len(fake.changing_calls())
        imported = await client.post(
            "/api/dns/zones/copy.test/import",
            json={"format": "yaml", "text": text, "apply": True},
        )
        bind_again = await client.post(
            f"/api/dns/zones/{DNS_ZONE}/import",
            json={"format": "bind", "text": as_bind.text},
        )
        broken = await client.post(
            f"/api/dns/zones/{DNS_ZONE}/import",
            json={"format": "yaml", "text": "records: [oops"},
        )

    assert as_yaml.status_code == 200, as_yaml.text
    assert as_yaml.headers["content-type"] == "application/yaml"
    assert as_yaml.headers["content-disposition"] == (
        'attachment; filename="example.test.yaml"'
    )
    assert as_yaml.headers["x-homehost-records"] == "5"
    document = yaml.safe_load(as_yaml.text)
    assert document["zone"] == DNS_ZONE
    assert len(document["records"]) == 5
    assert as_bind.status_code == 200, as_bind.text
    assert as_bind.headers["content-type"] == "text/dns; charset=utf-8"
    assert as_bind.headers["content-disposition"] == (
        'attachment; filename="example.test.zone"'
    )
    assert "www.example.test.\t1\tIN\tAAAA\t2001:db8::8" in as_bind.text

    assert preview.status_code == 200, preview.text
    assert preview.json()["applied"] is False
    assert preview.json()["plan"]["summary"]["create"] == 5
    assert calls_after_preview == calls_after_seeding
    assert imported.status_code == 200, imported.text
    assert (imported.json()["applied"], imported.json()["batches"]) == (True, 1)
    assert shown(fake, "copy.test") == {
        ("A", "www.copy.test", "192.0.2.8", True, None),
        ("AAAA", "www.copy.test", "2001:db8::8", False, None),
        ("MX", "copy.test", "mx.example.net", False, 10),
        ("TXT", "copy.test", "v=spf1 mx -all", False, None),
        ("CNAME", "docs.copy.test", "www.copy.test", False, None),
    }
    assert bind_again.status_code == 200, bind_again.text
    assert bind_again.json()["plan"]["summary"]["unchanged"] == 5
    assert bind_again.json()["plan"]["summary"]["create"] == 0
    assert broken.status_code == 422, broken.text
    [problem] = broken.json()["details"]["errors"]
    assert problem["field"] == "text (line 1)"
    assert problem["message"].startswith("not valid YAML: while parsing a flow")


async def test_a_read_only_token_reads_but_cannot_write(
    gateway: Gateway, dns_service: DnsService
) -> None:
    fake = dns_service.cloudflare
    zone = fake.zone_named(DNS_ZONE)
    existing = fake.put_record(
        zone, {"type": "A", "name": "www.example.test", "content": "192.0.2.1"}
    )
    token = await gateway.token_for("alice", ["read"])
    record = {"type": "A", "name": "api", "content": "192.0.2.2"}

    async with gateway.client(headers=bearer(token)) as client:
        listed = await client.get(f"/api/dns/zones/{DNS_ZONE}/records")
        planned = await client.post(
            f"/api/dns/zones/{DNS_ZONE}/plan", json={"records": [record]}
        )
        previewed = await client.post(
            f"/api/dns/zones/{DNS_ZONE}/import",
            json={"format": "yaml", "text": "records: []"},
        )
        refused = [
            await client.post(
                f"/api/dns/zones/{DNS_ZONE}/records", json={"record": record}
            ),
            await client.put(
                f"/api/dns/zones/{DNS_ZONE}/records/{existing['id']}",
                json={"record": record},
            ),
            await client.delete(
                f"/api/dns/zones/{DNS_ZONE}/records/{existing['id']}",
                params={"force": "true"},
            ),
            await client.post(
                f"/api/dns/zones/{DNS_ZONE}/apply", json={"records": [record]}
            ),
            await client.post(
                f"/api/dns/zones/{DNS_ZONE}/import",
                json={"format": "yaml", "text": "records: []", "apply": True},
            ),
            await client.put(
                f"/api/dns/zones/{DNS_ZONE}/edge/ssl", json={"value": "strict"}
            ),
        ]

    assert listed.status_code == 200, listed.text
    assert planned.status_code == 200, planned.text
    assert planned.json()["summary"]["create"] == 1
    assert previewed.status_code == 200, previewed.text
    for response in refused:
        assert response.status_code == 403, response.text
        assert response.json() == {
            "code": "forbidden",
            "message": "this needs the scope write:dns",
            "details": {"required_scope": "write:dns"},
        }
    assert fake.changing_calls() == []
    assert shown(fake) == {("A", "www.example.test", "192.0.2.1", False, None)}


async def test_unowned_records_are_deleted_only_with_force(
    gateway: Gateway, dns_service: DnsService
) -> None:
    fake = dns_service.cloudflare
    zone = fake.zone_named(DNS_ZONE)
    theirs = fake.put_record(
        zone, {"type": "A", "name": "www.example.test", "content": "192.0.2.1"}
    )
    token = await gateway.token_for("alice", ["read", "write:dns"])

    async with gateway.client(headers=bearer(token)) as client:
        path = f"/api/dns/zones/{DNS_ZONE}/records/{theirs['id']}"
        refused = await client.delete(path)
        forced = await client.delete(path, params={"force": "true"})
        gone = await client.delete(path, params={"force": "true"})

    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "conflict"
    assert refused.json()["details"] == {"zone": DNS_ZONE, "id": theirs["id"]}
    assert forced.status_code == 200, forced.text
    assert forced.json()["record"]["name"] == "www.example.test"
    assert forced.json()["record"]["owned"] is False
    assert gone.status_code == 404
    assert fake.shown_records(DNS_ZONE) == []


async def test_edge_security_names_the_missing_permission(
    gateway: Gateway, dns_service: DnsService
) -> None:
    fake = dns_service.cloudflare
    # The dns service's Cloudflare token may read DNS and settings but not
    # change them, nor read certificates.
    fake.add_token(
        dns_service.cloudflare_token,
        frozenset({"zone:read", "dns:read", "zone_settings:read"}),
    )
    token = await gateway.token_for("alice", ["read", "write:dns"])

    async with gateway.client(headers=bearer(token)) as client:
        edge = await client.get(f"/api/dns/zones/{DNS_ZONE}/edge")
        changed = await client.put(
            f"/api/dns/zones/{DNS_ZONE}/edge/always_use_https", json={"value": "on"}
        )
        bad_value = await client.put(
            f"/api/dns/zones/{DNS_ZONE}/edge/ssl", json={"value": "sometimes"}
        )
        fake.add_token(
            dns_service.cloudflare_token, frozenset({"zone:read", "dns:read"})
        )
        unreadable = await client.get(f"/api/dns/zones/{DNS_ZONE}/edge")

    assert edge.status_code == 200, edge.text
    body = edge.json()
    assert [
        (s["id"], s["value"], s["readable"], s["writable"], s["missing_permission"])
        for s in body["settings"]
    ] == [
        ("ssl", "full", True, False, "Zone / Zone Settings / Edit"),
        ("always_use_https", "off", True, False, "Zone / Zone Settings / Edit"),
        ("min_tls_version", "1.0", True, False, "Zone / Zone Settings / Edit"),
        ("security_level", "medium", True, False, "Zone / Zone Settings / Edit"),
        ("waf", None, False, False, "Zone / Zone WAF / Read"),
    ]
    assert body["certificates"] == []
    assert body["certificates_readable"] is False
    assert body["certificates_missing_permission"] == (
        "Zone / SSL and Certificates / Read"
    )
    assert changed.status_code == 403, changed.text
    assert changed.json()["details"] == {
        "permission": "Zone / Zone Settings / Edit",
        "action": "change the always_use_https setting",
    }
    assert bad_value.status_code == 422, bad_value.text
    assert bad_value.json()["details"]["errors"] == [
        {"field": "value", "message": "must be one of off, flexible, full, strict"}
    ]
    assert [
        (s["readable"], s["missing_permission"]) for s in unreadable.json()["settings"]
    ] == [(False, "Zone / Zone Settings / Read")] * 4 + [
        (False, "Zone / Zone WAF / Read")
    ]
    assert fake.zone_named(DNS_ZONE).settings["always_use_https"] == "off"


async def test_edge_settings_change_and_certificates_show(
    gateway: Gateway, dns_service: DnsService
) -> None:
    fake = dns_service.cloudflare
    fake.zone_named(DNS_ZONE).certificates = [
        {
            "hostname": "example.test",
            "certificate_status": "active",
            "validation_method": "txt",
            "certificate_authority": "google",
        }
    ]
    token = await gateway.token_for("alice", ["read", "write:dns"])

    async with gateway.client(headers=bearer(token)) as client:
        changed = await client.put(
            f"/api/dns/zones/{DNS_ZONE}/edge/ssl", json={"value": "strict"}
        )
        edge = await client.get(f"/api/dns/zones/{DNS_ZONE}/edge")

    assert changed.status_code == 200, changed.text
    assert changed.json() == {
        "id": "ssl",
        "value": "strict",
        "allowed_values": ["off", "flexible", "full", "strict"],
        "readable": True,
        "writable": True,
        "missing_permission": None,
    }
    assert edge.json()["settings"][0]["value"] == "strict"
    assert edge.json()["certificates"] == [
        {
            "hostname": "example.test",
            "status": "active",
            "validation_method": "txt",
            "certificate_authority": "google",
        }
    ]
    assert fake.zone_named(DNS_ZONE).settings["ssl"] == "strict"
