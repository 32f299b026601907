"""Bad input and failures: each refused with a clear error, nothing half-done."""

from __future__ import annotations

from typing import Any

import pytest

from homehost.dns import service
from homehost.dns.errors import (
    CloudflareRejected,
    FieldProblems,
    PermissionMissing,
    RateLimited,
    ZoneNotFound,
)
from homehost.dns.schemas import (
    ApplyRequest,
    EdgeSettingChange,
    PlanRequest,
    RecordSpec,
)
from homehost.dns.testing import FakeCloudflare, FakeZone

from .conftest import TOKEN, ZONE, MakeDns, Published

Rules = tuple[service.Dns, Published]


def spec(record_type: str, name: str, content: str, **more: Any) -> RecordSpec:
    """A desired record."""
    return RecordSpec(type=record_type, name=name, content=content, **more)  # type: ignore[arg-type]


def snapshot(fake: FakeCloudflare) -> set[tuple[Any, ...]]:
    """The zone's records without their ids."""
    return {
        (r["type"], r["name"], r["content"], r["ttl"], r["proxied"], r["comment"])
        for r in fake.zone_named(ZONE).records.values()
    }


async def test_invalid_content_names_each_field(
    dns_rules: Rules, fake: FakeCloudflare
) -> None:
    rules, _ = dns_rules
    records = [
        spec("A", "www", "2001:db8::1"),
        spec("AAAA", "www", "192.0.2.1"),
        spec("MX", "@", "mail.example.test"),
        spec("CNAME", "bad_-.", "x.example.net"),
        spec("A", "api", "192.0.2.7", ttl=30),
        spec("MX", "@", "192.0.2.9", priority=10),
    ]

    with pytest.raises(FieldProblems) as refused:
        await service.plan(dns=rules, request=PlanRequest(zone=ZONE, records=records))

    assert refused.value.problems == [
        {
            "field": "records[0].content",
            "message": "an A record needs an IPv4 address; 2001:db8::1 is IPv6",
        },
        {
            "field": "records[1].content",
            "message": "an AAAA record needs an IPv6 address; 192.0.2.1 is IPv4",
        },
        {
            "field": "records[2].priority",
            "message": "MX records need a priority from 0 to 65535",
        },
        {
            "field": "records[3].name",
            "message": "label 'bad_-' may hold only letters, digits, '-' and '_', "
            "and may not start or end with '-'",
        },
        {
            "field": "records[4].ttl",
            "message": "must be 1 (automatic) or from 60 to 86400 seconds",
        },
        {
            "field": "records[5].content",
            "message": "192.0.2.9 is an IP address; a host name is required here",
        },
    ]
    assert refused.value.code == "invalid_request"
    assert fake.calls == []


async def test_spf_and_dmarc_are_checked_offline(
    dns_rules: Rules, fake: FakeCloudflare
) -> None:
    rules, _ = dns_rules
    includes = " ".join(f"include:s{i}.example.net" for i in range(11))
    cases = [
        (spec("TXT", "@", "v=spf1 mx foo:bar -all"), "foo is not a valid SPF"),
        (spec("TXT", "@", f"v=spf1 {includes} -all"), "11/10"),
        (spec("TXT", "_dmarc", "v=DMARC1; p=bogus"), "Tag p must have one of"),
    ]
    for record, reason in cases:
        with pytest.raises(FieldProblems) as refused:
            await service.plan(
                dns=rules, request=PlanRequest(zone=ZONE, records=[record])
            )
        [problem] = refused.value.problems
        assert problem["field"] == "records[0].content"
        assert reason in problem["message"]

    two_spf = [
        spec("TXT", "@", "v=spf1 mx -all"),
        spec("TXT", "@", "v=spf1 include:_spf.mx.cloudflare.net ~all"),
    ]
    with pytest.raises(FieldProblems) as refused:
        await service.plan(dns=rules, request=PlanRequest(zone=ZONE, records=two_spf))
    assert [p["field"] for p in refused.value.problems] == [
        "records[0].content",
        "records[1].content",
    ]
    assert refused.value.problems[0]["message"] == (
        "example.test would have 2 SPF policies; a name may have only one "
        "(RFC 7208 section 3.2)"
    )
    assert fake.changing_calls() == []


async def test_an_spf_include_outside_the_zone_is_named_as_not_counted(
    dns_rules: Rules, fake: FakeCloudflare
) -> None:
    rules, _ = dns_rules
    records = [
        spec("TXT", "@", "v=spf1 include:_spf.mx.cloudflare.net -all"),
        spec("TXT", "lists", "v=spf1 include:example.test ~all"),
    ]

    plan = await service.plan(
        dns=rules, request=PlanRequest(zone=ZONE, records=records)
    )

    assert plan.warnings == [
        "SPF of example.test: _spf.mx.cloudflare.net is outside example.test, so "
        "it counts as one DNS lookup; the lookups nested in it were not counted "
        "toward the limit of 10",
        "SPF of lists.example.test: _spf.mx.cloudflare.net is outside "
        "example.test, so it counts as one DNS lookup; the lookups nested in it "
        "were not counted toward the limit of 10",
    ]
    assert fake.changing_calls() == []


