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
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar

import nats.errors
import nats.js.errors
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    DeliverPolicy,
    PubAck,
    StorageType,
    StreamConfig,
)
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from tenacity import (
    AsyncRetrying,
    retry_if_exception_type,
    stop_after_delay,
    wait_exponential,
)

from homehost.shared.bus.codec import decode, encode
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
    ack = await _store(
        bus,
        event.subject,
        encode(event),
        message_id=event.event_id,
    )
    if ack.duplicate:
        logger.debug("event %s was already stored", event.event_id)
    return ack.seq


# What a publish meets while NATS or JetStream is away for a moment: a
# reconnect, a JetStream that has not recovered its streams yet. A stream
# that does not exist looks the same as one that is still starting.
_PASSING_PUBLISH_ERRORS = (
    nats.errors.TimeoutError,
    nats.errors.ConnectionReconnectingError,
    nats.js.errors.NoStreamResponseError,
    nats.js.errors.ServiceUnavailableError,
)


async def _store(
    bus: Bus,
    subject: str,
    data: bytes,
    *,
    message_id: str,
    headers: dict[str, str] | None = None,
) -> PubAck:
    """Store one message in the events stream, retrying while it is away."""
    retrying = AsyncRetrying(
        retry=retry_if_exception_type(_PASSING_PUBLISH_ERRORS),
        wait=wait_exponential(multiplier=0.1, max=2),
        stop=stop_after_delay(PUBLISH_RETRY_SECONDS),
        reraise=True,
    )
    try:
        async for attempt in retrying:
            with attempt:
                return await bus.jetstream.publish(
                    bus.subject(subject),
                    data,
                    headers={**(headers or {}), "Nats-Msg-Id": message_id},
                    stream=bus.events_stream,
                )
    except nats.errors.Error as exc:
        logger.error("message %s on %s was not stored: %r", message_id, subject, exc)
        raise EventPublishError(
            f"{subject} could not be stored in the events stream",
            details={"subject": subject, "event_id": message_id},
        ) from exc
    raise AssertionError("unreachable: the retry loop either returns or raises")


EventHandler = Callable[[Event], Awaitable[None]]

# How long one fetch waits for events before it asks again.
FETCH_WAIT_SECONDS = 5.0
# How long a consumer waits after NATS refused a fetch before it tries again.
RECOVERY_WAIT_SECONDS = 1.0


class EventConsumer:
    """A durable pull consumer that hands typed events to one handler.

    An event whose handler raises is handed out again after `backoff`; after
    `max_attempts` it is moved to `deadletter.<durable>` in the same stream.
    """

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
        self.dead_letter_subject = f"deadletter.{durable}"
        self.models = {bus.subject(event.subject): event for event in events}
        self.subjects = list(self.models)
        self.handler = handler
        self.max_attempts = max_attempts
        self.backoff = tuple(backoff)
        self.ack_wait = ack_wait
        self.batch = batch

    async def run(self) -> None:
        """Fetch and handle events until cancelled; survives NATS outages."""
        subscription = await self._subscribe()
        logger.info("consumer %s is reading %s", self.durable, self.subjects)
        try:
            while True:
                try:
                    messages = await subscription.fetch(
                        self.batch, timeout=FETCH_WAIT_SECONDS
                    )
                except TimeoutError:
                    # No event came in time, or NATS is reconnecting: ask again.
                    continue
                except nats.errors.Error as exc:
                    if self.bus.client.is_closed:
                        raise
                    logger.warning(
                        "consumer %s cannot fetch (%r); retrying", self.durable, exc
                    )
                    await asyncio.sleep(RECOVERY_WAIT_SECONDS)
                    subscription = await self._subscribe_again(subscription)
                    continue
                for message in messages:
                    await self._settle(message)
        finally:
            # An open pull subscription would hold up draining the connection.
            # A connection that is closing ends the subscription anyway.
            with contextlib.suppress(nats.errors.Error):
                await subscription.unsubscribe()

    async def _subscribe(self) -> JetStreamContext.PullSubscription:
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
        )
        if len(self.subjects) == 1:
            config.filter_subject = self.subjects[0]
        elif self._server_filters_several_subjects():
            config.filter_subjects = self.subjects
        else:
            # TODO(NATS 2.10 everywhere): older servers silently ignore
            # `filter_subjects`; such a consumer reads the whole stream and
            # skips what it does not handle, which costs a delivery each.
            logger.warning(
                "NATS %s cannot filter a consumer on several subjects; "
                "consumer %s reads every event and skips the others",
                self.bus.client.connected_server_version,
                self.durable,
            )
        # Adding a durable consumer that exists updates it in place, so a
        # new event type in `events` takes effect at the next start.
        await self.bus.jetstream.add_consumer(self.bus.events_stream, config)
        return await self.bus.jetstream.pull_subscribe_bind(
            durable=self.durable, stream=self.bus.events_stream
        )

    def _server_filters_several_subjects(self) -> bool:
        version = self.bus.client.connected_server_version
        return (version.major, version.minor) >= (2, 10)

    async def _subscribe_again(
        self, subscription: JetStreamContext.PullSubscription
    ) -> JetStreamContext.PullSubscription:
        """Set the stream and consumer up again, in case they were lost."""
        try:
            fresh = await self._subscribe()
        except nats.errors.Error as exc:
            logger.warning(
                "consumer %s cannot set itself up again (%r)", self.durable, exc
            )
            return subscription
        await subscription.unsubscribe()
        return fresh

    async def _settle(self, message: Msg) -> None:
        """Handle one message; NATS failing to take the outcome is not fatal."""
        try:
            await self._handle(message)
        except (nats.errors.Error, EventPublishError):
            # The outcome did not reach NATS; the event is handed out again
            # once its ack wait has passed, so nothing is lost.
            logger.exception(
                "consumer %s could not settle stream message %d",
                self.durable,
                message.metadata.sequence.stream,
            )

    async def _handle(self, message: Msg) -> None:
        attempt = message.metadata.num_delivered
        subject = self.bus.unqualified(message.subject)
        event_class = self.models.get(message.subject)
        if event_class is None:
            # Only a server that cannot filter on several subjects sends
            # events this consumer did not ask for.
            await message.ack()
            return
        try:
            event = decode(event_class, message.data)
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
        original_subject = self.bus.unqualified(message.subject)
        headers = {
            "Homehost-Original-Subject": original_subject,
            "Homehost-Original-Sequence": str(sequence),
            "Homehost-Attempts": str(message.metadata.num_delivered),
            "Homehost-Reason": " ".join(reason.split())[:500],
        }
        # The message id makes a dead letter that is retried, or written again
        # after a redelivery, land in the stream once.
        await _store(
            self.bus,
            self.dead_letter_subject,
            message.data,
            message_id=f"{self.durable}:{sequence}",
            headers=headers,
        )
        logger.error(
            "consumer %s moved stream message %d (%s) to %s: %s",
            self.durable,
            sequence,
            original_subject,
            self.dead_letter_subject,
            reason,
        )
        await message.term()
