"""API tokens for scripts: shown once, stored as a hash, scoped, expiring.

A token is `hh_` and 256 random bits. Only its SHA-256 is stored: a slow
password hash protects guessable secrets, and nothing this random can be
guessed, so a fast hash is as safe and lets each request find its token
with one indexed lookup.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterable
from datetime import timedelta

from homehost.gateway.adapters.database import (
    Pool,
    Row,
    as_utc,
    execute,
    fetch_all,
    fetch_one,
    utc_now,
)
from homehost.gateway.schemas import TokenCreated, TokenPublic
from homehost.gateway.scopes import ALL_SCOPES, Scope
from homehost.shared.errors import NotFound

TOKEN_PREFIX = "hh_"  # noqa: S105  # A fixed marker, not a secret.
# Shown in lists so a person can tell tokens apart; 7 random characters
# reveal too little to matter.
_SHOWN_CHARACTERS = len(TOKEN_PREFIX) + 7
# `last_used_at` is written at most this often per token.
_TOUCH_AFTER = timedelta(seconds=60)

_SELECT = (
    "SELECT t.id, t.admin_id, t.name, t.prefix, t.scopes, t.created_at,"
    " t.expires_at, t.last_used_at, t.revoked_at, a.username AS owner"
    " FROM api_tokens t JOIN admins a ON a.id = t.admin_id"
)


def token_hash(token: str) -> str:
    """Return the stored form of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def _scopes(row: Row) -> list[Scope]:
    stored = set(json.loads(row["scopes"]))
    return [scope for scope in ALL_SCOPES if scope in stored]


def to_public(row: Row) -> TokenPublic:
    """Return a token row as the API lists it."""
    return TokenPublic(
        id=row["id"],
        name=row["name"],
        prefix=row["prefix"],
        scopes=_scopes(row),
        created_at=as_utc(row["created_at"]),
        expires_at=as_utc(row["expires_at"]),
        last_used_at=as_utc(row["last_used_at"]),
        revoked_at=as_utc(row["revoked_at"]),
        owner=row["owner"],
    )


async def create_token(
    pool: Pool,
    *,
    admin_id: int,
    name: str,
    scopes: Iterable[Scope],
    expires_in_days: int | None,
) -> TokenCreated:
    """Make a token for an admin; the answer is the only copy of it."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utc_now()
    expires_at = now + timedelta(days=expires_in_days) if expires_in_days else None
    wanted = set(scopes)
    _, token_id = await execute(
        pool,
        "INSERT INTO api_tokens (admin_id, name, prefix, token_hash, scopes,"
        " created_at, expires_at) VALUES (%s, %s, %s, %s, %s, %s, %s)",
        (
            admin_id,
            name,
            token[:_SHOWN_CHARACTERS],
            token_hash(token),
            json.dumps([scope for scope in ALL_SCOPES if scope in wanted]),
            now,
            expires_at,
        ),
    )
    row = await get_token(pool, token_id=token_id)
    return TokenCreated(token=token, **to_public(row).model_dump())


async def get_token(pool: Pool, *, token_id: int) -> Row:
    """Return one token; raise NotFound when there is none."""
    row = await fetch_one(pool, f"{_SELECT} WHERE t.id = %s", (token_id,))
    if row is None:
        raise NotFound(f"token {token_id} does not exist", details={"id": token_id})
    return row


async def list_tokens(pool: Pool, *, admin_id: int | None) -> list[TokenPublic]:
    """Return an admin's tokens, or everyone's when `admin_id` is None."""
    if admin_id is None:
        rows = await fetch_all(pool, f"{_SELECT} ORDER BY t.id")
    else:
        rows = await fetch_all(
            pool, f"{_SELECT} WHERE t.admin_id = %s ORDER BY t.id", (admin_id,)
        )
    return [to_public(row) for row in rows]


async def revoke_token(pool: Pool, *, token_id: int) -> Row:
    """Revoke a token (it stays listed, marked revoked); return it."""
    row = await get_token(pool, token_id=token_id)
    await execute(
        pool,
        "UPDATE api_tokens SET revoked_at = %s WHERE id = %s AND revoked_at IS NULL",
        (utc_now(), token_id),
    )
    return row


async def find_live_token(pool: Pool, *, token: str) -> Row | None:
    """Return a usable token with its owner's role, marking it used."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    row = await fetch_one(
        pool,
        "SELECT t.id, t.admin_id, t.scopes, t.expires_at, t.revoked_at,"
        " t.last_used_at, a.disabled FROM api_tokens t"
        " JOIN admins a ON a.id = t.admin_id WHERE t.token_hash = %s",
        (token_hash(token),),
    )
    now = utc_now()
    if row is None or row["revoked_at"] is not None or row["disabled"]:
        return None
    if row["expires_at"] is not None and now >= row["expires_at"]:
        return None

    if row["last_used_at"] is None or now - row["last_used_at"] >= _TOUCH_AFTER:
        await execute(
            pool,
            "UPDATE api_tokens SET last_used_at = %s WHERE id = %s",
            (now, row["id"]),
        )
    row["scope_list"] = _scopes(row)
    return row