async def test_name_conflicts_are_refused_locally_and_at_cloudflare(
    dns_rules: Rules, fake: FakeCloudflare
) -> None:
    rules, _ = dns_rules
    zone = fake.zone_named(ZONE)
    fake.put_record(zone, {"type": "A", "name": "blog", "content": "192.0.2.5"})
    fake.calls.clear()

    with pytest.raises(FieldProblems) as refused:
        await service.apply(
            dns=rules,
            request=ApplyRequest(
                zone=ZONE, records=[spec("CNAME", "blog", "www.example.test")]
            ),
        )
    assert refused.value.problems == [
        {
            "field": "records[0].type",
            "message": "a CNAME cannot share its name with other records; "
            "blog.example.test also has A",
        }
    ]
    with pytest.raises(FieldProblems) as refused:
        await service.plan(
            dns=rules,
            request=PlanRequest(
                zone=ZONE,
                records=[
                    spec("A", "x", "192.0.2.1"),
                    spec("A", "x.example.test.", "192.0.2.1"),
                ],
            ),
        )
    assert refused.value.problems == [
        {"field": "records[1]", "message": "the same A record as records[0]"}
    ]
    assert fake.changing_calls() == []

    # Another client adds a CNAME between the plan and the batch: Cloudflare
    # refuses the batch whole (81054) and the error carries its code.
    def race(staged: FakeZone, number: int) -> None:
        fake.put_record(
            staged, {"type": "CNAME", "name": "shop", "content": "x.example.net"}
        )

    fake.on_batch = race
    with pytest.raises(CloudflareRejected) as rejected:
        await service.apply(
            dns=rules,
            request=ApplyRequest(
                zone=ZONE,
                records=[spec("A", "shop", "192.0.2.6"), spec("A", "www", "192.0.2.7")],
            ),
        )
    assert rejected.value.codes == [81054]
    assert rejected.value.message == (
        "Cloudflare refused batch 1 of 1 for example.test (81054 A CNAME record "
        "with that host already exists.); nothing was changed"
    )
    assert {(r["type"], r["name"]) for r in zone.records.values()} == {
        ("A", "blog.example.test"),
        ("CNAME", "shop.example.test"),
    }


async def test_unknown_zone(dns_rules: Rules) -> None:
    rules, _ = dns_rules
    with pytest.raises(ZoneNotFound) as missing:
        await service.plan(
            dns=rules,
            request=PlanRequest(
                zone="nope.test", records=[spec("A", "www", "192.0.2.1")]
            ),
        )
    assert missing.value.code == "not_found"
    assert missing.value.details == {"zone": "nope.test"}


async def test_a_storm_of_429s_is_waited_out_and_reported(
    make_dns: MakeDns, fake: FakeCloudflare
) -> None:
    rules, published = await make_dns(rate_limit_attempts=3)
    fake.rate_limit_only = "/batch"
    fake.rate_limit_next = 2

    result = await service.apply(
        dns=rules,
        request=ApplyRequest(zone=ZONE, records=[spec("A", "www", "192.0.2.1")]),
    )

    assert result.applied is True
    assert result.rate_limit_waits == 2
    progress = [
        (e.stage, e.batch, e.batches, e.wait_seconds, e.attempt)
        for e in published.of("dns.apply.progress")
    ]
    assert progress == [
        ("rate_limited", 1, 1, 1.0, 2),
        ("rate_limited", 1, 1, 1.0, 3),
        ("batch_applied", 1, 1, 0.0, 0),
    ]
    assert [c.status for c in fake.calls if c.path.endswith("/batch")] == [
        429,
        429,
        200,
    ]

    fake.rate_limit_next = 5
    before = snapshot(fake)
    with pytest.raises(RateLimited) as limited:
        await service.apply(
            dns=rules,
            request=ApplyRequest(zone=ZONE, records=[spec("A", "api", "192.0.2.2")]),
        )
    assert limited.value.code == "unavailable"
    assert limited.value.message == (
        "Cloudflare kept answering 429 to apply a batch of 0 deletes, 0 patches "
        "and 1 posts after 3 tries; nothing more was sent"
    )
    assert snapshot(fake) == before


