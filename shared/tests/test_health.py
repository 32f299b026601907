"""Each service's health report, and the report of them all."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from homehost.shared.bus import Bus, connect_bus
from homehost.shared.health import collect_health
from homehost.shared.runtime import ServiceContext, ServiceDefinition, Supervisor
from homehost.shared.settings import ServiceSettings

NATS_URL = "nats://127.0.0.1:4222"


async def add_checks(context: ServiceContext) -> None:
    """Report one dependency that hangs and one that refuses."""

    async def hangs() -> None:
        await asyncio.Event().wait()

    async def refuses() -> None:
        raise ConnectionRefusedError("connection refused by 127.0.0.1:24")

    context.add_health_check("dovecot", hangs)
    context.add_health_check("lmtp", refuses)


@pytest.fixture
async def services(
    service_environment: dict[str, str], bus: Bus
) -> AsyncIterator[Supervisor]:
    """A healthy service and one with failing dependencies, both running."""
    definitions = [
        ServiceDefinition(
            name=name,
            version="2.0.1",
            description="A service the health tests start.",
            settings_class=ServiceSettings,
            setup=setup,
        )
        for name, setup in (("calm", None), ("troubled", add_checks))
    ]
    supervisor = Supervisor(definitions)
    task = asyncio.create_task(supervisor.run())
    try:
        for _ in range(200):
            if len(supervisor.contexts) == 2:
                break
            await asyncio.sleep(0.05)
        assert sorted(supervisor.contexts) == ["calm", "troubled"]
        yield supervisor
    finally:
        supervisor.stop()
        await asyncio.wait_for(task, 30)


async def test_each_service_reports_its_dependencies(
    services: Supervisor, bus: Bus
) -> None:
    report = await collect_health(bus, ["calm", "troubled", "absent"], timeout=3)

    assert report.status == "degraded"
    views = {view.service: view for view in report.services}
    assert [views[name].status for name in ("calm", "troubled", "absent")] == [
        "ok",
        "degraded",
        "down",
    ]
    assert views["calm"].version == "2.0.1"
    assert [(d.name, d.ok) for d in views["calm"].dependencies] == [("jetstream", True)]
    troubled = {d.name: d for d in views["troubled"].dependencies}
    assert troubled["jetstream"].ok is True
    assert (troubled["dovecot"].ok, troubled["dovecot"].detail) == (
        False,
        "no answer in 1 s",
    )
    assert (troubled["lmtp"].ok, troubled["lmtp"].detail) == (
        False,
        "connection refused by 127.0.0.1:24",
    )
    assert troubled["lmtp"].latency_ms is None
    assert views["absent"].error == "no service answers on api.absent.health"
    assert views["absent"].version is None


async def test_all_services_up_is_ok(services: Supervisor, bus: Bus) -> None:
    report = await collect_health(bus, ["calm"])

    assert report.status == "ok"


async def test_no_service_up_is_down(bus: Bus) -> None:
    report = await collect_health(bus, ["absent", "gone"])

    assert report.status == "down"
    assert [view.error for view in report.services] == [
        "no service answers on api.absent.health",
        "no service answers on api.gone.health",
    ]


async def test_a_closed_bus_reports_every_service_down(namespace: str) -> None:
    closed = await connect_bus(NATS_URL, name="homehost-test", namespace=namespace)
    await closed.close()

    report = await collect_health(closed, ["calm"])

    assert report.status == "down"
    assert report.services[0].error == "nats: connection closed"
