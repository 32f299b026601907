"""`api.ingest.*` on the bus, for the gateway: thin, parse, call, reply."""

from __future__ import annotations

from datetime import timedelta

from homehost.mail_ingest.delivery import Deliverer
from homehost.mail_ingest.schemas import (
    HourlyCounts,
    HourlyRequest,
    MessageList,
    MessageListRequest,
    MessagePublic,
    MessageRequest,
    RetryRequest,
    RetryScheduled,
)
from homehost.mail_ingest.store import IngestStore, utc_now
from homehost.shared.bus import BusService
from homehost.shared.errors import NotFound


class MessageHandlers:
    """Recent messages, one message, hourly counts, and retry now."""

    def __init__(self, store: IngestStore, deliverer: Deliverer) -> None:
        self.store = store
        self.deliverer = deliverer

    async def list(self, request: MessageListRequest) -> MessageList:
        """messages.list"""
        return MessageList(messages=await self.store.messages(request))

    async def get(self, request: MessageRequest) -> MessagePublic:
        """messages.get"""
        record = await self.store.message(request.id)
        if record is None:
            raise NotFound(f"no message {request.id}", details={"id": request.id})
        return record

    async def retry(self, request: RetryRequest) -> RetryScheduled:
        """messages.retry: deferred deliveries are tried now."""
        if request.id is not None and await self.store.message(request.id) is None:
            raise NotFound(f"no message {request.id}", details={"id": request.id})
        moved = await self.store.retry_now(request.id)
        self.deliverer.wake()
        return RetryScheduled(deliveries=moved)

    async def hourly(self, request: HourlyRequest) -> HourlyCounts:
        """messages.hourly"""
        since = utc_now() - timedelta(hours=request.hours)
        return HourlyCounts(counts=await self.store.hourly(since))


async def register(service: BusService, handlers: MessageHandlers) -> None:
    """Serve every `api.ingest.*` operation."""
    await service.add_endpoint("messages.list", handlers.list, MessageListRequest)
    await service.add_endpoint("messages.get", handlers.get, MessageRequest)
    await service.add_endpoint("messages.retry", handlers.retry, RetryRequest)
    await service.add_endpoint("messages.hourly", handlers.hourly, HourlyRequest)