async def test_a_batch_that_fails_halfway_leaves_the_zone_as_it_was(
    make_dns: MakeDns, fake: FakeCloudflare
) -> None:
    rules, published = await make_dns(batch_limit=2)
    await service.apply(
        dns=rules,
        request=ApplyRequest(
            zone=ZONE,
            records=[spec("A", "old", "192.0.2.1"), spec("A", "keep", "192.0.2.2")],
        ),
    )
    before = snapshot(fake)

    # Batch 2 of 3 meets a record another client just added: Cloudflare
    # refuses that batch whole, and batch 1 is undone.
    def race(staged: FakeZone, number: int) -> None:
        if number == 3:
            fake.put_record(
                staged, {"type": "A", "name": "c2", "content": "192.0.2.12"}
            )

    fake.on_batch = race
    with pytest.raises(CloudflareRejected) as rejected:
        await service.apply(
            dns=rules,
            request=ApplyRequest(
                zone=ZONE,
                scope="zone",
                records=[
                    spec("A", "keep", "192.0.2.3"),
                    spec("A", "c1", "192.0.2.11"),
                    spec("A", "c2", "192.0.2.12"),
                    spec("A", "c3", "192.0.2.13"),
                ],
            ),
        )

    assert rejected.value.codes == [81058]
    assert rejected.value.message == (
        "Cloudflare refused batch 2 of 3 for example.test (81058 An identical "
        "record already exists.); the 1 batches before it were undone; nothing "
        "was changed"
    )
    racer = ("A", "c2.example.test", "192.0.2.12", 1, False, None)
    assert snapshot(fake) == before | {racer}
    assert published.of("dns.changed")[1:] == []
    assert [e.stage for e in published.of("dns.apply.progress")][-2:] == [
        "batch_applied",
        "rolled_back",
    ]


async def test_a_token_without_permission_is_named(
    make_dns: MakeDns, fake: FakeCloudflare
) -> None:
    fake.add_token("read-only-token-123", frozenset({"zone:read", "dns:read"}))
    rules, _ = await make_dns(token="read-only-token-123")

    with pytest.raises(PermissionMissing) as refused:
        await service.apply(
            dns=rules,
            request=ApplyRequest(zone=ZONE, records=[spec("A", "www", "192.0.2.1")]),
        )
    assert refused.value.code == "forbidden"
    assert refused.value.message == (
        "the Cloudflare API token lacks the permission 'Zone / DNS / Edit' needed "
        "to apply a batch of 0 deletes, 0 patches and 1 posts"
    )

    edge = await service.edge_security(dns=rules, zone=ZONE)
    assert [
        (s.id, s.value, s.readable, s.missing_permission) for s in edge.settings
    ] == [
        ("ssl", None, False, "Zone / Zone Settings / Read"),
        ("always_use_https", None, False, "Zone / Zone Settings / Read"),
        ("min_tls_version", None, False, "Zone / Zone Settings / Read"),
        ("security_level", None, False, "Zone / Zone Settings / Read"),
        ("waf", None, False, "Zone / Zone WAF / Read"),
    ]
    assert edge.certificates_readable is False
    assert edge.certificates_missing_permission == "Zone / SSL and Certificates / Read"

    fake.add_token(
        "settings-read-token",
        frozenset({"zone:read", "zone_settings:read", "ssl:read", "waf:read"}),
    )
    reader, _ = await make_dns(token="settings-read-token")
    edge = await service.edge_security(dns=reader, zone=ZONE)
    assert [
        (s.id, s.value, s.writable, s.missing_permission) for s in edge.settings
    ] == [
        ("ssl", "full", False, "Zone / Zone Settings / Edit"),
        ("always_use_https", "off", False, "Zone / Zone Settings / Edit"),
        ("min_tls_version", "1.0", False, "Zone / Zone Settings / Edit"),
        ("security_level", "medium", False, "Zone / Zone Settings / Edit"),
        ("waf", "off", False, "Zone / Zone WAF / Edit"),
    ]
    with pytest.raises(PermissionMissing) as refused:
        await service.change_edge_setting(
            dns=reader,
            request=EdgeSettingChange(
                zone=ZONE, setting="always_use_https", value="on"
            ),
        )
    assert refused.value.details == {
        "permission": "Zone / Zone Settings / Edit",
        "action": "change the always_use_https setting",
    }
    assert fake.zone_named(ZONE).settings["always_use_https"] == "off"
    with pytest.raises(PermissionMissing) as refused:
        await service.change_edge_setting(
            dns=reader, request=EdgeSettingChange(zone=ZONE, setting="waf", value="on")
        )
    assert refused.value.details == {
        "permission": "Zone / Zone WAF / Edit",
        "action": "change the WAF managed rules",
    }
    assert fake.zone_named(ZONE).rulesets == {}

    fake.tokens.pop(TOKEN)
    rules, _ = await make_dns()
    with pytest.raises(PermissionMissing) as refused:
        await service.list_zones(dns=rules)
    assert refused.value.details["permission"] == "a valid API token"
