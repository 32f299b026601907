"""Dependencies the routes declare, as `Annotated` aliases."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from homehost.gateway.settings import GatewaySettings
from homehost.shared.bus import Bus


@dataclass
class GatewayState:
    """What every request may use: the settings, the bus, the services."""

    settings: GatewaySettings
    bus: Bus
    service_names: list[str]


def get_state(request: Request) -> GatewayState:
    """Return the gateway state the app was built with."""
    state: GatewayState = request.app.state.gateway
    return state


GatewayStateDep = Annotated[GatewayState, Depends(get_state)]
