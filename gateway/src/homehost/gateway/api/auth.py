"""`/api/auth`: login, logout, who am I, and the TOTP second factor."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from homehost.gateway import admins, login, security, sessions, totp
from homehost.gateway.api.responses import errors
from homehost.gateway.deps import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    ClientAddress,
    CurrentPrincipal,
    GatewayStateDep,
    SessionPrincipal,
)
from homehost.gateway.network import is_https
from homehost.gateway.schemas import (
    LoginRequest,
    LoginResult,
    Me,
    RecoveryCodes,
    TotpCode,
    TotpEnrolment,
    TotpLoginRequest,
)
from homehost.shared.errors import Conflict, InvalidRequest

router = APIRouter(prefix="/api/auth", tags=["auth"])


def _wrong_code() -> InvalidRequest:
    return InvalidRequest(
        "code: the code is not valid",
        details={"errors": [{"field": "code", "message": "the code is not valid"}]},
    )


async def _answer(
    request: Request,
    response: Response,
    state: GatewayStateDep,
    outcome: login.LoginOutcome,
) -> LoginResult:
    request.state.audit_actor = outcome.admin["username"]
    if outcome.session is None:
        return LoginResult(status=outcome.status, login_token=outcome.login_token)
    secure = is_https(request, state.settings)
    lifetime = state.settings.session_absolute_seconds
    response.set_cookie(
        SESSION_COOKIE,
        outcome.session.session_id,
        max_age=lifetime,
        path="/",
        secure=secure,
        httponly=True,
        samesite="strict",
    )
    response.set_cookie(
        CSRF_COOKIE,
        outcome.session.csrf_token,
        max_age=lifetime,
        path="/",
        secure=secure,
        httponly=False,
        samesite="strict",
    )
    return LoginResult(
        status=outcome.status,
        admin=await admins.public_view(state.pool, outcome.admin),
        csrf_token=outcome.session.csrf_token,
    )


@router.post(
    "/login", name="auth.login", response_model=LoginResult, responses=errors(429)
)
async def log_in(
    body: LoginRequest,
    request: Request,
    response: Response,
    state: GatewayStateDep,
    address: ClientAddress,
) -> LoginResult:
    """Check name and password; start a session or ask for the TOTP code."""
    request.state.audit_target = f"admin:{body.username.strip().lower()[:64]}"
    outcome = await login.login_with_password(
        state.pool,
        state.settings,
        state.audit,
        username=body.username,
        password=body.password.get_secret_value(),
        address=address,
    )
    return await _answer(request, response, state, outcome)


@router.post(
    "/login/totp",
    name="auth.login_totp",
    response_model=LoginResult,
    responses=errors(429),
)
async def log_in_with_code(
    body: TotpLoginRequest,
    request: Request,
    response: Response,
    state: GatewayStateDep,
    address: ClientAddress,
) -> LoginResult:
    """Finish a login with a TOTP code or a recovery code."""
    outcome = await login.login_with_code(
        state.pool,
        state.settings,
        state.audit,
        login_token=body.login_token,
        code=body.code,
        address=address,
    )
    request.state.audit_target = f"admin:{outcome.admin['username']}"
    return await _answer(request, response, state, outcome)


@router.post("/logout", name="auth.logout", status_code=status.HTTP_204_NO_CONTENT)
async def log_out(
    principal: CurrentPrincipal, request: Request, state: GatewayStateDep
) -> Response:
    """End the session and clear its cookies (a token call changes nothing)."""
    if principal.session_id_hash is not None:
        await sessions.end_session(
            state.pool, session_id_hash=principal.session_id_hash
        )
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    secure = is_https(request, state.settings)
    for name, httponly in ((SESSION_COOKIE, True), (CSRF_COOKIE, False)):
        response.delete_cookie(
            name, path="/", secure=secure, httponly=httponly, samesite="strict"
        )
    return response


@router.get("/me", name="auth.me", response_model=Me)
async def read_me(principal: CurrentPrincipal, state: GatewayStateDep) -> Me:
    """Return who the caller is, how it authenticated and its scopes."""
    admin = await admins.get_admin(state.pool, admin_id=principal.admin_id)
    return Me(
        admin=await admins.public_view(state.pool, admin),
        csrf_token=principal.csrf_token,
        scopes=list(principal.scopes),
        auth=principal.auth,
        totp_enrolment_required=principal.totp_enrolment_required,
    )


@router.post(
    "/totp/enroll",
    name="auth.totp_enroll",
    response_model=TotpEnrolment,
    responses=errors(409),
)
async def enroll_totp(
    principal: SessionPrincipal, request: Request, state: GatewayStateDep
) -> TotpEnrolment:
    """Make a new TOTP secret to scan; it counts once confirmed with a code."""
    request.state.audit_target = f"admin:{principal.username}"
    admin = await admins.get_admin(state.pool, admin_id=principal.admin_id)
    if admin["totp_secret"] is not None:
        raise Conflict("two-factor authentication is on already; switch it off first")
    secret, uri, svg = await totp.start_enrolment(state.pool, admin)
    return TotpEnrolment(secret=secret, otpauth_uri=uri, qr_svg=svg)


@router.post(
    "/totp/confirm",
    name="auth.totp_confirm",
    response_model=RecoveryCodes,
    responses=errors(409),
)
async def confirm_totp(
    body: TotpCode,
    principal: SessionPrincipal,
    request: Request,
    state: GatewayStateDep,
) -> RecoveryCodes:
    """Switch TOTP on with a first code; return the recovery codes, once."""
    request.state.audit_target = f"admin:{principal.username}"
    admin = await admins.get_admin(state.pool, admin_id=principal.admin_id)
    if admin["totp_secret"] is not None:
        raise Conflict("two-factor authentication is on already")
    if admin["totp_pending_secret"] is None:
        raise Conflict("start the enrolment first")
    codes = await totp.confirm_enrolment(state.pool, admin, body.code)
    if codes is None:
        raise _wrong_code()
    return RecoveryCodes(recovery_codes=codes)


@router.delete(
    "/totp",
    name="auth.totp_disable",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errors(409),
)
async def disable_totp(
    body: TotpCode,
    principal: SessionPrincipal,
    request: Request,
    state: GatewayStateDep,
    address: ClientAddress,
) -> None:
    """Switch TOTP off, proven with a current code or a recovery code."""
    request.state.audit_target = f"admin:{principal.username}"
    if await security.totp_enforced(state.pool):
        raise Conflict("two-factor authentication is enforced for every admin")
    admin = await admins.get_admin(state.pool, admin_id=principal.admin_id)
    if admin["totp_secret"] is None:
        raise Conflict("two-factor authentication is off already")
    if not await totp.use_second_factor(state.pool, admin, body.code):
        # Guessing codes through a stolen session counts like failed logins.
        await login.record_failed_attempt(
            state.pool,
            state.settings,
            state.audit,
            username=principal.username,
            address=address,
        )
        raise _wrong_code()
    await totp.disable(state.pool, admin_id=admin["id"])
