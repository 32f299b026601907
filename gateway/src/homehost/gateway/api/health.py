"""`GET /api/health`: every service's health, gathered over the bus."""

from fastapi import APIRouter

from homehost.gateway.deps import GatewayStateDep
from homehost.shared.health import SystemHealth, collect_health

router = APIRouter(tags=["health"])


@router.get("/api/health", name="health.read", response_model=SystemHealth)
async def read_health(state: GatewayStateDep) -> SystemHealth:
    """Return the status, version, uptime and dependencies of every service."""
    return await collect_health(
        state.bus, state.service_names, timeout=state.settings.health_timeout
    )
