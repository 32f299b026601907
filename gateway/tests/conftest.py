"""Fixtures for gateway tests: a real gateway on a free port, and admins.

Each gateway runs through the service runtime against the machine's NATS
and MariaDB, in the test's own bus namespace and database; httpx talks to
it over HTTP.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiomysql
import httpx
import pytest

from homehost.dns.service import definition as dns_definition
from homehost.dns.settings import DnsSettings
from homehost.dns.testing import FakeCloudflare
from homehost.gateway import admins
from homehost.gateway.schemas import AdminPublic
from homehost.gateway.scopes import Role
from homehost.gateway.service import definition
from homehost.gateway.settings import GatewaySettings
from homehost.mail_ingest.service import definition as ingest_definition
from homehost.mail_ingest.settings import IngestSettings
from homehost.mail_ingest.signing import Envelope, signed_headers
from homehost.shared.runtime import ServiceContext, start_service
from tests.mail_servers import free_port

MARIADB_USER = os.environ.get("HOMEHOST_TEST_MARIADB_USER", "root")
MARIADB_PASSWORD = os.environ.get("HOMEHOST_TEST_MARIADB_PASSWORD", "")

PASSWORD = "kettle-orbit-lantern-42"
INGEST_SECRET = "worker-secret-for-gateway-tests-0123"


@dataclass
class Gateway:
    """A running gateway and the ways a test talks to it."""

    url: str
    settings: GatewaySettings
    context: ServiceContext
    password: str = PASSWORD

    def client(self, **options: Any) -> httpx.AsyncClient:
        """Return an HTTP client aimed at the gateway."""
        return httpx.AsyncClient(base_url=self.url, timeout=30, **options)

    async def add_admin(
        self, username: str, *, role: Role = "admin", password: str = PASSWORD
    ) -> AdminPublic:
        """Create an admin directly, as `homehost admin create` does."""
        return await admins.create_admin(
            self.context.pool, username=username, password=password, role=role
        )

    async def sql(self, statement: str, args: tuple[Any, ...] = ()) -> list[Any]:
        """Run SQL in the gateway's database (to age a session, say)."""
        async with (
            self.context.pool.acquire() as connection,
            connection.cursor(aiomysql.DictCursor) as cursor,
        ):
            await cursor.execute(statement, args)
            return list(await cursor.fetchall())

    async def log_in(
        self, client: httpx.AsyncClient, username: str, password: str = PASSWORD
    ) -> dict[str, Any]:
        """Log in by password; the client then sends the CSRF header itself."""
        response = await client.post(
            "/api/auth/login", json={"username": username, "password": password}
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        if body.get("csrf_token"):
            client.headers["X-CSRF-Token"] = body["csrf_token"]
        return body

    async def token_for(self, username: str, scopes: list[str], **fields: Any) -> str:
        """Log in as `username` and make an API token with `scopes`."""
        async with self.client() as client:
            await self.log_in(client, username)
            response = await client.post(
                "/api/tokens", json={"name": "test", "scopes": scopes, **fields}
            )
            assert response.status_code == 201, response.text
            token: str = response.json()["token"]
            return token


StartGateway = Callable[..., Awaitable[Gateway]]


@pytest.fixture
async def start_gateway(
    make_database: Callable[[str], Awaitable[str]],
    service_environment: dict[str, str],
    bus: object,
) -> AsyncIterator[StartGateway]:
    """Start gateways with given settings; each is stopped after the test."""
    running: list[tuple[asyncio.Event, asyncio.Task[None]]] = []

    async def start(**overrides: Any) -> Gateway:
        database = await make_database("gateway")
        settings = GatewaySettings(
            environment="development",
            port=0,
            database_name=database,
            database_user=MARIADB_USER,
            database_password=MARIADB_PASSWORD,
            **overrides,
        )
        started = await start_service(definition, settings=settings)
        running.append((started.stop_requested, started.task))
        context = started.context
        return Gateway(
            url=f"http://127.0.0.1:{context.http_port}",
            settings=settings,
            context=context,
        )

    try:
        yield start
    finally:
        for stop, _ in running:
            stop.set()
        for _, task in running:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(task, 30)


@pytest.fixture
async def gateway(start_gateway: StartGateway) -> Gateway:
    """A gateway with default settings and one admin, alice."""
    running = await start_gateway()
    await running.add_admin("alice")
    return running


@dataclass
class DnsService:
    """A running dns service: its fake Cloudflare, zone and API token there."""

    cloudflare: FakeCloudflare
    zone: str = "example.test"
    cloudflare_token: str = "cloudflare-token-for-tests-0123"


@pytest.fixture
async def dns_service(
    namespace: str, service_environment: dict[str, str]
) -> AsyncIterator[DnsService]:
    """The real dns service on the test's bus, against a fake Cloudflare.

    The fake holds one zone and accepts the service's token with every
    permission; a test narrows it with `cloudflare.add_token`.
    """
    running = DnsService(cloudflare=FakeCloudflare())
    fake = running.cloudflare
    fake.add_token(running.cloudflare_token)
    fake.add_zone(running.zone)
    await fake.start()
    settings = DnsSettings(
        environment="development",
        bus_namespace=namespace,
        cloudflare_api_token=running.cloudflare_token,
        cloudflare_base_url=fake.base_url,
        account_id=fake.account_id,
        tunnel_id=fake.tunnel_id,
        rate_limit_max_wait=2.0,
    )
    try:
        started = await start_service(dns_definition, settings=settings)
    except BaseException:
        await fake.stop()
        raise
    try:
        yield running
    finally:
        started.stop_requested.set()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(started.task, 30)
        await fake.stop()


class IngestService:
    """A running mail-ingest: POSTs exactly as the Email Worker does."""

    def __init__(self, url: str) -> None:
        self.url = url

    async def post(self, raw: bytes, *, sender: str, recipients: list[str]) -> Any:
        """The answer's JSON; the message is durable once it comes."""
        headers = signed_headers(
            INGEST_SECRET.encode(),
            body=raw,
            envelope=Envelope(sender=sender, recipients=tuple(recipients)),
        )
        async with httpx.AsyncClient(timeout=60) as client:
            answer = await client.post(
                f"{self.url}/v1/inbound", content=raw, headers=headers
            )
        assert answer.status_code in (200, 202, 422), answer.text
        return answer.json()


@pytest.fixture
async def ingest_service(
    namespace: str, make_database: Callable[[str], Awaitable[str]], scratch: Path
) -> AsyncIterator[IngestService]:
    """The real mail-ingest on the test's bus, its scanners and Dovecot away.

    Every accepted message is delivered unscanned (the default policy) and
    its delivery waits, deferred, until someone says "retry now".
    """
    settings = IngestSettings(
        environment="development",
        nats_url="nats://127.0.0.1:4222",
        bus_namespace=namespace,
        database_name=await make_database("ingest"),
        database_user="root",
        state_dir=scratch / "ingest-state",
        http_port=0,
        worker_secret=INGEST_SECRET,
        rspamd_url=f"http://127.0.0.1:{free_port()}",
        clamd_port=free_port(),
        lmtp_port=free_port(),
        answer_within_seconds=0.5,
        retry_unreachable_seconds=3600,
        retry_first_seconds=3600,
    )
    started = await start_service(ingest_definition, settings=settings)
    try:
        yield IngestService(f"http://127.0.0.1:{started.context.http_port}")
    finally:
        started.stop_requested.set()
        await started.task
