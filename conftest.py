"""Fixtures every test may use: a private bus namespace and database.

Tests talk to the NATS and MariaDB that run on this machine. Each test
gets its own subject namespace (and so its own events stream) and its own
databases, and everything is removed afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import aiomysql
import nats.js.errors
import pytest
import uvloop

from homehost.shared.bus import Bus, connect_bus

# Real Dovecot, Postfix and the mailbox service, for the tests of every
# package that needs them (the mailbox service's and the gateway's).
pytest_plugins = ("tests.mail_servers",)

NATS_URL = os.environ.get("HOMEHOST_TEST_NATS_URL", "nats://127.0.0.1:4222")
MARIADB_HOST = os.environ.get("HOMEHOST_TEST_MARIADB_HOST", "127.0.0.1")
MARIADB_PORT = int(os.environ.get("HOMEHOST_TEST_MARIADB_PORT", "3306"))
MARIADB_ADMIN_USER = os.environ.get("HOMEHOST_TEST_MARIADB_USER", "root")
MARIADB_ADMIN_PASSWORD = os.environ.get("HOMEHOST_TEST_MARIADB_PASSWORD", "")


def pytest_asyncio_loop_factories(
    config: pytest.Config, item: pytest.Item
) -> dict[str, Callable[[], asyncio.AbstractEventLoop]]:
    """Tests run on uvloop, the loop `homehost run` gives the services."""
    return {"uvloop": uvloop.new_event_loop}


@pytest.fixture
def namespace() -> str:
    """A bus namespace no other test uses."""
    return f"t{uuid.uuid4().hex[:10]}"


@pytest.fixture
async def bus(namespace: str) -> AsyncIterator[Bus]:
    """A bus connection inside the test's namespace; its stream is deleted after."""
    connection = await connect_bus(
        NATS_URL, name="homehost-test", namespace=namespace, connect_attempts=3
    )
    try:
        yield connection
    finally:
        with contextlib.suppress(nats.js.errors.NotFoundError):
            await connection.jetstream.delete_stream(connection.events_stream)
        await connection.close()


async def admin_connection() -> aiomysql.Connection:
    """A MariaDB connection with the rights to create databases and users."""
    return await aiomysql.connect(
        host=MARIADB_HOST,
        port=MARIADB_PORT,
        user=MARIADB_ADMIN_USER,
        password=MARIADB_ADMIN_PASSWORD,
        autocommit=True,
    )


@pytest.fixture
async def make_database() -> AsyncIterator[Callable[[str], Awaitable[str]]]:
    """Create empty databases for the test; each is dropped afterwards.

    `await make_database("label")` returns the new database's name.
    """
    connection = await admin_connection()
    created: list[str] = []

    async def make(label: str) -> str:
        name = f"hh_test_{uuid.uuid4().hex[:10]}_{label}"[:64]
        async with connection.cursor() as cursor:
            await cursor.execute(f"CREATE DATABASE `{name}`")
        created.append(name)
        return name

    try:
        yield make
    finally:
        async with connection.cursor() as cursor:
            for name in created:
                await cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
        connection.close()


@pytest.fixture
def service_environment(
    namespace: str, monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    """Environment variables that point every service at the test's bus."""
    values = {
        "HOMEHOST_ENVIRONMENT": "development",
        "HOMEHOST_NATS_URL": NATS_URL,
        "HOMEHOST_BUS_NAMESPACE": namespace,
        "HOMEHOST_MARIADB_HOST": MARIADB_HOST,
        "HOMEHOST_MARIADB_PORT": str(MARIADB_PORT),
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values
