"""Events of site-service: WordPress sites coming and going."""

from __future__ import annotations

from typing import ClassVar

from homehost.shared.bus.events import Event


class SiteCreated(Event):
    """A site now exists; dns-service publishes its host names through the Tunnel."""

    subject: ClassVar[str] = "site.created"

    site: str
    hostnames: list[str]
