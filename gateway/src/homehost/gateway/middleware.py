"""ASGI middleware of the gateway: security headers, a body cap, the audit log."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from homehost.gateway.audit import AuditLog, AuditRecord, result_for_status
from homehost.gateway.errors import (
    PayloadTooLarge,
    UnsupportedMediaType,
    http_status_for,
)
from homehost.gateway.network import client_address
from homehost.gateway.principal import Principal
from homehost.gateway.settings import GatewaySettings

logger = logging.getLogger(__name__)

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


async def _send_json(send: Send, status: int, payload: dict[str, Any]) -> None:
    body = json.dumps(payload).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


# What the built portal needs: its own scripts, styles and images, the
# TOTP QR code as a `data:` image, and API calls to the same origin.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
)


class SecurityHeadersMiddleware:
    """Adds the security headers to every answer that does not set its own.

    A route with stricter needs (a page with a nonce, say) sets the header
    itself and keeps it.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, adding missing headers to the answer."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend(
                    (name, value)
                    for name, value in SECURITY_HEADERS
                    if name not in present
                )
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class JsonBodyMiddleware:
    """Refuses an API request body that is not JSON with 415, naming the type.

    Every API route reads JSON; without this, a form or plain text body
    fails validation with a message about dictionaries. A request without
    a body (a POST that only acts) needs no content type.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Look at the headers only; the body is read further on."""
        if (
            scope["type"] == "http"
            and scope["method"] in STATE_CHANGING
            and scope["path"].startswith("/api/")
        ):
            headers = dict(scope["headers"])
            has_body = headers.get(b"content-length", b"0") != b"0" or (
                b"transfer-encoding" in headers
            )
            media_type = (
                headers.get(b"content-type", b"")
                .split(b";", 1)[0]
                .strip()
                .lower()
                .decode("latin-1")
            )
            if has_body and not _is_json(media_type):
                refusal = UnsupportedMediaType(media_type)
                await _send_json(
                    send, http_status_for(refusal.code), refusal.to_payload()
                )
                return
        await self.app(scope, receive, send)


def _is_json(media_type: str) -> bool:
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


class BodyLimitMiddleware:
    """Refuses request bodies over `limit` bytes with 413, before parsing.

    FastAPI's own limit answers in plain text from inside the route; this
    one answers with the gateway's error payload, before any route runs.
    """

    def __init__(self, app: ASGIApp, *, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Read the whole body (up to the limit) first, then hand it on."""
        if scope["type"] != "http" or scope["method"] not in STATE_CHANGING:
            await self.app(scope, receive, send)
            return
        too_large = PayloadTooLarge(self.limit).to_payload()
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.limit:
            await _send_json(send, 413, too_large)
            return

        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                await _send_json(send, 413, too_large)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


def note_audit(request: Request, target: str, **details: Any) -> None:
    """Name what a request acts on (and facts worth keeping) for its audit entry."""
    request.state.audit_target = target[:255]
    if details:
        request.state.audit_details = details


class AuditMiddleware:
    """Records every state-changing request to a known route in the audit log.

    The entry is written when the answer's status is known and before the
    answer leaves, so whoever sees the answer can find the entry. Routes
    add to it through `request.state`: `audit_actor` and `audit_target`
    when the caller is not (yet) authenticated or the target is not in the
    path, and `audit_details` for facts worth keeping (never a secret).
    """

    def __init__(
        self, app: ASGIApp, *, audit: Callable[[], AuditLog], settings: GatewaySettings
    ) -> None:
        self.app = app
        self.audit = audit
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, recording it once its status is known."""
        if scope["type"] != "http" or scope["method"] not in STATE_CHANGING:
            await self.app(scope, receive, send)
            return
        scope.setdefault("state", {})
        recorded = False

        async def record(status: int) -> None:
            nonlocal recorded
            # The router names the route it chose; a path that matched no
            # route changed nothing and is not recorded.
            route = scope.get("route")
            if recorded or route is None:
                return
            recorded = True
            action = str(getattr(route, "name", "unknown"))
            try:
                await self.audit().record(self._entry(scope, action, status))
            except Exception:
                logger.exception("could not record %s in the audit log", action)

        async def send_recorded(message: Message) -> None:
            if message["type"] == "http.response.start":
                await record(int(message["status"]))
            await send(message)

        try:
            await self.app(scope, receive, send_recorded)
        except Exception:
            await record(500)
            raise

    def _entry(self, scope: Scope, action: str, status: int) -> AuditRecord:
        state: dict[str, Any] = scope["state"]
        principal: Principal | None = state.get("principal")
        request = Request(scope)
        details: dict[str, Any] = {"method": scope["method"], "path": scope["path"]}
        details.update(state.get("audit_details", {}))
        path_params: dict[str, Any] = scope.get("path_params", {})
        default_target = ",".join(f"{k}:{v}" for k, v in path_params.items())
        return AuditRecord(
            actor=principal.username
            if principal
            else state.get("audit_actor", "anonymous"),
            auth=principal.auth if principal else "anonymous",
            token_id=principal.token_id if principal else None,
            action=action,
            target=state.get("audit_target", default_target),
            result=result_for_status(status),
            status_code=status,
            client_address=client_address(request, self.settings),
            details=details,
        )
