"""Logging in: password, then (when enrolled) a TOTP or recovery code.

Every way a login can fail answers the same `InvalidCredentials`, after
the same argon2 work, and counts against both the account name and the
client address; a lockout this starts is written to the audit log.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from homehost.gateway import admins, security, sessions, throttle, totp
from homehost.gateway.adapters.database import Pool, Row, execute, fetch_one, utc_now
from homehost.gateway.audit import AuditLog, AuditRecord
from homehost.gateway.errors import InvalidCredentials
from homehost.gateway.passwords import verify_password
from homehost.gateway.schemas import LoginStatus
from homehost.gateway.settings import GatewaySettings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoginOutcome:
    """Where a login step ended: a session, or a request for a code."""

    status: LoginStatus
    admin: Row
    session: sessions.NewSession | None = None
    login_token: str | None = None


def _challenge_hash(login_token: str) -> str:
    return hashlib.sha256(login_token.encode()).hexdigest()


async def record_failed_attempt(
    pool: Pool,
    settings: GatewaySettings,
    audit: AuditLog,
    *,
    username: str | None,
    address: str,
    realm: throttle.Realm = "admin",
) -> InvalidCredentials:
    """Count a failed attempt, audit any lockout; return the error to raise."""
    lockouts = await throttle.record_failure(
        pool, settings, username=username, address=address, realm=realm
    )
    for lockout in lockouts:
        logger.warning(
            "locked %s %s after %d failed logins",
            lockout.kind,
            lockout.subject,
            lockout.failures,
        )
        await audit.record(
            AuditRecord(
                actor="system",
                auth="anonymous",
                action="auth.lockout",
                target=f"{lockout.kind}:{lockout.subject}",
                result="denied",
                status_code=429,
                client_address=address,
                details={
                    "failures": lockout.failures,
                    "locked_until": lockout.locked_until.isoformat() + "Z",
                },
            )
        )
    return InvalidCredentials()


async def login_with_password(
    pool: Pool,
    settings: GatewaySettings,
    audit: AuditLog,
    *,
    username: str,
    password: str,
    address: str,
) -> LoginOutcome:
    """Check a name and password; start a session or ask for a code."""
    name = throttle.account_key(username)
    await throttle.ensure_login_allowed(pool, username=name, address=address)

    admin = await admins.find_by_username(pool, name)
    password_ok = await verify_password(
        password, admin["password_hash"] if admin else None
    )
    if admin is None or not password_ok or admin["disabled"]:
        raise await record_failed_attempt(
            pool, settings, audit, username=name, address=address
        )

    await throttle.clear_account(pool, username=name)
    if admin["totp_secret"] is not None:
        login_token = secrets.token_urlsafe(32)
        expires_at = utc_now() + timedelta(seconds=settings.login_token_seconds)
        await execute(
            pool,
            "INSERT INTO login_challenges (token_hash, admin_id, expires_at)"
            " VALUES (%s, %s, %s)",
            (_challenge_hash(login_token), admin["id"], expires_at),
        )
        return LoginOutcome(
            status="totp_required", admin=admin, login_token=login_token
        )
    return await _open_session(pool, settings, admin=admin, address=address)


async def login_with_code(
    pool: Pool,
    settings: GatewaySettings,
    audit: AuditLog,
    *,
    login_token: str,
    code: str,
    address: str,
) -> LoginOutcome:
    """Finish a login with a TOTP or recovery code; start the session."""
    await throttle.ensure_login_allowed(pool, username=None, address=address)
    challenge = await fetch_one(
        pool,
        "SELECT token_hash, admin_id FROM login_challenges"
        " WHERE token_hash = %s AND used_at IS NULL AND expires_at > %s",
        (_challenge_hash(login_token), utc_now()),
    )
    if challenge is None:
        raise await record_failed_attempt(
            pool, settings, audit, username=None, address=address
        )
    admin = await admins.get_admin(pool, admin_id=challenge["admin_id"])
    await throttle.ensure_login_allowed(
        pool, username=admin["username"], address=address
    )

    code_ok = await totp.use_second_factor(pool, admin, code)
    if not code_ok or admin["disabled"]:
        raise await record_failed_attempt(
            pool, settings, audit, username=admin["username"], address=address
        )
    # Marking the challenge used only if nobody did first makes the
    # login token single-use even when two requests race.
    used, _ = await execute(
        pool,
        "UPDATE login_challenges SET used_at = %s"
        " WHERE token_hash = %s AND used_at IS NULL",
        (utc_now(), challenge["token_hash"]),
    )
    if used != 1:
        raise InvalidCredentials()

    await throttle.clear_account(pool, username=admin["username"])
    return await _open_session(pool, settings, admin=admin, address=address)


async def _open_session(
    pool: Pool, settings: GatewaySettings, *, admin: Row, address: str
) -> LoginOutcome:
    session = await sessions.start_session(
        pool, settings, admin_id=admin["id"], address=address
    )
    enrolment_required = admin["totp_secret"] is None and await security.totp_enforced(
        pool
    )
    status: LoginStatus = (
        "totp_enrolment_required" if enrolment_required else "authenticated"
    )
    refreshed = await admins.get_admin(pool, admin_id=admin["id"])
    return LoginOutcome(status=status, admin=refreshed, session=session)
