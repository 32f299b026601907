"""One NATS connection per service, with its JetStream context."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, TypeVar

import nats
import nats.errors
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.micro.request import ERROR_CODE_HEADER, ERROR_HEADER
from pydantic import BaseModel, ValidationError
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
    stop_never,
    wait_exponential,
)

from homehost.shared.errors import (
    HomehostError,
    InternalError,
    RequestTimeout,
    ServiceUnavailable,
    error_from_payload,
)

logger = logging.getLogger(__name__)

ReplyT = TypeVar("ReplyT", bound=BaseModel)

EVENTS_STREAM = "HOMEHOST_EVENTS"


class Bus:
    """A NATS connection, its JetStream context and the subject namespace."""

    def __init__(
        self, client: Client, *, namespace: str = "", request_timeout: float = 5.0
    ) -> None:
        self.client = client
        self.jetstream: JetStreamContext = client.jetstream()
        self.namespace = namespace
        self.request_timeout = request_timeout
        # Set when the bus is closed on purpose, so the disconnect is quiet.
        self.closing = asyncio.Event()

    @property
    def events_stream(self) -> str:
        """Name of the JetStream stream that holds this namespace's events."""
        if not self.namespace:
            return EVENTS_STREAM
        return f"{EVENTS_STREAM}_{self.namespace.upper()}"

    def subject(self, name: str) -> str:
        """Return `name` inside this bus's namespace."""
        return f"{self.namespace}.{name}" if self.namespace else name

    def unqualified(self, subject: str) -> str:
        """Return `subject` with this bus's namespace removed."""
        prefix = f"{self.namespace}." if self.namespace else ""
        return subject.removeprefix(prefix)

    def name(self, name: str) -> str:
        """Return a stream, consumer or service name inside the namespace."""
        return f"{self.namespace}_{name}" if self.namespace else name

    async def request(
        self,
        subject: str,
        payload: BaseModel | dict[str, Any] | None,
        reply_model: type[ReplyT],
        *,
        timeout: float | None = None,
    ) -> ReplyT:
        """Send a request to `api.*` and return its typed reply.

        Raises the typed error the service answered with, `ServiceUnavailable`
        when no copy of the service is listening, and `RequestTimeout` when
        none answered in time.
        """
        if isinstance(payload, BaseModel):
            data = payload.model_dump_json().encode()
        else:
            data = json.dumps(payload or {}).encode()
        timeout = timeout or self.request_timeout

        try:
            message = await self.client.request(
                self.subject(subject), data, timeout=timeout
            )
        except nats.errors.NoRespondersError as exc:
            raise ServiceUnavailable(
                f"no service answers on {subject}", details={"subject": subject}
            ) from exc
        except nats.errors.TimeoutError as exc:
            raise RequestTimeout(
                f"no answer on {subject} within {timeout:g} s",
                details={"subject": subject, "timeout_seconds": timeout},
            ) from exc

        headers = message.headers or {}
        if ERROR_CODE_HEADER in headers:
            raise _error_from_reply(message.data, headers)
        try:
            return reply_model.model_validate_json(message.data)
        except ValidationError as exc:
            raise InternalError(
                f"the reply on {subject} does not match {reply_model.__name__}",
                error_id="invalid-reply",
            ) from exc

    async def close(self) -> None:
        """Drain the connection: finish in-flight work, then disconnect."""
        if self.client.is_closed:
            return
        self.closing.set()
        try:
            await self.client.drain()
        except (nats.errors.ConnectionClosedError, nats.errors.FlushTimeoutError):
            await self.client.close()


def _error_from_reply(data: bytes, headers: dict[str, str]) -> HomehostError:
    try:
        payload = json.loads(data)
    except ValueError:
        payload = None
    if not isinstance(payload, dict) or "code" not in payload:
        payload = {
            "code": headers.get(ERROR_CODE_HEADER, "internal"),
            "message": headers.get(ERROR_HEADER, "unknown error"),
        }
    return error_from_payload(payload)


async def connect_bus(
    url: str,
    *,
    name: str,
    namespace: str = "",
    request_timeout: float = 5.0,
    connect_attempts: int | None = None,
) -> Bus:
    """Connect to NATS, retrying with backoff while it does not answer.

    `connect_attempts=None` retries for ever, as a service at boot should;
    once connected, the client reconnects by itself after any outage.
    """

    def log_retry(state: RetryCallState) -> None:
        wait = state.next_action.sleep if state.next_action else 0.0
        error = state.outcome.exception() if state.outcome else None
        logger.warning(
            "NATS at %s does not answer (%s); retrying in %.1f s", url, error, wait
        )

    retrying = AsyncRetrying(
        retry=retry_if_exception_type(
            (OSError, nats.errors.Error, asyncio.TimeoutError)
        ),
        wait=wait_exponential(multiplier=0.5, max=15),
        stop=stop_never
        if connect_attempts is None
        else stop_after_attempt(connect_attempts),
        before_sleep=log_retry,
        reraise=True,
    )
    closing = asyncio.Event()

    async def log_disconnected() -> None:
        if not closing.is_set():
            logger.warning("lost the connection to NATS at %s; reconnecting", url)

    async def log_reconnected() -> None:
        logger.info("reconnected to NATS at %s", url)

    async for attempt in retrying:
        with attempt:
            client = await nats.connect(
                url,
                name=name,
                connect_timeout=2,
                allow_reconnect=False,
                reconnect_time_wait=1,
                error_cb=_log_error,
                disconnected_cb=log_disconnected,
                reconnected_cb=log_reconnected,
            )
    # The first connection is retried above, with backoff and a log line per
    # attempt; the client's own loop would retry silently for ever. Once
    # connected, the client reconnects by itself after any outage.
    client.options["allow_reconnect"] = True
    client.options["max_reconnect_attempts"] = -1
    logger.info("connected to NATS at %s as %s", url, name)
    bus = Bus(client, namespace=namespace, request_timeout=request_timeout)
    bus.closing = closing
    return bus


async def _log_error(error: Exception) -> None:
    logger.debug("NATS client error: %s", error)
