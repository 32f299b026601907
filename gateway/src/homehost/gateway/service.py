"""The gateway as the runtime starts it: a bus service serving HTTP."""

from importlib.resources import files

from homehost.gateway import __version__
from homehost.gateway.app import create_app
from homehost.gateway.audit import AuditLog
from homehost.gateway.deps import GatewayState
from homehost.gateway.settings import GatewaySettings
from homehost.shared.http import serve_http
from homehost.shared.runtime import ServiceContext, ServiceDefinition, service_names


async def start_gateway(context: ServiceContext) -> None:
    """Serve the REST API once the bus and the database stand."""
    settings = context.settings
    assert isinstance(settings, GatewaySettings)  # noqa: S101  # Set by the definition below.
    assert context.pool is not None  # noqa: S101  # GatewaySettings names a database.
    audit = AuditLog(context.pool, context.bus)
    state = GatewayState(
        settings=settings,
        bus=context.bus,
        service_names=service_names(),
        pool=context.pool,
        audit=audit,
    )
    context.on_stop(audit.close)
    await serve_http(
        context,
        create_app(state),
        host=settings.host,
        port=settings.port,
        proxy_headers=False,
    )

    async def end_event_streams() -> None:
        state.stopping.set()

    # Registered after the server, so it runs before the server's shutdown:
    # open event streams end and the server need not wait for them.
    context.on_stop(end_event_streams)


definition = ServiceDefinition(
    name="gateway",
    version=__version__,
    description="The REST API of homehost and the portal's host.",
    settings_class=GatewaySettings,
    setup=start_gateway,
    migrations=files("homehost.gateway") / "migrations",
)
