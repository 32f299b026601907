"""Gateway-wide security settings, stored in the gateway's database."""

from __future__ import annotations

from homehost.gateway.adapters.database import Pool, execute, fetch_one


async def totp_enforced(pool: Pool) -> bool:
    """Whether every admin must use a second factor."""
    row = await fetch_one(
        pool, "SELECT enforce_totp FROM security_settings WHERE id = 1"
    )
    return bool(row and row["enforce_totp"])


async def set_totp_enforced(pool: Pool, *, enforce: bool) -> None:
    """Require, or stop requiring, a second factor of every admin."""
    await execute(
        pool, "UPDATE security_settings SET enforce_totp = %s WHERE id = 1", (enforce,)
    )
