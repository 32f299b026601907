"""Plans and applies: idempotence, pages, ownership, the safety cap, zone files."""

from __future__ import annotations

import pytest

from homehost.dns import service
from homehost.dns.errors import NotOwned, PlanOutdated, SafetyCapExceeded
from homehost.dns.schemas import (
    ApplyRequest,
    EdgeSettingChange,
    RecordCreate,
    RecordDelete,
    RecordUpdate,
    ZoneExportRequest,
    ZoneImportRequest,
)
from homehost.dns.testing import FakeCloudflare

from .conftest import ZONE, MakeDns, Published
from .test_failures import spec

Rules = tuple[service.Dns, Published]

DKIM = "v=DKIM1; k=rsa; p=" + "A" * 400

EVERY_KIND = [
    spec("A", "@", "192.0.2.1", proxied=True),
    spec("AAAA", "@", "2001:db8:0:0::1", proxied=True),
    spec("CNAME", "www", "example.test", proxied=True, ttl=300),
    spec("A", "mail", "192.0.2.25", ttl=300, comment="the mail host"),
    spec("MX", "@", "mail.example.test.", priority=10),
    spec("TXT", "@", "v=spf1 mx include:_spf.mx.cloudflare.net ~all"),
    spec("TXT", "hh1._domainkey", DKIM),
    spec("TXT", "_dmarc", "v=DMARC1; p=quarantine; rua=mailto:dmarc@example.test"),
    spec("SRV", "_imaps._tcp", "1 993 mail.example.test", priority=0),
    spec("CAA", "@", '0 issue "letsencrypt.org"'),
]


async def test_a_second_apply_of_the_same_state_changes_nothing(
    dns_rules: Rules, fake: FakeCloudflare
) -> None:
    rules, published = dns_rules
    first = await service.apply(
        dns=rules, request=ApplyRequest(zone=ZONE, records=EVERY_KIND)
    )
    assert first.plan.summary.create == 10
    assert first.batches == 1
    assert len(fake.changing_calls()) == 1

    second = await service.apply(
        dns=rules, request=ApplyRequest(zone=ZONE, records=EVERY_KIND)
    )

    assert second.applied is False
    assert second.batches == 0
    assert second.plan.summary.unchanged == 10
    assert len(fake.changing_calls()) == 1
    assert len(published.of("dns.changed")) == 1
    created = published.of("dns.changed")[0].created
    assert sorted((f.type, f.name) for f in created)[:2] == [
        ("A", "example.test"),
        ("A", "mail.example.test"),
    ]


async def test_every_page_is_read(make_dns: MakeDns, fake: FakeCloudflare) -> None:
    rules, _ = await make_dns(page_size=100)
    zone = fake.zone_named(ZONE)
    for number in range(250):
        fake.put_record(
            zone, {"type": "A", "name": f"h{number}", "content": "192.0.2.1"}
        )
    fake.calls.clear()

    listed = await service.list_records(dns=rules, zone=ZONE)

    assert len(listed.records) == 250
    record_pages = [c for c in fake.calls if c.path.endswith("/dns_records")]
    assert len(record_pages) == 3


async def test_ownership_and_the_safety_cap(
    dns_rules: Rules, fake: FakeCloudflare
) -> None:
    rules, _ = dns_rules
    zone = fake.zone_named(ZONE)
    fake.put_record(zone, {"type": "A", "name": "theirs", "content": "192.0.2.99"})
    ours = [spec("A", f"h{n}", "192.0.2.1") for n in range(20)]
    await service.apply(dns=rules, request=ApplyRequest(zone=ZONE, records=ours))

    shrink = ApplyRequest(zone=ZONE, scope="zone", records=ours[:5])
    with pytest.raises(SafetyCapExceeded) as capped:
        await service.apply(dns=rules, request=shrink)
    assert capped.value.details == {
        "zone": ZONE,
        "touched": 15,
        "existing": 21,
        "cap": 0.33,
    }
    assert len(zone.records) == 21

    preview = await service.plan(dns=rules, request=shrink)
    assert preview.exceeds_safety_cap is True
    kept = [c for c in preview.changes if c.action == "kept"]
    assert [(c.name, c.before.owned if c.before else None) for c in kept] == [
        ("theirs.example.test", False)
    ]
    with pytest.raises(PlanOutdated):
        await service.apply(
            dns=rules,
            request=shrink.model_copy(update={"force": True, "fingerprint": "0" * 64}),
        )

    done = await service.apply(
        dns=rules,
        request=shrink.model_copy(
            update={"force": True, "fingerprint": preview.fingerprint}
        ),
    )
    assert done.plan.summary.delete == 15
    assert {r["name"] for r in zone.records.values()} == {
        "theirs.example.test",
        *(f"h{n}.example.test" for n in range(5)),
    }

    theirs = next(
        r["id"] for r in zone.records.values() if r["name"].startswith("theirs")
    )
    with pytest.raises(NotOwned):
        await service.delete_record(
            dns=rules, request=RecordDelete(zone=ZONE, id=theirs)
        )
    deleted = await service.delete_record(
        dns=rules, request=RecordDelete(zone=ZONE, id=theirs, force=True)
    )
    assert deleted.record.owned is False
    assert theirs not in zone.records


