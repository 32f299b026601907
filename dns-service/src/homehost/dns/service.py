"""The dns service as the runtime starts it."""

from homehost.dns import __version__
from homehost.dns.settings import DnsSettings
from homehost.shared.runtime import ServiceDefinition

definition = ServiceDefinition(
    name="dns",
    version=__version__,
    description="Zones, DNS records, Tunnel routes and edge settings at Cloudflare.",
    settings_class=DnsSettings,
)
