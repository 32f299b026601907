"""Errors of the dns service, as the bus carries them.

Each is a shared `HomehostError` subclass, so its code (and with it the
gateway's HTTP status) is fixed in one place: homehost.shared.errors.
"""

from __future__ import annotations

from typing import Any

from homehost.shared.errors import (
    ConfigurationError,
    Conflict,
    Forbidden,
    InvalidRequest,
    NotFound,
    ServiceUnavailable,
)


class DnsError(Exception):
    """Marker base of the dns service's own errors."""


class FieldProblems(InvalidRequest, DnsError):
    """Some request fields are wrong; `problems` names each field and reason."""

    def __init__(self, problems: list[dict[str, str]]) -> None:
        super().__init__(
            "; ".join(f"{p['field']}: {p['message']}" for p in problems),
            details={"errors": problems},
        )
        self.problems = problems


class ZoneNotFound(NotFound, DnsError):
    """No zone of that name is reachable with the token."""

    def __init__(self, zone: str) -> None:
        super().__init__(
            f"zone {zone} is not in this Cloudflare account, or the token may not "
            "see it",
            details={"zone": zone},
        )
        self.zone = zone


class RecordNotFound(NotFound, DnsError):
    """The record id asked for does not exist in the zone."""


class SafetyCapExceeded(Conflict, DnsError):
    """The plan changes more of the zone than one apply may without `force`."""

    def __init__(self, *, zone: str, touched: int, existing: int, cap: float) -> None:
        super().__init__(
            f"the plan changes or deletes {touched} of {existing} records in "
            f"{zone}, more than the safety cap of {cap:.0%}; check it and apply "
            "with force",
            details={
                "zone": zone,
                "touched": touched,
                "existing": existing,
                "cap": cap,
            },
        )


class PlanOutdated(Conflict, DnsError):
    """The zone changed since the plan that was previewed."""


class PermissionMissing(Forbidden, DnsError):
    """The API token lacks a permission; `permission` names it."""

    def __init__(self, *, permission: str, action: str) -> None:
        super().__init__(
            f"the Cloudflare API token lacks the permission {permission!r} "
            f"needed to {action}",
            details={"permission": permission, "action": action},
        )
        self.permission = permission


class CloudflareRejected(Conflict, DnsError):
    """Cloudflare refused a change; `errors` holds its codes and messages."""

    def __init__(
        self, message: str, *, errors: list[dict[str, Any]], **details: Any
    ) -> None:
        super().__init__(message, details={"cloudflare_errors": errors, **details})
        self.errors = errors

    @property
    def codes(self) -> list[int]:
        """Cloudflare's error codes, in the order it sent them."""
        return [int(error.get("code", 0)) for error in self.errors]


class RateLimited(ServiceUnavailable, DnsError):
    """Cloudflare kept answering 429 after every retry."""


class CloudflareUnavailable(ServiceUnavailable, DnsError):
    """Cloudflare could not be reached or answered with a server error."""


class CloudflareNotConfigured(ServiceUnavailable, DnsError):
    """No Cloudflare API token is set yet: normal on a new box."""

    def __init__(self) -> None:
        super().__init__(
            "not configured: set HOMEHOST_DNS_CLOUDFLARE_API_TOKEN(_FILE)",
            details={"variable": "HOMEHOST_DNS_CLOUDFLARE_API_TOKEN"},
        )

    def __str__(self) -> str:
        # The health report shows str() of a failed check: the message alone.
        return self.message


class NotConfigured(ConfigurationError, DnsError):
    """A setting the operation needs is empty."""


class NotOwned(Conflict, DnsError):
    """The record is not homehost's; deleting it needs `force`."""