async def test_single_record_create_update_delete(
    dns_rules: Rules, fake: FakeCloudflare
) -> None:
    rules, published = dns_rules
    created = await service.create_record(
        dns=rules, request=RecordCreate(zone=ZONE, record=spec("A", "api", "192.0.2.4"))
    )
    assert (created.name, created.content, created.owned) == (
        "api.example.test",
        "192.0.2.4",
        True,
    )
    changing = len(fake.changing_calls())

    same = await service.update_record(
        dns=rules,
        request=RecordUpdate(
            zone=ZONE, id=created.id, record=spec("A", "api", "192.0.2.4")
        ),
    )
    assert same.id == created.id
    assert len(fake.changing_calls()) == changing

    moved = await service.update_record(
        dns=rules,
        request=RecordUpdate(
            zone=ZONE, id=created.id, record=spec("A", "api", "192.0.2.5", proxied=True)
        ),
    )
    assert (moved.content, moved.proxied, moved.ttl) == ("192.0.2.5", True, 1)
    await service.delete_record(
        dns=rules, request=RecordDelete(zone=ZONE, id=created.id)
    )
    assert fake.zone_named(ZONE).records == {}
    assert [
        len(e.created) + len(e.updated) + len(e.deleted) for e in published.events
    ] == [
        1,
        1,
        1,
    ]
    assert published.events[1].updated[0].changed_fields == ["content", "proxied"]


async def test_zone_files_round_trip(dns_rules: Rules, fake: FakeCloudflare) -> None:
    rules, _ = dns_rules
    await service.apply(dns=rules, request=ApplyRequest(zone=ZONE, records=EVERY_KIND))
    fake.add_zone("copy.test")

    # YAML carries everything; BIND has no place for a record's comment, so
    # importing it after the YAML drops "the mail host" and nothing else.
    expected = {"yaml": (10, 0), "bind": (0, 1)}
    for file_format in ("yaml", "bind"):
        exported = await service.export_zone(
            dns=rules, request=ZoneExportRequest(zone=ZONE, format=file_format)
        )
        assert exported.records == 10
        text = exported.text.replace(ZONE, "copy.test")
        request = ZoneImportRequest(zone="copy.test", format=file_format, text=text)

        preview = await service.import_zone(dns=rules, request=request)
        applied = await service.import_zone(
            dns=rules, request=request.model_copy(update={"apply": True})
        )
        again = await service.import_zone(dns=rules, request=request)

        summary = preview.plan.summary
        assert (summary.create, summary.update) == expected[file_format]
        assert preview.applied is False
        assert applied.applied is True
        assert again.plan.summary.unchanged == 10
    changed = [c for c in applied.plan.changes if c.action == "update"]
    assert [(c.name, c.changed_fields) for c in changed] == [
        ("mail.copy.test", ["comment"])
    ]

    copied = {
        (
            r["type"],
            r["name"].replace("copy.test", ZONE),
            r["content"].replace("copy.test", ZONE),
            r["proxied"],
        )
        for r in fake.shown_records("copy.test")
    }
    original = {
        (r["type"], r["name"], r["content"], r["proxied"])
        for r in fake.shown_records(ZONE)
    }
    assert copied == original


async def test_edge_settings_and_certificates(
    dns_rules: Rules, fake: FakeCloudflare
) -> None:
    rules, _ = dns_rules
    fake.zone_named(ZONE).certificates = [
        {
            "hostname": "example.test",
            "certificate_status": "active",
            "validation_method": "txt",
        },
        {"hostname": "www.example.test", "certificate_status": "pending_deployment"},
    ]

    changed = await service.change_edge_setting(
        dns=rules, request=EdgeSettingChange(zone=ZONE, setting="ssl", value="strict")
    )
    edge = await service.edge_security(dns=rules, zone=ZONE)

    assert changed.value == "strict"
    assert [(s.id, s.value, s.writable) for s in edge.settings] == [
        ("ssl", "strict", True),
        ("always_use_https", "off", True),
        ("min_tls_version", "1.0", True),
        ("security_level", "medium", True),
        ("waf", "off", True),
    ]
    assert [(c.hostname, c.status) for c in edge.certificates] == [
        ("example.test", "active"),
        ("www.example.test", "pending_deployment"),
    ]


