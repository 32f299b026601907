"""The gateway as the runtime starts it: a bus service serving HTTP."""

from homehost.gateway import __version__
from homehost.gateway.app import create_app
from homehost.gateway.deps import GatewayState
from homehost.gateway.settings import GatewaySettings
from homehost.shared.http import serve_http
from homehost.shared.runtime import ServiceContext, ServiceDefinition, discover_services


async def start_gateway(context: ServiceContext) -> None:
    """Serve the REST API once the bus connection stands."""
    settings = context.settings
    assert isinstance(settings, GatewaySettings)  # noqa: S101  # Set by the definition below.
    state = GatewayState(
        settings=settings, bus=context.bus, service_names=list(discover_services())
    )
    await serve_http(context, create_app(state), host=settings.host, port=settings.port)


definition = ServiceDefinition(
    name="gateway",
    version=__version__,
    description="The REST API of homehost and the portal's host.",
    settings_class=GatewaySettings,
    setup=start_gateway,
)
