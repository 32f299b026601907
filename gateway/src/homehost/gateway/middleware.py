"""ASGI middleware of the gateway: a body size cap and the audit log."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from homehost.gateway.audit import AuditLog, AuditRecord, result_for_status
from homehost.gateway.errors import PayloadTooLarge
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
