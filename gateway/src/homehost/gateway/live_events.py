"""Live events for the browser: the events stream as Server-Sent Events.

Each connection reads the JetStream events stream through its own
ephemeral ordered consumer, starting just after the sequence the browser
saw last (`Last-Event-ID`) or at new events. Nothing is acknowledged and
nothing is left behind: the server drops the consumer once the
subscription is gone.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Collection

import nats.errors
from nats.js.api import ConsumerConfig, DeliverPolicy

from homehost.gateway.scopes import Scope
from homehost.shared.bus import Bus

logger = logging.getLogger(__name__)

# How often the stream wakes up to notice a closed browser or a shutdown.
_POLL_SECONDS = 1.0


def visible_to(subject: str, scopes: Collection[Scope]) -> bool:
    """Whether a caller with `scopes` may see events on `subject`.

    Events carry ids and facts, never secrets, so the read scope sees all
    of them; dead letters are for operators reading the stream itself.
    """
    return "read" in scopes and not subject.startswith("deadletter.")


def format_event(sequence: int, subject: str, data: bytes) -> str | None:
    """Return one SSE message, or None when the data is not JSON."""
    try:
        payload = json.loads(data)
    except ValueError:
        return None
    # Re-serialising guarantees one line, as the `data:` field needs.
    line = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return f"id: {sequence}\nevent: {subject}\ndata: {line}\n\n"


class LiveEventStream:
    """One browser's view of the events stream, as SSE text."""

    def __init__(
        self,
        bus: Bus,
        *,
        scopes: Collection[Scope],
        heartbeat_seconds: float,
        stopping: asyncio.Event,
        disconnected: Callable[[], Awaitable[bool]],
    ) -> None:
        self.bus = bus
        self.scopes = scopes
        self.heartbeat_seconds = heartbeat_seconds
        self.stopping = stopping
        self.disconnected = disconnected
        self._subscription: nats.js.JetStreamContext.PushSubscription | None = None

    async def open(self, *, after_sequence: int | None) -> None:
        """Create the consumer, so no event published from now on is missed."""
        if after_sequence is None:
            config = ConsumerConfig(deliver_policy=DeliverPolicy.NEW)
        else:
            config = ConsumerConfig(
                deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
                opt_start_seq=after_sequence + 1,
            )
        self._subscription = await self.bus.jetstream.subscribe(
            self.bus.subject(">"),
            stream=self.bus.events_stream,
            ordered_consumer=True,
            config=config,
        )

    async def close(self) -> None:
        """Drop the subscription; safe to call more than once."""
        subscription, self._subscription = self._subscription, None
        if subscription is not None:
            with contextlib.suppress(nats.errors.Error):
                await subscription.unsubscribe()

    async def messages(self) -> AsyncIterator[str]:
        """Yield SSE text until the browser leaves or the gateway stops."""
        try:
            yield ": connected\n\n"
            last_sent = time.monotonic()
            while not self.stopping.is_set() and self._subscription is not None:
                try:
                    message = await self._subscription.next_msg(timeout=_POLL_SECONDS)
                except nats.errors.TimeoutError:
                    if await self.disconnected():
                        return
                    if time.monotonic() - last_sent >= self.heartbeat_seconds:
                        last_sent = time.monotonic()
                        yield ": heartbeat\n\n"
                    continue
                subject = self.bus.unqualified(message.subject)
                if not visible_to(subject, self.scopes):
                    continue
                text = format_event(
                    message.metadata.sequence.stream, subject, message.data
                )
                if text is None:
                    logger.warning("skipped a non-JSON event on %s", subject)
                    continue
                last_sent = time.monotonic()
                yield text
        finally:
            await self.close()
