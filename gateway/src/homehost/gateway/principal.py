"""Who is calling: an admin, by session or by API token, with its scopes."""

from __future__ import annotations

from dataclasses import dataclass

from homehost.gateway.schemas import AuthKind
from homehost.gateway.scopes import Role, Scope


@dataclass(frozen=True)
class Principal:
    """An authenticated caller."""

    admin_id: int
    username: str
    role: Role
    auth: AuthKind
    scopes: tuple[Scope, ...]
    session_id_hash: str | None = None
    csrf_token: str | None = None
    token_id: int | None = None
    totp_enrolment_required: bool = False

    def has_scope(self, scope: Scope) -> bool:
        """Whether this caller may do what `scope` allows."""
        return scope in self.scopes
