"""Serving typed requests as a NATS micro service."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from nats.micro import add_service
from nats.micro.request import Request
from nats.micro.service import Service
from pydantic import BaseModel, ValidationError

from homehost.shared.bus.connection import Bus
from homehost.shared.errors import HomehostError, InternalError, invalid_request

logger = logging.getLogger(__name__)

RequestT = TypeVar("RequestT", bound=BaseModel)
ReplyT = TypeVar("ReplyT", bound=BaseModel)


class EmptyRequest(BaseModel):
    """A request that carries no fields."""


class BusService:
    """One homehost service on the bus: `api.<name>.<operation>` endpoints.

    Every endpoint shares the service's queue group, so any number of
    copies can run and each request is answered by exactly one of them.
    """

    def __init__(
        self, bus: Bus, *, name: str, version: str, description: str = ""
    ) -> None:
        self.bus = bus
        self.name = name
        self.version = version
        self.description = description
        self._micro: Service | None = None

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

    async def stop(self) -> None:
        """Stop answering requests."""
        if self._micro is not None:
            await self._micro.stop()
            self._micro = None

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
            await self._answer(request, subject, handler, request_model)

        await self._micro.add_endpoint(
            name=operation.replace(".", "-"),
            subject=self.bus.subject(subject),
            handler=handle,
        )

    async def _answer(
        self,
        request: Request,
        subject: str,
        handler: Callable[[Any], Awaitable[BaseModel]],
        request_model: type[BaseModel],
    ) -> None:
        try:
            parsed = request_model.model_validate_json(request.data or b"{}")
        except ValidationError as exc:
            await _respond_error(
                request, invalid_request(exc.errors(include_url=False))
            )
            return

        try:
            reply = await handler(parsed)
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
        await request.respond(reply.model_dump_json().encode())


async def _respond_error(request: Request, error: HomehostError) -> None:
    payload = error.to_payload()
    # A header value is one line; the whole message travels in the body.
    description = " ".join(error.message.split())[:200]
    await request.respond_error(
        error.code, description, data=json.dumps(payload).encode()
    )
