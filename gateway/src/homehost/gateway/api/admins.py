"""`/api/admins`: admin accounts, managed by admins."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, status

from homehost.gateway import admins
from homehost.gateway.api.responses import errors
from homehost.gateway.deps import AdminWriter, GatewayStateDep, Reader
from homehost.gateway.schemas import AdminCreate, AdminPublic, AdminUpdate

router = APIRouter(prefix="/api/admins", tags=["admins"])

AdminId = Annotated[int, Path(ge=1, le=2**63 - 1)]


@router.get("", name="admins.list", response_model=list[AdminPublic])
async def list_admins(_: Reader, state: GatewayStateDep) -> list[AdminPublic]:
    """Return every admin account."""
    return await admins.list_admins(state.pool)


@router.post(
    "",
    name="admins.create",
    response_model=AdminPublic,
    status_code=status.HTTP_201_CREATED,
    responses=errors(409),
)
async def create_admin(
    body: AdminCreate, _: AdminWriter, request: Request, state: GatewayStateDep
) -> AdminPublic:
    """Create an admin account with a strong password."""
    request.state.audit_target = f"admin:{body.username}"
    request.state.audit_details = {"role": body.role}
    return await admins.create_admin(
        state.pool,
        username=body.username,
        password=body.password.get_secret_value(),
        role=body.role,
    )


@router.patch(
    "/{admin_id}",
    name="admins.update",
    response_model=AdminPublic,
    responses=errors(404, 409),
)
async def update_admin(
    admin_id: AdminId,
    body: AdminUpdate,
    _: AdminWriter,
    request: Request,
    state: GatewayStateDep,
) -> AdminPublic:
    """Change an admin's role, or disable or enable it."""
    request.state.audit_target = f"admin:{admin_id}"
    request.state.audit_details = body.model_dump(exclude_none=True)
    updated = await admins.update_admin(
        state.pool, admin_id=admin_id, role=body.role, disabled=body.disabled
    )
    request.state.audit_target = f"admin:{updated.username}"
    return updated


@router.post(
    "/{admin_id}/unlock",
    name="admins.unlock",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errors(404),
)
async def unlock_admin(
    admin_id: AdminId, _: AdminWriter, request: Request, state: GatewayStateDep
) -> None:
    """Lift the lockout of an admin after repeated failed logins."""
    # Also lifts every address's block on admin logins, since any of them
    # may be the one the admin logs in from.
    request.state.audit_target = f"admin:{admin_id}"
    admin, addresses = await admins.unlock_admin(state.pool, admin_id=admin_id)
    request.state.audit_target = f"admin:{admin['username']}"
    request.state.audit_details = {"unlocked_addresses": addresses}


@router.delete(
    "/{admin_id}",
    name="admins.delete",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errors(404, 409),
)
async def delete_admin(
    admin_id: AdminId, principal: AdminWriter, request: Request, state: GatewayStateDep
) -> None:
    """Delete an admin account with its sessions and tokens."""
    request.state.audit_target = f"admin:{admin_id}"
    admin = await admins.delete_admin(
        state.pool, admin_id=admin_id, acting_admin_id=principal.admin_id
    )
    request.state.audit_target = f"admin:{admin['username']}"
