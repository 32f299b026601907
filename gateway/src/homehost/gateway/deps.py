"""Dependencies the routes declare, as `Annotated` aliases."""

from __future__ import annotations

import asyncio
import hmac
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from homehost.gateway import sessions, tokens
from homehost.gateway.adapters.database import Pool, Row, fetch_one
from homehost.gateway.audit import AuditLog
from homehost.gateway.errors import CsrfFailed, MissingScope, TotpEnrolmentRequired
from homehost.gateway.network import client_address
from homehost.gateway.principal import Principal
from homehost.gateway.scopes import Scope, scopes_of
from homehost.gateway.settings import GatewaySettings
from homehost.shared.bus import Bus
from homehost.shared.errors import Forbidden, Unauthorized

SESSION_COOKIE = "homehost_session"
CSRF_COOKIE = "homehost_csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# What an admin who must enrol a second factor may still reach.
ENROLMENT_PATHS = ("/api/auth/me", "/api/auth/logout", "/api/auth/totp")


@dataclass
class GatewayState:
    """What every request may use: settings, bus, database and audit log."""

    settings: GatewaySettings
    bus: Bus
    service_names: list[str]
    pool: Pool
    audit: AuditLog
    stopping: asyncio.Event = field(default_factory=asyncio.Event)


def get_state(request: Request) -> GatewayState:
    """Return the gateway state the app was built with."""
    state: GatewayState = request.app.state.gateway
    return state


GatewayStateDep = Annotated[GatewayState, Depends(get_state)]


def get_client_address(request: Request, state: GatewayStateDep) -> str:
    """Return the caller's address, as the audit log and throttling see it."""
    return client_address(request, state.settings)


ClientAddress = Annotated[str, Depends(get_client_address)]

bearer_scheme = HTTPBearer(
    auto_error=False, description="An API token: `Authorization: Bearer hh_...`."
)
session_scheme = APIKeyCookie(
    name=SESSION_COOKIE,
    auto_error=False,
    description="The browser session set at login; needs X-CSRF-Token to change.",
)


async def get_principal(
    request: Request,
    state: GatewayStateDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    session_id: Annotated[str | None, Depends(session_scheme)],
) -> Principal:
    """Authenticate the caller by API token or by session cookie."""
    if bearer is not None:
        principal = await _token_principal(state.pool, bearer.credentials)
    elif session_id:
        principal = await _session_principal(state, session_id)
    else:
        raise Unauthorized("authentication required: log in or send an API token")
    request.state.principal = principal

    if principal.auth == "session" and request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        cookie = request.cookies.get(CSRF_COOKIE, "")
        expected = principal.csrf_token or ""
        if not (
            sent
            and hmac.compare_digest(sent, cookie)
            and hmac.compare_digest(sent, expected)
        ):
            raise CsrfFailed(
                f"the {CSRF_HEADER} header must match the {CSRF_COOKIE} cookie"
            )
    if principal.totp_enrolment_required and not request.url.path.startswith(
        ENROLMENT_PATHS
    ):
        raise TotpEnrolmentRequired()
    return principal


async def _admin_row(pool: Pool, admin_id: int) -> Row | None:
    return await fetch_one(
        pool,
        "SELECT id, username, role, disabled, totp_secret FROM admins WHERE id = %s",
        (admin_id,),
    )


async def _token_principal(pool: Pool, token: str) -> Principal:
    row = await tokens.find_live_token(pool, token=token)
    admin = await _admin_row(pool, row["admin_id"]) if row else None
    if row is None or admin is None:
        raise Unauthorized("the API token is unknown, expired or revoked")
    role = admin["role"]
    return Principal(
        admin_id=row["admin_id"],
        username=admin["username"],
        role=role,
        auth="token",
        scopes=tuple(scopes_of(role, granted=row["scope_list"])),
        token_id=row["id"],
    )


async def _session_principal(state: GatewayState, session_id: str) -> Principal:
    row = await sessions.find_session(state.pool, state.settings, session_id=session_id)
    admin = await _admin_row(state.pool, row["admin_id"]) if row else None
    if row is None or admin is None:
        raise Unauthorized("the session has ended; log in again")
    role = admin["role"]
    return Principal(
        admin_id=row["admin_id"],
        username=admin["username"],
        role=role,
        auth="session",
        scopes=tuple(scopes_of(role)),
        session_id_hash=row["id_hash"],
        csrf_token=row["csrf_token"],
        totp_enrolment_required=bool(row["enforce_totp"])
        and admin["totp_secret"] is None,
    )


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


class RequireScope:
    """A dependency that lets through only callers holding one scope."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope

    async def __call__(self, principal: CurrentPrincipal) -> Principal:
        """Return the caller, or raise `MissingScope`."""
        if not principal.has_scope(self.scope):
            raise MissingScope(self.scope)
        return principal


async def require_session(principal: CurrentPrincipal) -> Principal:
    """Let through only a browser session (not an API token)."""
    if principal.auth != "session":
        raise Forbidden("this needs a logged-in session, not an API token")
    return principal


Reader = Annotated[Principal, Depends(RequireScope("read"))]
AdminWriter = Annotated[Principal, Depends(RequireScope("write:admin"))]
SessionPrincipal = Annotated[Principal, Depends(require_session)]
