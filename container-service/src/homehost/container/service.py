"""The container service as the runtime starts it."""

from homehost.container import __version__
from homehost.container.settings import ContainerSettings
from homehost.shared.runtime import ServiceDefinition

definition = ServiceDefinition(
    name="container",
    version=__version__,
    description="Containers through the Docker Engine API.",
    settings_class=ContainerSettings,
)
