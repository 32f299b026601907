"""The running service: endpoints on the bus, and the events it acts on.

The mail flow runs the real mailbox-service beside it: creating a domain
there leads, with nothing else asked, to its MX, SPF, DKIM and DMARC
records at the fake Cloudflare.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict

from homehost.dns.schemas import ApplyResult, Plan, ZoneList
from homehost.dns.service import definition as dns_definition
from homehost.dns.settings import DnsSettings
from homehost.dns.testing import FakeCloudflare
from homehost.shared.bus import Bus
from homehost.shared.bus.events import publish_event
from homehost.shared.errors import InvalidRequest, ServiceUnavailable
from homehost.shared.events.site import SiteCreated
from homehost.shared.health import ServiceHealth
from homehost.shared.runtime import (
    ServiceContext,
    ServiceDefinition,
    StartedService,
    start_service,
)
from homehost.shared.settings import ServiceSettings

from .conftest import TOKEN, ZONE, eventually

Start = Callable[[ServiceDefinition, ServiceSettings], Awaitable[ServiceContext]]


class AnyReply(BaseModel):
    """A reply read without its schema."""

    model_config = ConfigDict(extra="allow")


@pytest.fixture
async def start() -> AsyncIterator[Start]:
    """Run services until the test ends."""
    running: list[StartedService] = []

    async def run(
        definition: ServiceDefinition, settings: ServiceSettings
    ) -> ServiceContext:
        started = await start_service(definition, settings=settings)
        running.append(started)
        return started.context

    try:
        yield run
    finally:
        for started in running:
            await started.stop()


def dns_settings(fake: FakeCloudflare, namespace: str) -> DnsSettings:
    """The dns service pointed at the fake and the test's bus."""
    return DnsSettings(
        environment="development",
        bus_namespace=namespace,
        cloudflare_api_token=TOKEN,
        cloudflare_base_url=fake.base_url,
        account_id=fake.account_id,
        tunnel_id=fake.tunnel_id,
    )


async def test_endpoints_and_a_site_event(
    start: Start, bus: Bus, namespace: str, fake: FakeCloudflare
) -> None:
    await start(dns_definition, dns_settings(fake, namespace))

    zones = await bus.request("api.dns.zones.list", {}, ZoneList)
    assert [z.name for z in zones.zones] == [ZONE]
    with pytest.raises(InvalidRequest) as refused:
        await bus.request(
            "api.dns.plan",
            {
                "zone": ZONE,
                "records": [
                    {
                        "type": "MX",
                        "name": "@",
                        "content": "mx.example.net",
                        "priority": 5,
                        "proxied": True,
                    }
                ],
            },
            Plan,
        )
    assert refused.value.details["errors"] == [
        {
            "field": "records[0].proxied",
            "message": "MX records cannot be proxied; only A, AAAA and CNAME records can",
        }
    ]
    applied = await bus.request(
        "api.dns.apply",
        {
            "zone": ZONE,
            "records": [{"type": "A", "name": "www", "content": "192.0.2.8"}],
        },
        ApplyResult,
    )
    assert (applied.applied, applied.batches) == (True, 1)

    await publish_event(bus, SiteCreated(site="blog", hostnames=["blog.example.test"]))

    async def routed() -> bool:
        names = {(r["type"], r["name"]) for r in fake.shown_records(ZONE)}
        return ("CNAME", "blog.example.test") in names and len(fake.tunnel_ingress) == 2

    await eventually(routed)
    assert fake.tunnel_ingress[0] == {
        "hostname": "blog.example.test",
        "service": "http://127.0.0.1:80",
    }


async def test_a_new_mail_domain_gets_its_records_without_a_click(
    start: Start,
    bus: Bus,
    namespace: str,
    fake: FakeCloudflare,
    make_database: Callable[[str], Awaitable[str]],
    tmp_path: Path,
) -> None:
    mailbox = pytest.importorskip("homehost.mailbox.service")
    from homehost.mailbox.settings import MailboxSettings

    await start(dns_definition, dns_settings(fake, namespace))
    await start(
        mailbox.definition,
        MailboxSettings(
            environment="development",
            bus_namespace=namespace,
            database_name=await make_database("mailbox"),
            database_user="root",
            state_dir=tmp_path / "state",
            dkim_keys_dir=tmp_path / "dkim",
            allow_test_domains=True,
        ),
    )

    await bus.request("api.mailbox.domains.create", {"name": ZONE}, AnyReply)

    def mail_records() -> dict[tuple[str, str], list[dict[str, Any]]]:
        found: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for record in fake.shown_records(ZONE):
            found.setdefault((record["type"], record["name"]), []).append(record)
        return found

    async def published() -> bool:
        return len(fake.shown_records(ZONE)) == 6

    await eventually(published)
    found = mail_records()
    assert sorted(r["content"] for r in found[("MX", ZONE)]) == [
        "route1.mx.cloudflare.net",
        "route2.mx.cloudflare.net",
        "route3.mx.cloudflare.net",
    ]
    [spf] = found[("TXT", ZONE)]
    assert spf["content"].startswith("v=spf1 include:_spf.mx.cloudflare.net")
    [dmarc] = found[("TXT", f"_dmarc.{ZONE}")]
    assert dmarc["content"] == f"v=DMARC1; p=quarantine; rua=mailto:dmarc@{ZONE}"
    dkim = [key for key in found if key[1].endswith(f"._domainkey.{ZONE}")]
    assert len(dkim) == 1
    assert all(r["proxied"] is False for r in fake.shown_records(ZONE))

    await bus.request("api.mailbox.dkim.rotate", {"domain": ZONE}, AnyReply)

    async def rotated() -> bool:
        return len(fake.shown_records(ZONE)) == 7

    await eventually(rotated)
    changing = len(fake.changing_calls())
    again = await bus.request("api.dns.mail.apply", {"domain": ZONE}, ApplyResult)
    assert again.applied is False
    assert len(fake.changing_calls()) == changing


async def test_without_a_token_the_service_runs_and_says_cloudflare_is_unset(
    start: Start, bus: Bus, namespace: str, fake: FakeCloudflare
) -> None:
    settings = DnsSettings(bus_namespace=namespace, cloudflare_base_url=fake.base_url)
    assert settings.cloudflare_api_token is None
    await start(dns_definition, settings)

    health = await bus.request("api.dns.health", {}, ServiceHealth)
    assert health.status == "degraded"
    dependencies = {d.name: (d.ok, d.detail) for d in health.dependencies}
    assert dependencies == {
        "jetstream": (True, ""),
        "cloudflare": (
            False,
            "not configured: set HOMEHOST_DNS_CLOUDFLARE_API_TOKEN(_FILE)",
        ),
    }
    with pytest.raises(ServiceUnavailable) as refused:
        await bus.request("api.dns.zones.list", {}, ZoneList)
    assert refused.value.message == (
        "not configured: set HOMEHOST_DNS_CLOUDFLARE_API_TOKEN(_FILE)"
    )
    assert fake.calls == []
