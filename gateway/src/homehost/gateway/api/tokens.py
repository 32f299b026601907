"""`/api/tokens`: API tokens for scripts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, status

from homehost.gateway import tokens
from homehost.gateway.api.responses import errors
from homehost.gateway.deps import GatewayStateDep, Reader
from homehost.gateway.errors import MissingScope
from homehost.gateway.schemas import TokenCreate, TokenCreated, TokenPublic
from homehost.shared.errors import NotFound

router = APIRouter(prefix="/api/tokens", tags=["tokens"])


@router.get("", name="tokens.list", response_model=list[TokenPublic])
async def list_tokens(
    principal: Reader,
    state: GatewayStateDep,
    all: Annotated[  # The query parameter is named `all`.
        bool, Query(description="Every admin's tokens (needs write:admin).")
    ] = False,
) -> list[TokenPublic]:
    """Return the caller's tokens, or everyone's with `all=true`."""
    if all and not principal.has_scope("write:admin"):
        raise MissingScope("write:admin")
    return await tokens.list_tokens(
        state.pool, admin_id=None if all else principal.admin_id
    )


@router.post(
    "",
    name="tokens.create",
    response_model=TokenCreated,
    status_code=status.HTTP_201_CREATED,
)
async def create_token(
    body: TokenCreate, principal: Reader, request: Request, state: GatewayStateDep
) -> TokenCreated:
    """Make a token; its scopes cannot exceed the caller's own."""
    request.state.audit_target = f"token:{body.name}"
    request.state.audit_details = {
        "scopes": list(body.scopes),
        "expires_in_days": body.expires_in_days,
    }
    for scope in body.scopes:
        if not principal.has_scope(scope):
            raise MissingScope(scope)
    created = await tokens.create_token(
        state.pool,
        admin_id=principal.admin_id,
        name=body.name,
        scopes=body.scopes,
        expires_in_days=body.expires_in_days,
    )
    request.state.audit_target = f"token:{created.id}"
    return created


@router.delete(
    "/{token_id}",
    name="tokens.revoke",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errors(404),
)
async def revoke_token(
    token_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
    principal: Reader,
    request: Request,
    state: GatewayStateDep,
) -> None:
    """Revoke a token of the caller's (any token, with write:admin)."""
    request.state.audit_target = f"token:{token_id}"
    token = await tokens.get_token(state.pool, token_id=token_id)
    if token["admin_id"] != principal.admin_id and not principal.has_scope(
        "write:admin"
    ):
        # Someone else's token is reported as absent, not as forbidden.
        raise NotFound(f"token {token_id} does not exist", details={"id": token_id})
    await tokens.revoke_token(state.pool, token_id=token_id)
