"""The site service as the runtime starts it."""

from homehost.shared.runtime import ServiceDefinition
from homehost.site import __version__
from homehost.site.settings import SiteSettings

definition = ServiceDefinition(
    name="site",
    version=__version__,
    description="WordPress sites: vhosts, PHP pools, plugins, themes and caches.",
    settings_class=SiteSettings,
)
