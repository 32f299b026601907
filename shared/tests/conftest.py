"""Fixtures for the bus tests: more connections, services and consumers."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from homehost.shared.bus import Bus, BusService, EventConsumer, connect_bus

NATS_URL = "nats://127.0.0.1:4222"

BusFactory = Callable[[], Awaitable[Bus]]
ServiceFactory = Callable[..., Awaitable[BusService]]
ConsumerFactory = Callable[..., Awaitable["asyncio.Task[None]"]]


@pytest.fixture
async def connect_another(namespace: str) -> AsyncIterator[BusFactory]:
    """Open more connections in the test's namespace; each is closed after."""
    opened: list[Bus] = []

    async def connect() -> Bus:
        connection = await connect_bus(
            NATS_URL, name="homehost-test-extra", namespace=namespace
        )
        opened.append(connection)
        return connection

    try:
        yield connect
    finally:
        for connection in opened:
            await connection.close()


@pytest.fixture
async def start_service() -> AsyncIterator[ServiceFactory]:
    """Start bus services for the test; each is stopped after."""
    started: list[BusService] = []

    async def start(bus: Bus, name: str = "greeter") -> BusService:
        service = BusService(bus, name=name, version="1.0.0")
        await service.start()
        started.append(service)
        return service

    try:
        yield start
    finally:
        for service in started:
            await service.stop()


@pytest.fixture
async def run_consumer() -> AsyncIterator[ConsumerFactory]:
    """Run event consumers in background tasks; each is cancelled after."""
    tasks: list[asyncio.Task[None]] = []

    async def run(bus: Bus, **options: Any) -> asyncio.Task[None]:
        consumer = EventConsumer(bus, **options)
        task = asyncio.create_task(consumer.run())
        tasks.append(task)
        return task

    try:
        yield run
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task


Condition = Callable[[], bool | Awaitable[bool]]


async def wait_until(condition: Condition, *, attempts: int = 100) -> None:
    """Wait until `condition()` is true, checking every tenth of a second."""
    for _ in range(attempts):
        outcome = condition()
        if inspect.isawaitable(outcome):
            outcome = await outcome
        if outcome:
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the condition never became true")


@pytest.fixture
def eventually() -> Callable[..., Awaitable[None]]:
    """`await eventually(condition)`: wait until an async check passes."""
    return wait_until


async def consumer_settled(bus: Bus, durable: str) -> bool:
    """Whether consumer `durable` has nothing left to deliver or to confirm."""
    info = await bus.jetstream.consumer_info(bus.events_stream, bus.name(durable))
    return bool(info.num_pending == 0 and info.num_ack_pending == 0)


@pytest.fixture
def settled() -> Callable[[Bus, str], Awaitable[bool]]:
    """`await settled(bus, durable)`: every event delivered and settled."""
    return consumer_settled
