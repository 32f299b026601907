"""Admin accounts: create, list, change, delete and unlock."""

from __future__ import annotations

from datetime import datetime

from homehost.gateway import throttle
from homehost.gateway.adapters.database import (
    Pool,
    Row,
    as_utc,
    execute,
    fetch_all,
    fetch_one,
    is_duplicate_key,
    utc_now,
)
from homehost.gateway.passwords import hash_password, password_problem
from homehost.gateway.schemas import AdminPublic
from homehost.gateway.scopes import Role
from homehost.shared.errors import Conflict, InvalidRequest, NotFound

_COLUMNS = (
    "id, username, password_hash, role, disabled, totp_secret, totp_pending_secret,"
    " totp_last_step, created_at, last_login_at"
)


class WeakPassword(InvalidRequest):
    """The password breaks a rule; the message says which."""

    def __init__(self, reason: str) -> None:
        super().__init__(
            f"password: {reason}",
            details={"errors": [{"field": "password", "message": reason}]},
        )
        self.reason = reason


def to_public(admin: Row, *, locked_until: datetime | None = None) -> AdminPublic:
    """Return an admin row as the API shows it."""
    return AdminPublic(
        id=admin["id"],
        username=admin["username"],
        role=admin["role"],
        totp_enabled=admin["totp_secret"] is not None,
        disabled=bool(admin["disabled"]),
        locked_until=as_utc(locked_until),
        created_at=as_utc(admin["created_at"]),
        last_login_at=as_utc(admin["last_login_at"]),
    )


async def public_view(pool: Pool, admin: Row) -> AdminPublic:
    """Return one admin as the API shows it, with its lock if any."""
    locks = await throttle.locked_accounts(pool, [admin["username"]])
    return to_public(admin, locked_until=locks.get(admin["username"]))


async def find_by_username(pool: Pool, username: str) -> Row | None:
    """Return the admin with this name, or None."""
    return await fetch_one(
        pool,
        f"SELECT {_COLUMNS} FROM admins WHERE username = %s",  # noqa: S608  # Fixed column list.
        (username,),
    )


async def get_admin(pool: Pool, *, admin_id: int) -> Row:
    """Return one admin; raise NotFound when there is none."""
    admin = await fetch_one(
        pool,
        f"SELECT {_COLUMNS} FROM admins WHERE id = %s",  # noqa: S608  # Fixed column list.
        (admin_id,),
    )
    if admin is None:
        raise NotFound(f"admin {admin_id} does not exist", details={"id": admin_id})
    return admin


async def list_admins(pool: Pool) -> list[AdminPublic]:
    """Return every admin, oldest first."""
    rows = await fetch_all(
        pool,
        f"SELECT {_COLUMNS} FROM admins ORDER BY id",  # noqa: S608  # Fixed column list.
    )
    locks = await throttle.locked_accounts(pool, [row["username"] for row in rows])
    return [to_public(row, locked_until=locks.get(row["username"])) for row in rows]


async def create_admin(
    pool: Pool, *, username: str, password: str, role: Role
) -> AdminPublic:
    """Create an admin; refuse a weak password or a taken name."""
    problem = password_problem(password, username=username)
    if problem is not None:
        raise WeakPassword(problem)
    password_hash = await hash_password(password)

    try:
        _, admin_id = await execute(
            pool,
            "INSERT INTO admins (username, password_hash, role, created_at)"
            " VALUES (%s, %s, %s, %s)",
            (username, password_hash, role, utc_now()),
        )
    except Exception as exc:
        if is_duplicate_key(exc):
            raise Conflict(
                f"an admin named {username} exists already",
                details={"username": username},
            ) from exc
        raise
    return to_public(await get_admin(pool, admin_id=admin_id))


async def _other_active_admins(pool: Pool, *, admin_id: int) -> int:
    row = await fetch_one(
        pool,
        "SELECT COUNT(*) AS count FROM admins"
        " WHERE role = 'admin' AND NOT disabled AND id <> %s",
        (admin_id,),
    )
    return int(row["count"]) if row else 0


async def update_admin(
    pool: Pool,
    *,
    admin_id: int,
    role: Role | None,
    disabled: bool | None,
) -> AdminPublic:
    """Change an admin's role or whether it may log in.

    The last enabled admin with the admin role cannot be demoted or
    disabled: someone must always be able to manage the others.
    """
    admin = await get_admin(pool, admin_id=admin_id)
    new_role = role if role is not None else admin["role"]
    new_disabled = disabled if disabled is not None else bool(admin["disabled"])
    loses_admin = admin["role"] == "admin" and not admin["disabled"]
    loses_admin = loses_admin and (new_role != "admin" or new_disabled)
    if loses_admin and await _other_active_admins(pool, admin_id=admin_id) == 0:
        raise Conflict(
            "this is the last enabled admin with the admin role",
            details={"id": admin_id},
        )

    await execute(
        pool,
        "UPDATE admins SET role = %s, disabled = %s WHERE id = %s",
        (new_role, new_disabled, admin_id),
    )
    if new_disabled:
        await execute(pool, "DELETE FROM sessions WHERE admin_id = %s", (admin_id,))
    return await public_view(pool, await get_admin(pool, admin_id=admin_id))


async def delete_admin(pool: Pool, *, admin_id: int, acting_admin_id: int) -> Row:
    """Delete an admin with its sessions and tokens; return the deleted row."""
    admin = await get_admin(pool, admin_id=admin_id)
    if admin_id == acting_admin_id:
        raise Conflict("an admin cannot delete itself", details={"id": admin_id})
    is_active_admin = admin["role"] == "admin" and not admin["disabled"]
    if is_active_admin and await _other_active_admins(pool, admin_id=admin_id) == 0:
        raise Conflict(
            "this is the last enabled admin with the admin role",
            details={"id": admin_id},
        )

    await execute(pool, "DELETE FROM admins WHERE id = %s", (admin_id,))
    return admin


async def unlock_admin(pool: Pool, *, admin_id: int) -> tuple[Row, list[str]]:
    """Lift the lockouts that stop an admin from logging in.

    Forgets the account's failed logins and every address's (the admin's
    address is unknown); returns the admin and the addresses that were
    locked.
    """
    admin = await get_admin(pool, admin_id=admin_id)
    await throttle.clear_account(pool, username=admin["username"])
    addresses = await throttle.clear_admin_addresses(pool)
    return admin, addresses
