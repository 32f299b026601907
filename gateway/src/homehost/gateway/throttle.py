"""Login throttling: failures counted per account name and per client address.

Counters live in MariaDB so that every copy of the gateway sees the same
numbers. Once the failures inside the window reach the limit, the account
or address is locked until `locked_until`; every login from it is then
refused before its password is even checked.

Admin logins and the mailbox self-service count apart, each under its own
kinds (`account`/`address` and `mailbox_account`/`mailbox_address`), so
that guessing mailbox passwords can never lock an admin out.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from homehost.gateway.adapters.database import Pool, execute, fetch_all, utc_now
from homehost.gateway.errors import TooManyAttempts
from homehost.gateway.settings import GatewaySettings

ThrottleKind = Literal["account", "address", "mailbox_account", "mailbox_address"]
Realm = Literal["admin", "mailbox"]

# The kinds (account, address) each realm counts under.
_KINDS: dict[Realm, tuple[ThrottleKind, ThrottleKind]] = {
    "admin": ("account", "address"),
    "mailbox": ("mailbox_account", "mailbox_address"),
}


@dataclass(frozen=True)
class Lockout:
    """An account or address that has just been locked."""

    kind: ThrottleKind
    subject: str
    locked_until: datetime
    failures: int


def account_key(username: str) -> str:
    """Return the throttle key of a login name, as typed or not."""
    return username.strip().lower()[:255]


async def ensure_login_allowed(
    pool: Pool, *, username: str | None, address: str, realm: Realm = "admin"
) -> None:
    """Raise `TooManyAttempts` while the account or the address is locked."""
    now = utc_now()
    account_kind, address_kind = _KINDS[realm]
    conditions = ["(kind = %s AND subject = %s)"]
    args: list[object] = [address_kind, address]
    if username is not None:
        conditions.append("(kind = %s AND subject = %s)")
        args.extend([account_kind, account_key(username)])
    # Only fixed fragments are joined into the text; values are parameters.
    where = " OR ".join(conditions)
    sql = (
        f"SELECT locked_until FROM login_throttle WHERE ({where}) AND locked_until > %s"  # noqa: S608
    )
    rows = await fetch_all(pool, sql, [*args, now])
    if rows:
        until = max(row["locked_until"] for row in rows)
        raise TooManyAttempts(max(1, math.ceil((until - now).total_seconds())))


async def record_failure(
    pool: Pool,
    settings: GatewaySettings,
    *,
    username: str | None,
    address: str,
    realm: Realm = "admin",
) -> list[Lockout]:
    """Count a failed login; return the lockouts this failure started."""
    account_kind, address_kind = _KINDS[realm]
    counters: list[tuple[ThrottleKind, str, int]] = [
        (address_kind, address, settings.login_max_failures_per_address)
    ]
    if username is not None:
        counters.append(
            (
                account_kind,
                account_key(username),
                settings.login_max_failures_per_account,
            )
        )
    lockouts = []
    for kind, subject, limit in counters:
        lockout = await _count(pool, settings, kind=kind, subject=subject, limit=limit)
        if lockout is not None:
            lockouts.append(lockout)
    return lockouts


async def _count(
    pool: Pool,
    settings: GatewaySettings,
    *,
    kind: ThrottleKind,
    subject: str,
    limit: int,
) -> Lockout | None:
    now = utc_now()
    window_start = now - timedelta(seconds=settings.login_failure_window_seconds)
    # MariaDB applies the assignments left to right: `failures` is decided
    # on the old window start before the window moves.
    await execute(
        pool,
        "INSERT INTO login_throttle (kind, subject, failures, window_started_at)"
        " VALUES (%s, %s, 1, %s) ON DUPLICATE KEY UPDATE"
        " failures = IF(window_started_at < %s, 1, failures + 1),"
        " window_started_at = IF(window_started_at < %s, %s, window_started_at)",
        (kind, subject, now, window_start, window_start, now),
    )
    locked_until = now + timedelta(seconds=settings.lockout_seconds)
    # The row count tells which copy of the gateway set the lock, so the
    # lockout is reported (and audited) once.
    changed, _ = await execute(
        pool,
        "UPDATE login_throttle SET locked_until = %s"
        " WHERE kind = %s AND subject = %s AND failures >= %s"
        " AND (locked_until IS NULL OR locked_until <= %s)",
        (locked_until, kind, subject, limit, now),
    )
    if changed != 1:
        return None
    return Lockout(
        kind=kind, subject=subject, locked_until=locked_until, failures=limit
    )


async def clear_account(pool: Pool, *, username: str, realm: Realm = "admin") -> bool:
    """Forget an account's failures and lift its lock; True if it had any."""
    account_kind, _ = _KINDS[realm]
    changed, _ = await execute(
        pool,
        "DELETE FROM login_throttle WHERE kind = %s AND subject = %s",
        (account_kind, account_key(username)),
    )
    return changed > 0


async def clear_admin_addresses(pool: Pool) -> list[str]:
    """Forget every address's failed admin logins; return the locked ones.

    Which address an admin will come from is unknown (behind a tunnel,
    every visitor may share one), so unlocking an admin lifts them all.
    """
    rows = await fetch_all(
        pool,
        "SELECT subject FROM login_throttle"
        " WHERE kind = 'address' AND locked_until > %s ORDER BY subject",
        (utc_now(),),
    )
    await execute(pool, "DELETE FROM login_throttle WHERE kind = 'address'", ())
    return [row["subject"] for row in rows]


async def locked_accounts(pool: Pool, usernames: Iterable[str]) -> dict[str, datetime]:
    """Return when each locked account of `usernames` unlocks."""
    keys = sorted({account_key(name) for name in usernames})
    if not keys:
        return {}
    placeholders = ", ".join(["%s"] * len(keys))
    # Only placeholders are joined into the text; values are parameters.
    where = f"kind = 'account' AND subject IN ({placeholders})"
    sql = f"SELECT subject, locked_until FROM login_throttle WHERE {where} AND locked_until > %s"  # noqa: S608
    rows = await fetch_all(pool, sql, [*keys, utc_now()])
    return {row["subject"]: row["locked_until"] for row in rows}
