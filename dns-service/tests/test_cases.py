"""Cases C15 (long DKIM TXT) and C16 (proxied mail records) from the case log."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import dns.zone
import pytest

from homehost.dns import service
from homehost.dns.errors import FieldProblems
from homehost.dns.records import normalise_content, txt_strings
from homehost.dns.schemas import (
    ApplyRequest,
    PlanRequest,
    RecordSpec,
    ZoneExportRequest,
)
from homehost.dns.testing import FakeCloudflare

from .conftest import ZONE, Published

CASES = Path(__file__).resolve().parents[3] / "shared" / "cases" / "inputs"


def case(name: str) -> dict[str, Any]:
    """One case's input, or a skip when the case log is not beside the checkout."""
    path = CASES / name
    if not path.exists():
        pytest.skip(f"the case log is not at {CASES}")
    return dict(json.loads(path.read_text()))


async def test_c15_every_form_of_a_long_dkim_value_is_one_value(
    dns_rules: tuple[service.Dns, Published], fake: FakeCloudflare
) -> None:
    rules, published = dns_rules
    data = case("C15.json")
    create = data["request_create"]
    value = create["content"]
    assert len(value) == data["content_length"] == 410

    first = await service.apply(
        dns=rules, request=ApplyRequest(zone=ZONE, records=[RecordSpec(**create)])
    )

    assert first.applied is True
    assert first.batches == 1
    assert [c.method for c in fake.changing_calls()] == ["POST"]
    stored = fake.zone_named(ZONE).records
    assert [r["content"] for r in stored.values()] == [value]
    shown = fake.shown_records(ZONE)[0]["content"]
    assert shown == f'"{value[:255]}" "{value[255:]}"'
    assert len(published.of("dns.changed")) == 1

    for variant in data["variants_that_must_be_treated_as_equal"]:
        again = await service.apply(
            dns=rules,
            request=ApplyRequest(
                zone=ZONE, records=[RecordSpec(**{**create, "content": variant})]
            ),
        )
        assert again.applied is False
        assert again.plan.summary.unchanged == 1
        assert again.plan.summary.update == 0
    assert len(fake.changing_calls()) == 1
    assert '"' not in next(iter(stored.values()))["content"]

    exported = await service.export_zone(
        dns=rules, request=ZoneExportRequest(zone=ZONE, format="bind")
    )
    zone = dns.zone.from_text(
        exported.text, origin=f"{ZONE}.", relativize=False, check_origin=False
    )
    rdataset = zone.find_rdataset(create["name"] + ".", "TXT")
    strings = next(iter(rdataset)).strings
    assert [len(s) for s in strings] == [255, 155]
    assert b"".join(strings).decode() == value
    assert b"".join(strings).startswith(b"v=DKIM1;")


async def test_c16_proxied_mail_records_are_refused_before_any_call(
    dns_rules: tuple[service.Dns, Published], fake: FakeCloudflare
) -> None:
    rules, _ = dns_rules
    data = case("C16.json")
    batch = [RecordSpec(**record) for record in data["batch"]]

    with pytest.raises(FieldProblems) as refused:
        await service.apply(dns=rules, request=ApplyRequest(zone=ZONE, records=batch))
    assert refused.value.problems == [
        {
            "field": "records[0].proxied",
            "message": "MX records cannot be proxied; only A, AAAA and CNAME "
            "records can",
        },
        {
            "field": "records[1].proxied",
            "message": "TXT records cannot be proxied; only A, AAAA and CNAME "
            "records can",
        },
    ]
    assert fake.calls == []

    mail_fixed = [
        batch[0].model_copy(update={"proxied": False}),
        batch[1].model_copy(update={"proxied": False}),
        *batch[2:],
    ]
    with pytest.raises(FieldProblems) as refused:
        await service.plan(
            dns=rules, request=PlanRequest(zone=ZONE, records=mail_fixed)
        )
    assert refused.value.problems == [
        {
            "field": "records[2].proxied",
            "message": "mail.example.test is the target of an MX record; mail must "
            "reach it directly, so it must be DNS-only (proxied: false)",
        }
    ]
    assert fake.changing_calls() == []

    good = [
        *mail_fixed[:2],
        mail_fixed[2].model_copy(update={"proxied": False}),
        *batch[3:],
    ]
    result = await service.apply(
        dns=rules, request=ApplyRequest(zone=ZONE, records=good)
    )
    assert result.batches == 1
    assert result.plan.summary.create == 5
    assert result.plan.warnings == [
        "records[3]: A www.example.test is proxied, so its TTL is automatic (1), not 300"
    ]
    shown = {(r["type"], r["name"]): r for r in fake.shown_records(ZONE)}
    assert shown[("A", "www.example.test")]["ttl"] == 1
    assert shown[("A", "www.example.test")]["proxied"] is True
    assert shown[("CNAME", "blog.example.test")]["proxied"] is True
    assert shown[("MX", "example.test")]["proxied"] is False
    assert shown[("A", "mail.example.test")]["ttl"] == 300

    again = await service.apply(
        dns=rules, request=ApplyRequest(zone=ZONE, records=good)
    )
    assert again.applied is False
    assert len(fake.changing_calls()) == 1


def test_digits_beyond_ascii_are_no_number_in_srv_or_txt() -> None:
    with pytest.raises(
        ValueError, match=r"^SRV port must be a number from 0 to 65535$"
    ):
        normalise_content("SRV", "5 ²³ target.example.com")
    # "\²²²" is no decimal escape: the backslash only quotes the next character.
    assert txt_strings('"a\\²²²"') == [b"a\xc2\xb2\xc2\xb2\xc2\xb2"]
