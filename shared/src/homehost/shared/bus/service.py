"""Serving typed requests as a NATS micro service."""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from nats.micro import add_service
from nats.micro.request import Request
from nats.micro.service import Service
from pydantic import BaseModel, ValidationError

from homehost.shared.bus.codec import decode, encode
from homehost.shared.bus.connection import Bus
from homehost.shared.errors import HomehostError, InternalError, invalid_request

logger = logging.getLogger(__name__)

RequestT = TypeVar("RequestT", bound=BaseModel)
ReplyT = TypeVar("ReplyT", bound=BaseModel)

# How many requests one copy of a service works on at once; more wait in
# their subscription until a slot frees up.
MAX_CONCURRENT_REQUESTS = 64
# How long `stop` lets requests in flight finish before cancelling them.
STOP_GRACE_SECONDS = 10.0


class EmptyRequest(BaseModel):
    """A request that carries no fields."""


class BusService:
    """One homehost service on the bus: `api.<name>.<operation>` endpoints.

    Every endpoint shares the service's queue group, so any number of
    copies can run and each request is answered by exactly one of them.
    Each copy works on up to `max_concurrency` requests at once.
    """

    def __init__(
        self,
        bus: Bus,
        *,
        name: str,
        version: str,
        description: str = "",
        max_concurrency: int = MAX_CONCURRENT_REQUESTS,
    ) -> None:
        self.bus = bus
        self.name = name
        self.version = version
        self.description = description
        self._micro: Service | None = None
        self._slots = asyncio.Semaphore(max_concurrency)
        self._in_flight: set[asyncio.Task[None]] = set()

    @property
    def instance_id(self) -> str:
        """The id NATS gave this copy of the service, once started."""
        return self._micro.id if self._micro else ""

    async def start(self) -> None:
        """Register the micro service so it answers `$SRV.PING/INFO/STATS`."""
        self._micro = await add_service(
            self.bus.client,
            name=self.bus.name(self.name),
            version=self.version,
            description=self.description or None,
            queue_group=self.bus.subject(f"api.{self.name}"),
        )
        await self.bus.client.flush()

    async def stop(self) -> None:
        """Stop taking requests, and let those in flight finish (for a while)."""
        if self._micro is not None:
            await self._micro.stop()
            self._micro = None
        if not self._in_flight:
            return

        _, unfinished = await asyncio.wait(
            set(self._in_flight), timeout=STOP_GRACE_SECONDS
        )
        for task in unfinished:
            task.cancel()
        if unfinished:
            logger.warning(
                "service %s stopped with %d requests unanswered",
                self.name,
                len(unfinished),
            )
            await asyncio.wait(unfinished)

    async def add_endpoint(
        self,
        operation: str,
        handler: Callable[[RequestT], Awaitable[ReplyT]],
        request_model: type[RequestT],
    ) -> None:
        """Serve `api.<service>.<operation>` with a typed handler."""
        if self._micro is None:
            raise RuntimeError("start the service before adding endpoints")
        subject = f"api.{self.name}.{operation}"

        async def handle(request: Request) -> None:
            # NATS hands a subscription's messages to this callback one at a
            # time, so each request gets its own task: a slow request must
            # not hold up the ones behind it. The semaphore bounds the work;
            # waiting for a slot keeps the rest queued in the subscription.
            # The micro service's own statistics therefore count the time to
            # dispatch a request, not to answer it.
            await self._slots.acquire()
            task = asyncio.create_task(
                self._answer(request, subject, handler, request_model),
                name=f"{self.name}:{operation}",
            )
            self._in_flight.add(task)
            task.add_done_callback(self._finished)

        await self._micro.add_endpoint(
            name=operation.replace(".", "-"),
            subject=self.bus.subject(subject),
            handler=handle,
        )
        # The server must know the subscription before this returns, or a
        # request sent right after could find no responders.
        await self.bus.client.flush()

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._in_flight.discard(task)
        self._slots.release()
        if task.cancelled():
            return
        error = task.exception()
        if error is not None:
            logger.error(
                "service %s could not send a reply (%s)",
                self.name,
                task.get_name(),
                exc_info=error,
            )

    async def _answer(
        self,
        request: Request,
        subject: str,
        handler: Callable[[Any], Awaitable[BaseModel]],
        request_model: type[BaseModel],
    ) -> None:
        try:
            parsed = decode(request_model, request.data or b"{}")
        except ValidationError as exc:
            await _respond_error(
                request, invalid_request(exc.errors(include_url=False))
            )
            return

        try:
            reply = encode(await handler(parsed))
        except HomehostError as exc:
            await _respond_error(request, exc)
            return
        except Exception:
            error_id = uuid.uuid4().hex[:12]
            logger.exception(
                "request on %s failed unexpectedly (error id %s)", subject, error_id
            )
            internal = InternalError(
                f"internal error; the service log has id {error_id}",
                error_id=error_id,
            )
            await _respond_error(request, internal)
            return
        await request.respond(reply)


async def _respond_error(request: Request, error: HomehostError) -> None:
    payload = error.to_payload()
    # A header value is one line; the whole message travels in the body.
    description = " ".join(error.message.split())[:200]
    await request.respond_error(
        error.code, description, data=json.dumps(payload).encode()
    )
