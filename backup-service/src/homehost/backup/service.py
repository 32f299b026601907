"""The backup service as the runtime starts it."""

from homehost.backup import __version__
from homehost.backup.settings import BackupSettings
from homehost.shared.runtime import ServiceDefinition

definition = ServiceDefinition(
    name="backup",
    version=__version__,
    description="Backup jobs, generations, S3 offsite copies with Object Lock, restores.",
    settings_class=BackupSettings,
)
