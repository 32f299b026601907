"""The mailbox service as the runtime starts it."""

from homehost.mailbox import __version__
from homehost.mailbox.settings import MailboxSettings
from homehost.shared.runtime import ServiceDefinition

definition = ServiceDefinition(
    name="mailbox",
    version=__version__,
    description="Mail domains, mailboxes, aliases, quotas and DKIM keys.",
    settings_class=MailboxSettings,
)
