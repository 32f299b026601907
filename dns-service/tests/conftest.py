"""A fake Cloudflare and the dns service's rules wired to it.

Tests reach Cloudflare only through `FakeCloudflare` on 127.0.0.1; the
bus, where a test needs it, is the real NATS of this machine.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from homehost.dns.adapters.cloudflare import CloudflareApi
from homehost.dns.service import Dns
from homehost.dns.settings import DnsSettings
from homehost.dns.testing import FakeCloudflare
from homehost.shared.bus.events import Event

TOKEN = "token-for-tests-0123456789"
ZONE = "example.test"


@pytest.fixture
async def fake() -> AsyncIterator[FakeCloudflare]:
    """A running fake Cloudflare with one zone and a token with every scope."""
    server = FakeCloudflare()
    server.add_token(TOKEN)
    server.add_zone(ZONE)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@dataclass
class Published:
    """The events a test's rules published, in order."""

    events: list[Event] = field(default_factory=list)

    async def __call__(self, event: Event) -> int:
        self.events.append(event)
        return len(self.events)

    def of(self, subject: str) -> list[Any]:
        """The events with one subject."""
        return [e for e in self.events if e.subject == subject]


MakeDns = Callable[..., Awaitable[tuple[Dns, Published]]]


@pytest.fixture
async def make_dns(fake: FakeCloudflare) -> AsyncIterator[MakeDns]:
    """Build the rules against the fake; keyword arguments override settings."""
    apis: list[CloudflareApi] = []

    async def make(token: str = TOKEN, **overrides: Any) -> tuple[Dns, Published]:
        values: dict[str, Any] = {
            "environment": "development",
            "cloudflare_api_token": token,
            "cloudflare_base_url": fake.base_url,
            "account_id": fake.account_id,
            "tunnel_id": fake.tunnel_id,
            "rate_limit_max_wait": 2.0,
        }
        values.update(overrides)
        settings = DnsSettings(**values)
        api = CloudflareApi(
            api_token=settings.cloudflare_api_token.get_secret_value(),
            base_url=settings.cloudflare_base_url,
            account_id=settings.account_id,
            tunnel_id=settings.tunnel_id,
            page_size=settings.page_size,
            rate_limit_attempts=settings.rate_limit_attempts,
            rate_limit_max_wait=settings.rate_limit_max_wait,
        )
        apis.append(api)
        published = Published()
        return Dns(settings=settings, api=api, publish=published), published

    try:
        yield make
    finally:
        for api in apis:
            await api.close()


@pytest.fixture
async def dns_rules(make_dns: MakeDns) -> tuple[Dns, Published]:
    """The rules with default settings against the fake."""
    return await make_dns()


async def eventually(
    check: Callable[[], Awaitable[bool]], *, seconds: float = 20
) -> None:
    """Wait until `check` passes; fail after `seconds`."""
    deadline = asyncio.get_running_loop().time() + seconds
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("the condition did not hold in time")
        await asyncio.sleep(0.1)
