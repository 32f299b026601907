"""Roles and scopes: what a session or an API token may do."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal, get_args

Scope = Literal[
    "read",
    "write:mail",
    "write:dns",
    "write:containers",
    "write:sites",
    "write:databases",
    "write:backups",
    "write:admin",
]
Role = Literal["admin", "viewer"]

ALL_SCOPES: tuple[Scope, ...] = get_args(Scope)
ROLE_SCOPES: dict[Role, frozenset[Scope]] = {
    "admin": frozenset(ALL_SCOPES),
    "viewer": frozenset({"read"}),
}


def scopes_of(role: Role, *, granted: Iterable[str] | None = None) -> list[Scope]:
    """Return a caller's scopes: its role's, narrowed to `granted` for a token."""
    allowed = ROLE_SCOPES[role]
    if granted is not None:
        wanted = set(granted)
        allowed = frozenset(scope for scope in allowed if scope in wanted)
    return [scope for scope in ALL_SCOPES if scope in allowed]
