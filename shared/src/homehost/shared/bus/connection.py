"""One NATS connection per service, with its JetStream context."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

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

from homehost.shared.bus.codec import decode, encode
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
            data = encode(payload)
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
            return decode(reply_model, message.data)
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
        except nats.errors.Error as exc:
            # A connection that is away or slow cannot drain; close it anyway.
            logger.warning("NATS connection closed without draining (%r)", exc)
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


# How long the client waits between attempts to get back to NATS after an
# outage; it keeps trying for as long as the process runs.
RECONNECT_WAIT_SECONDS = 1.0

# What a connection attempt raises when NATS is not there (yet); a timeout
# is an OSError too.
_UNREACHABLE = (OSError, nats.errors.Error)


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
    otherwise `ServiceUnavailable` names the URL once every attempt failed.
    Once connected, the client reconnects by itself after any outage.
    """
    shown_url = _without_password(url)
    bus: Bus | None = None
    # The client reports why a connection failed only to its error callback.
    last_error: list[Exception] = []

    def log_retry(state: RetryCallState) -> None:
        wait = state.next_action.sleep if state.next_action else 0.0
        logger.warning(
            "NATS at %s does not answer (%s); retrying in %.1f s",
            shown_url,
            _describe(last_error, state),
            wait,
        )

    async def record_error(error: Exception) -> None:
        last_error[:] = [error]
        logger.debug("NATS client error: %r", error)

    async def log_disconnected() -> None:
        if bus is None or not bus.closing.is_set():
            logger.warning("lost the connection to NATS at %s; reconnecting", shown_url)

    async def log_reconnected() -> None:
        logger.info("reconnected to NATS at %s", shown_url)

    retrying = AsyncRetrying(
        retry=retry_if_exception_type(_UNREACHABLE),
        wait=wait_exponential(multiplier=0.5, max=15),
        stop=stop_never
        if connect_attempts is None
        else stop_after_attempt(connect_attempts),
        before_sleep=log_retry,
        reraise=True,
    )
    try:
        async for attempt in retrying:
            with attempt:
                # One attempt is two quick tries at the server (the client's
                # least); the retry loop around it waits and logs.
                client = await nats.connect(
                    url,
                    name=name,
                    connect_timeout=2,
                    allow_reconnect=False,
                    max_reconnect_attempts=1,
                    reconnect_time_wait=0,
                    error_cb=record_error,
                    disconnected_cb=log_disconnected,
                    reconnected_cb=log_reconnected,
                )
    except _UNREACHABLE as exc:
        attempts = retrying.statistics.get("attempt_number", 1)
        raise ServiceUnavailable(
            f"NATS at {shown_url} does not answer after {attempts} attempts "
            f"({_describe(last_error, None) or exc!r})",
            details={"url": shown_url, "attempts": attempts},
        ) from exc
    # nats-py has no separate settings for the first connection and later
    # reconnects, so the reconnect settings are switched on once connected
    # (the client reads them from `options` at each outage).
    client.options["allow_reconnect"] = True
    client.options["max_reconnect_attempts"] = -1
    client.options["reconnect_time_wait"] = RECONNECT_WAIT_SECONDS
    logger.info("connected to NATS at %s as %s", shown_url, name)
    bus = Bus(client, namespace=namespace, request_timeout=request_timeout)
    return bus


def _describe(last_error: list[Exception], state: RetryCallState | None) -> str:
    """Say why the last connection attempt failed, as plainly as known."""
    if last_error:
        return repr(last_error[0])
    if state is not None and state.outcome is not None:
        return repr(state.outcome.exception())
    return ""


def _without_password(url: str) -> str:
    """Return `url` with any password in it replaced, fit for a log line."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))
