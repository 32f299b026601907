"""Errors of the gateway's own, and the HTTP status of every error code.

The shared `HTTP_STATUS` maps the codes every service uses; the gateway
adds the few that only a door has (credentials, throttling, CSRF, body
size). `http_status_for` here is the one place the gateway asks.
"""

from __future__ import annotations

from homehost.shared.errors import (
    HTTP_STATUS,
    Forbidden,
    HomehostError,
    Unauthorized,
)


class InvalidCredentials(Unauthorized):
    """A wrong name, password or second factor; never says which."""

    code = "invalid_credentials"

    def __init__(self) -> None:
        super().__init__("invalid credentials")


class TooManyAttempts(HomehostError):
    """Logins from this account or address are paused for a while."""

    code = "too_many_attempts"

    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(
            f"too many failed logins; try again in {retry_after_seconds} s",
            details={"retry_after_seconds": retry_after_seconds},
        )
        self.retry_after_seconds = retry_after_seconds


class CsrfFailed(Forbidden):
    """A state-changing request by session lacks the matching CSRF header."""

    code = "csrf_failed"


class MissingScope(Forbidden):
    """The caller's scopes do not include the one the route needs."""

    def __init__(self, scope: str) -> None:
        super().__init__(
            f"this needs the scope {scope}", details={"required_scope": scope}
        )
        self.scope = scope


class TotpEnrolmentRequired(Forbidden):
    """Two-factor is enforced and this admin must enrol before anything else."""

    code = "totp_enrolment_required"

    def __init__(self) -> None:
        super().__init__("two-factor authentication must be set up first")


class PayloadTooLarge(HomehostError):
    """The request body is larger than the gateway accepts."""

    code = "payload_too_large"

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"the request body exceeds {limit} bytes", details={"limit_bytes": limit}
        )


class UnsupportedMediaType(HomehostError):
    """A request body the API cannot read: every route takes JSON."""

    code = "unsupported_media_type"

    def __init__(self, media_type: str) -> None:
        super().__init__(
            "the body must be JSON (Content-Type: application/json)",
            details={"content_type": media_type or None},
        )


GATEWAY_HTTP_STATUS: dict[str, int] = {
    **HTTP_STATUS,
    InvalidCredentials.code: 401,
    TooManyAttempts.code: 429,
    CsrfFailed.code: 403,
    TotpEnrolmentRequired.code: 403,
    PayloadTooLarge.code: 413,
    UnsupportedMediaType.code: 415,
}


def http_status_for(code: str) -> int:
    """Return the HTTP status the gateway answers an error code with."""
    return GATEWAY_HTTP_STATUS.get(code, 500)
