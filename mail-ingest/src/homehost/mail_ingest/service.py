"""The ingest service as the runtime starts it."""

from homehost.mail_ingest import __version__
from homehost.mail_ingest.settings import IngestSettings
from homehost.shared.runtime import ServiceDefinition

definition = ServiceDefinition(
    name="ingest",
    version=__version__,
    description="Inbound mail: the Email Worker's endpoint, scanning, spool and LMTP delivery.",
    settings_class=IngestSettings,
)
