"""Browser sessions, stored server-side; the cookie holds only a random id.

The table keeps the SHA-256 of the id: the id is 256 random bits, so its
hash cannot be reversed, and a leaked table opens no session.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from homehost.gateway.adapters.database import Pool, Row, execute, fetch_one, utc_now
from homehost.gateway.settings import GatewaySettings

# `last_seen_at` is written at most this often, so a page that polls does
# not write to the database on every request.
_TOUCH_AFTER = timedelta(seconds=10)


@dataclass(frozen=True)
class NewSession:
    """A session just started: the cookie values, shown to the browser once."""

    session_id: str
    csrf_token: str


def session_hash(session_id: str) -> str:
    """Return the stored form of a session id."""
    return hashlib.sha256(session_id.encode()).hexdigest()


async def start_session(
    pool: Pool, settings: GatewaySettings, *, admin_id: int, address: str
) -> NewSession:
    """Open a session for an admin that has just logged in."""
    session = NewSession(
        session_id=secrets.token_urlsafe(32), csrf_token=secrets.token_urlsafe(32)
    )
    now = utc_now()
    await execute(
        pool,
        "INSERT INTO sessions (id_hash, admin_id, csrf_token, created_at,"
        " last_seen_at, expires_at, client_address) VALUES (%s, %s, %s, %s, %s, %s, %s)",
        (
            session_hash(session.session_id),
            admin_id,
            session.csrf_token,
            now,
            now,
            now + timedelta(seconds=settings.session_absolute_seconds),
            address,
        ),
    )
    await execute(
        pool, "UPDATE admins SET last_login_at = %s WHERE id = %s", (now, admin_id)
    )
    return session


async def find_session(
    pool: Pool, settings: GatewaySettings, *, session_id: str
) -> Row | None:
    """Return a live session with its admin; an expired one ends here."""
    id_hash = session_hash(session_id)
    row = await fetch_one(
        pool,
        "SELECT s.id_hash, s.csrf_token, s.last_seen_at, s.expires_at,"
        " a.id AS admin_id, a.disabled,"
        " (SELECT enforce_totp FROM security_settings WHERE id = 1) AS enforce_totp"
        " FROM sessions s JOIN admins a ON a.id = s.admin_id WHERE s.id_hash = %s",
        (id_hash,),
    )
    if row is None:
        return None
    now = utc_now()
    idle_limit = timedelta(seconds=settings.session_idle_seconds)
    expired = now >= row["expires_at"] or now - row["last_seen_at"] >= idle_limit
    if expired or row["disabled"]:
        await execute(pool, "DELETE FROM sessions WHERE id_hash = %s", (id_hash,))
        return None

    if now - row["last_seen_at"] >= _TOUCH_AFTER:
        await execute(
            pool,
            "UPDATE sessions SET last_seen_at = %s WHERE id_hash = %s",
            (now, id_hash),
        )
    return row


async def end_session(pool: Pool, *, session_id_hash: str) -> None:
    """End one session (logout)."""
    await execute(pool, "DELETE FROM sessions WHERE id_hash = %s", (session_id_hash,))
