"""Typed events on one JetStream stream, and durable consumers of them.

An event is a pydantic model whose `subject` names what happened
(`<area>.<happened>`). Publishing stores it in the events stream with its
`event_id` as the JetStream message id, so a retried publish is stored
once. A consumer is a durable pull consumer with explicit acks: a handler
that fails is retried with backoff, and after `max_attempts` the event is
moved to `deadletter.<consumer>` (still in the stream) and logged.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar

import nats.errors
import nats.js.errors
from nats.aio.msg import Msg
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    DeliverPolicy,
    StorageType,
    StreamConfig,
)
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from tenacity import (
    AsyncRetrying,
    RetryError,
    retry_if_exception_type,
    stop_after_delay,
    wait_exponential,
)

from homehost.shared.bus.connection import Bus
from homehost.shared.errors import EventPublishError

logger = logging.getLogger(__name__)

# Every event subject starts with one of these areas; the stream listens
# on `<area>.>` for each, and on nothing else (requests never land in it).
EVENT_AREAS = (
    "mail",
    "mailbox",
    "alias",
    "dns",
    "site",
    "container",
    "database",
    "backup",
    "audit",
    "service",
    "deadletter",
)

# How long JetStream remembers message ids to drop a retried publish.
DUPLICATE_WINDOW_SECONDS = 120.0
# How long events stay in the stream: long enough for a service that was
# down over a holiday to catch up.
EVENT_RETENTION_SECONDS = 30 * 24 * 3600.0
# How long a publish is retried while JetStream does not answer.
PUBLISH_RETRY_SECONDS = 30.0

_registry: dict[str, type[Event]] = {}


class Event(BaseModel):
    """A fact that happened, published on `subject`; never a body or secret."""

    model_config = ConfigDict(frozen=True)

    subject: ClassVar[str]

    event_id: str = Field(default_factory=lambda: uuid.uuid4().hex)
    occurred_at: datetime = Field(default_factory=lambda: datetime.now(UTC))

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        """Register every concrete event class under its subject."""
        super().__pydantic_init_subclass__(**kwargs)
        subject = cls.__dict__.get("subject")
        if subject is None:
            return
        area = subject.split(".", 1)[0]
        if area not in EVENT_AREAS or "." not in subject:
            raise ValueError(
                f"event subject {subject!r} must be <area>.<happened> with an "
                f"area in {EVENT_AREAS}"
            )
        registered = _registry.get(subject)
        if registered is not None and registered.__qualname__ != cls.__qualname__:
            raise ValueError(f"event subject {subject!r} is already {registered}")
        _registry[subject] = cls


def event_model_for(subject: str) -> type[Event] | None:
    """Return the event class registered for `subject`, if any."""
    return _registry.get(subject)


def registered_events() -> dict[str, type[Event]]:
    """Return every registered event class by subject."""
    return dict(_registry)


async def ensure_events_stream(bus: Bus) -> None:
    """Create the events stream, or bring its subjects up to date."""
    config = StreamConfig(
        name=bus.events_stream,
        subjects=[bus.subject(f"{area}.>") for area in EVENT_AREAS],
        storage=StorageType.FILE,
        duplicate_window=DUPLICATE_WINDOW_SECONDS,
        max_age=EVENT_RETENTION_SECONDS,
    )
    try:
        info = await bus.jetstream.stream_info(bus.events_stream)
    except nats.js.errors.NotFoundError:
        await bus.jetstream.add_stream(config)
        logger.info("created the events stream %s", bus.events_stream)
        return
    if sorted(info.config.subjects or []) != sorted(config.subjects or []):
        await bus.jetstream.update_stream(config)
        logger.info("updated the subjects of the events stream %s", bus.events_stream)


async def publish_event(bus: Bus, event: Event) -> int:
    """Store `event` in the events stream and return its sequence number.

    JetStream must acknowledge the event; while it does not answer, the
    publish is retried with the same message id (stored once at most),
    and after `PUBLISH_RETRY_SECONDS` it fails with `EventPublishError`.
    """
    subject = bus.subject(event.subject)
    data = event.model_dump_json().encode()
    headers = {"Nats-Msg-Id": event.event_id}
    retrying = AsyncRetrying(
        retry=retry_if_exception_type(
            (
                nats.errors.TimeoutError,
                nats.errors.NoRespondersError,
                nats.errors.ConnectionReconnectingError,
                nats.js.errors.ServiceUnavailableError,
            )
        ),
        wait=wait_exponential(multiplier=0.1, max=2),
        stop=stop_after_delay(PUBLISH_RETRY_SECONDS),
    )
    try:
        async for attempt in retrying:
            with attempt:
                ack = await bus.jetstream.publish(
                    subject, data, headers=headers, stream=bus.events_stream
                )
    except (RetryError, nats.errors.Error) as exc:
        logger.error(
            "event %s %s was not stored: %s", event.subject, event.event_id, exc
        )
        raise EventPublishError(
            f"event {event.subject} could not be stored in JetStream",
            details={"subject": event.subject, "event_id": event.event_id},
        ) from exc
    if ack.duplicate:
        logger.debug("event %s was already stored", event.event_id)
    return ack.seq


EventHandler = Callable[[Event], Awaitable[None]]


class EventConsumer:
    """A durable pull consumer that hands typed events to one handler."""

    def __init__(
        self,
        bus: Bus,
        *,
        durable: str,
        events: Sequence[type[Event]],
        handler: EventHandler,
        max_attempts: int = 5,
        backoff: Sequence[float] = (1.0, 5.0, 30.0, 120.0, 600.0),
        ack_wait: float = 60.0,
        batch: int = 16,
    ) -> None:
        if not events:
            raise ValueError("a consumer needs at least one event type")
        if max_attempts < 1 or not backoff:
            raise ValueError("max_attempts must be at least 1 and backoff non-empty")
        self.bus = bus
        self.durable = bus.name(durable)
        self.subjects = [bus.subject(event.subject) for event in events]
        self.handler = handler
        self.max_attempts = max_attempts
        self.backoff = tuple(backoff)
        self.ack_wait = ack_wait
        self.batch = batch

    async def run(self) -> None:
        """Fetch and handle events until cancelled; survives NATS outages."""
        subscription = await self._subscribe()
        logger.info("consumer %s is reading %s", self.durable, self.subjects)
        while True:
            try:
                messages = await subscription.fetch(self.batch, timeout=5)
            except nats.errors.TimeoutError:
                continue
            except (nats.errors.Error, nats.js.errors.Error) as exc:
                logger.warning(
                    "consumer %s cannot fetch (%s); retrying", self.durable, exc
                )
                await asyncio.sleep(1)
                continue
            for message in messages:
                await self._handle(message)

    async def _subscribe(self) -> Any:
        await ensure_events_stream(self.bus)
        config = ConsumerConfig(
            durable_name=self.durable,
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            ack_wait=self.ack_wait,
            # Redelivery is never capped by the server: after max_attempts
            # this consumer moves the event to the dead-letter subject itself,
            # so nothing is dropped without a trace.
            max_deliver=-1,
            filter_subjects=self.subjects,
        )
        # Adding a durable consumer that exists updates it in place, so a
        # new event type in `events` takes effect at the next start.
        await self.bus.jetstream.add_consumer(self.bus.events_stream, config)
        return await self.bus.jetstream.pull_subscribe_bind(
            durable=self.durable, stream=self.bus.events_stream
        )

    async def _handle(self, message: Msg) -> None:
        attempt = message.metadata.num_delivered
        subject = self.bus.unqualified(message.subject)
        event_class = event_model_for(subject)
        if event_class is None:
            await self._dead_letter(
                message, f"no event type is registered for {subject}"
            )
            return
        try:
            event = event_class.model_validate_json(message.data)
        except ValidationError as exc:
            await self._dead_letter(
                message, f"the event does not match its schema: {exc}"
            )
            return

        try:
            await self.handler(event)
        except Exception as exc:
            if attempt >= self.max_attempts:
                logger.exception(
                    "consumer %s failed on %s %s for the last time",
                    self.durable,
                    subject,
                    event.event_id,
                )
                await self._dead_letter(message, repr(exc))
                return
            delay = self.backoff[min(attempt, len(self.backoff)) - 1]
            logger.warning(
                "consumer %s failed on %s %s (attempt %d of %d): %r; retrying in %g s",
                self.durable,
                subject,
                event.event_id,
                attempt,
                self.max_attempts,
                exc,
                delay,
            )
            await message.nak(delay=delay)
            return
        await message.ack()

    async def _dead_letter(self, message: Msg, reason: str) -> None:
        sequence = message.metadata.sequence.stream
        subject = self.bus.subject(f"deadletter.{self.durable}")
        headers = {
            "Nats-Msg-Id": f"{self.durable}:{sequence}",
            "Homehost-Original-Subject": self.bus.unqualified(message.subject),
            "Homehost-Original-Sequence": str(sequence),
            "Homehost-Attempts": str(message.metadata.num_delivered),
            "Homehost-Reason": " ".join(reason.split())[:500],
        }
        await self.bus.jetstream.publish(
            subject, message.data, headers=headers, stream=self.bus.events_stream
        )
        logger.error(
            "consumer %s moved stream message %d (%s) to %s: %s",
            self.durable,
            sequence,
            headers["Homehost-Original-Subject"],
            subject,
            reason,
        )
        await message.term()
