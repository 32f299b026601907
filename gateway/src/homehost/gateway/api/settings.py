"""`/api/settings/security`: gateway-wide security settings."""

from __future__ import annotations

from fastapi import APIRouter, Request

from homehost.gateway import security
from homehost.gateway.deps import AdminWriter, GatewayStateDep, Reader
from homehost.gateway.schemas import SecuritySettings

router = APIRouter(prefix="/api/settings", tags=["settings"])


@router.get("/security", name="settings.security_read", response_model=SecuritySettings)
async def read_security_settings(_: Reader, state: GatewayStateDep) -> SecuritySettings:
    """Return whether two-factor authentication is enforced."""
    return SecuritySettings(enforce_totp=await security.totp_enforced(state.pool))


@router.put(
    "/security", name="settings.security_update", response_model=SecuritySettings
)
async def update_security_settings(
    body: SecuritySettings, _: AdminWriter, request: Request, state: GatewayStateDep
) -> SecuritySettings:
    """Enforce, or stop enforcing, two-factor authentication for every admin."""
    request.state.audit_target = "settings:security"
    request.state.audit_details = body.model_dump()
    await security.set_totp_enforced(state.pool, enforce=body.enforce_totp)
    return body