async def test_waf_managed_rules_live_in_the_managed_phase_entrypoint(
    dns_rules: Rules, fake: FakeCloudflare
) -> None:
    rules, _ = dns_rules
    zone = fake.zone_named(ZONE)
    other_rule = {
        "action": "execute",
        "action_parameters": {"id": "4814384a9e5d4991b9815dcfc25d2f1f"},
        "expression": 'http.host eq "shop.example.test"',
        "enabled": True,
    }
    before = await service.edge_security(dns=rules, zone=ZONE)
    # Reading, and the dry run that asks about the token, keep nothing.
    assert zone.rulesets == {}

    zone.rulesets["http_request_firewall_managed"] = {
        "id": "f" * 32,
        "name": "zone",
        "description": "",
        "kind": "zone",
        "phase": "http_request_firewall_managed",
        "version": "1",
        "last_updated": "2026-01-01T00:00:00.000000Z",
        "rules": [{**other_rule, "id": "1" * 32, "ref": "1" * 32, "version": "1"}],
    }
    turned_on = await service.change_edge_setting(
        dns=rules, request=EdgeSettingChange(zone=ZONE, setting="waf", value="on")
    )
    after_on = await service.edge_security(dns=rules, zone=ZONE)
    turned_off = await service.change_edge_setting(
        dns=rules, request=EdgeSettingChange(zone=ZONE, setting="waf", value="off")
    )
    after_off = await service.edge_security(dns=rules, zone=ZONE)

    [waf] = [s for s in before.settings if s.id == "waf"]
    assert (waf.value, waf.readable, waf.writable) == ("off", True, True)
    assert (turned_on.value, turned_off.value) == ("on", "off")
    assert [s.value for s in after_on.settings if s.id == "waf"] == ["on"]
    assert [s.value for s in after_off.settings if s.id == "waf"] == ["off"]
    ruleset = zone.rulesets["http_request_firewall_managed"]
    assert ruleset["version"] == "3"
    assert [
        (
            r["id"] if r["id"] == "1" * 32 else "new",
            r["action"],
            r["action_parameters"]["id"],
            r["expression"],
            r["enabled"],
        )
        for r in ruleset["rules"]
    ] == [
        (
            "1" * 32,
            "execute",
            "4814384a9e5d4991b9815dcfc25d2f1f",
            'http.host eq "shop.example.test"',
            True,
        ),
        ("new", "execute", "efb7b8c949ac4650a09736fc376e9aee", "true", False),
    ]
    # One dry run when the Security page first asks, then one PUT per change.
    assert [
        (c.method, c.path.rsplit("/", 3)[-3:])
        for c in fake.changing_calls()
        if "/rulesets/" in c.path
    ] == [
        ("PUT", ["phases", "http_request_firewall_managed", "entrypoint"]),
        ("PUT", ["phases", "http_request_firewall_managed", "entrypoint"]),
        ("PUT", ["phases", "http_request_firewall_managed", "entrypoint"]),
    ]


async def test_a_site_gets_its_cname_and_ingress_rule(
    dns_rules: Rules, fake: FakeCloudflare
) -> None:
    rules, _ = dns_rules
    fake.tunnel_ingress = [
        {"hostname": "old.example.test", "service": "http://127.0.0.1:80"},
        {"service": "http_status:404"},
    ]

    route = await service.route_site(dns=rules, hostname="Blog.Example.Test")
    again = await service.route_site(dns=rules, hostname="blog.example.test")

    assert (route.dns_changed, route.ingress_changed) == (True, True)
    assert (again.dns_changed, again.ingress_changed) == (False, False)
    [record] = fake.shown_records(ZONE)
    assert (record["type"], record["name"], record["content"], record["proxied"]) == (
        "CNAME",
        "blog.example.test",
        f"{fake.tunnel_id}.cfargotunnel.com",
        True,
    )
    assert fake.tunnel_ingress == [
        {"hostname": "old.example.test", "service": "http://127.0.0.1:80"},
        {"hostname": "blog.example.test", "service": "http://127.0.0.1:80"},
        {"service": "http_status:404"},
    ]
