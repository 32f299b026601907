"""The database service as the runtime starts it."""

from homehost.database import __version__
from homehost.database.settings import DatabaseSettings
from homehost.shared.runtime import ServiceDefinition

definition = ServiceDefinition(
    name="database",
    version=__version__,
    description="MariaDB administration: databases, users, grants and sizes.",
    settings_class=DatabaseSettings,
)
