"""Events on the real JetStream: catch-up, redelivery, dead letters, dedupe."""

from __future__ import annotations

import asyncio
import json
import logging
from collections import Counter
from collections.abc import Awaitable, Callable

import nats.js.errors
import pytest

from homehost.shared.bus import Bus, Event
from homehost.shared.bus import events as bus_events
from homehost.shared.bus.events import ensure_events_stream, publish_event
from homehost.shared.errors import EventPublishError

ConsumerFactory = Callable[..., Awaitable["asyncio.Task[None]"]]
Eventually = Callable[..., Awaitable[None]]
Settled = Callable[[Bus, str], Awaitable[bool]]


class PingHappened(Event):
    """A test event; the registry is per process, so its subject is unique."""

    subject = "service.bus_test_ping"

    number: int


async def test_consumer_started_late_gets_every_event(
    bus: Bus,
    run_consumer: ConsumerFactory,
    eventually: Eventually,
    settled: Settled,
) -> None:
    await ensure_events_stream(bus)
    published = [PingHappened(number=n) for n in range(50)]
    for event in published:
        await publish_event(bus, event)
    received: list[PingHappened] = []

    async def record(event: Event) -> None:
        assert isinstance(event, PingHappened)
        received.append(event)

    await run_consumer(bus, durable="late", events=[PingHappened], handler=record)

    await eventually(lambda: len(received) >= 50)
    await eventually(lambda: settled(bus, "late"))
    assert [event.event_id for event in received] == [
        event.event_id for event in published
    ]
    assert received == published


async def test_failed_event_is_delivered_again(
    bus: Bus,
    run_consumer: ConsumerFactory,
    eventually: Eventually,
    settled: Settled,
) -> None:
    await ensure_events_stream(bus)
    attempts: list[str] = []

    async def fail_first(event: Event) -> None:
        attempts.append(event.event_id)
        if len(attempts) == 1:
            raise RuntimeError("the first attempt fails")

    await run_consumer(
        bus,
        durable="retrying",
        events=[PingHappened],
        handler=fail_first,
        backoff=(0.1, 0.2),
    )
    event = PingHappened(number=1)
    await publish_event(bus, event)

    await eventually(lambda: len(attempts) >= 2)
    await eventually(lambda: settled(bus, "retrying"))
    assert attempts == [event.event_id, event.event_id]


async def test_poison_event_reaches_the_dead_letter_subject(
    bus: Bus,
    run_consumer: ConsumerFactory,
    eventually: Eventually,
    settled: Settled,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await ensure_events_stream(bus)
    calls: Counter[int] = Counter()

    async def choke_on_13(event: Event) -> None:
        assert isinstance(event, PingHappened)
        calls[event.number] += 1
        if event.number == 13:
            raise ValueError("13 is unlucky")

    poison = PingHappened(number=13)
    poison_sequence = await publish_event(bus, poison)
    await publish_event(bus, PingHappened(number=1))
    with caplog.at_level(logging.ERROR, logger="homehost.shared.bus.events"):
        await run_consumer(
            bus,
            durable="unlucky",
            events=[PingHappened],
            handler=choke_on_13,
            max_attempts=3,
            backoff=(0.1, 0.2),
        )
        dead_letter_subject = bus.subject("deadletter.unlucky")

        async def dead_lettered() -> bool:
            try:
                await bus.jetstream.get_last_msg(bus.events_stream, dead_letter_subject)
            except nats.js.errors.NotFoundError:
                return False
            return True

        await eventually(dead_lettered)
        await eventually(lambda: settled(bus, "unlucky"))
        # A later event still flows, and the poison one is not handed out again.
        await publish_event(bus, PingHappened(number=2))
        await eventually(lambda: calls[2] == 1)
        await eventually(lambda: settled(bus, "unlucky"))

    letter = await bus.jetstream.get_last_msg(bus.events_stream, dead_letter_subject)
    assert letter.headers is not None
    assert letter.headers["Homehost-Original-Subject"] == "service.bus_test_ping"
    assert letter.headers["Homehost-Attempts"] == "3"
    assert letter.headers["Homehost-Original-Sequence"] == str(poison_sequence)
    assert letter.headers["Homehost-Reason"] == "ValueError('13 is unlucky')"
    assert letter.data is not None
    assert PingHappened.model_validate_json(letter.data) == poison
    assert calls == Counter({13: 3, 1: 1, 2: 1})
    assert any(
        f"stream message {poison_sequence} " in record.getMessage()
        and "deadletter.unlucky" in record.getMessage()
        for record in caplog.records
    )


async def test_same_event_published_twice_is_stored_once(bus: Bus) -> None:
    await ensure_events_stream(bus)
    event = PingHappened(number=7)

    first = await publish_event(bus, event)
    again = await publish_event(bus, event)
    other = await publish_event(bus, PingHappened(number=8))

    info = await bus.jetstream.stream_info(bus.events_stream)
    assert (first, again, other) == (1, 1, 2)
    assert info.state.messages == 2
    stored = await bus.jetstream.get_msg(bus.events_stream, first)
    assert stored.data is not None
    assert json.loads(stored.data)["event_id"] == event.event_id


async def test_publish_without_a_stream_fails_loudly(
    bus: Bus, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # This namespace never got its events stream: nothing can store the event.
    monkeypatch.setattr(bus_events, "PUBLISH_RETRY_SECONDS", 0.5)
    event = PingHappened(number=1)

    with (
        caplog.at_level(logging.ERROR, logger="homehost.shared.bus.events"),
        pytest.raises(EventPublishError) as caught,
    ):
        await publish_event(bus, event)

    assert caught.value.code == "event_not_stored"
    assert caught.value.details == {
        "subject": "service.bus_test_ping",
        "event_id": event.event_id,
    }
    [record] = caplog.records
    assert event.event_id in record.getMessage()


class PongHappened(Event):
    """A second test event type, for consumers of several types."""

    subject = "service.bus_test_pong"

    number: int


class SiteNoticed(Event):
    """A test event of another area, which the consumers below do not want."""

    subject = "site.bus_test_noticed"

    number: int


async def test_consumer_of_several_types_gets_only_those(
    bus: Bus,
    run_consumer: ConsumerFactory,
    eventually: Eventually,
    settled: Settled,
) -> None:
    await ensure_events_stream(bus)
    await publish_event(bus, PingHappened(number=1))
    await publish_event(bus, SiteNoticed(number=2))
    await publish_event(bus, PongHappened(number=3))
    received: list[Event] = []

    async def record(event: Event) -> None:
        received.append(event)

    await run_consumer(
        bus, durable="both", events=[PingHappened, PongHappened], handler=record
    )

    await eventually(lambda: len(received) >= 2)
    await eventually(lambda: settled(bus, "both"))
    assert [(type(e), e.model_dump()["number"]) for e in received] == [
        (PingHappened, 1),
        (PongHappened, 3),
    ]
    info = await bus.jetstream.stream_info(bus.events_stream)
    assert info.state.messages == 3
