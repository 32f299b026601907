"""The error model shared by every service, the bus and the gateway.

A domain error carries a stable code, a message a person can read and
details a program can use. The code travels over the bus unchanged; the
gateway turns it into an HTTP status through `HTTP_STATUS`, the one place
where that mapping lives.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


class HomehostError(Exception):
    """Base of every error homehost raises on purpose."""

    code: str = "internal"

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] = details or {}

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"

    def to_payload(self) -> dict[str, Any]:
        """Return the error as the JSON object sent over the bus and HTTP."""
        return {"code": self.code, "message": self.message, "details": self.details}


class InvalidRequest(HomehostError):
    """The request is malformed; `details["errors"]` names each bad field."""

    code = "invalid_request"


class NotFound(HomehostError):
    """The thing asked for does not exist."""

    code = "not_found"


class Conflict(HomehostError):
    """The request contradicts the current state (a duplicate, a thing in use)."""

    code = "conflict"


class Unauthorized(HomehostError):
    """The caller has not proven who it is."""

    code = "unauthorized"


class Forbidden(HomehostError):
    """The caller is known but may not do this."""

    code = "forbidden"


class ServiceUnavailable(HomehostError):
    """No copy of the service answered, or a dependency of it is down."""

    code = "unavailable"


class RequestTimeout(HomehostError):
    """The service did not answer in time."""

    code = "timeout"


class InternalError(HomehostError):
    """Something unexpected failed; `error_id` is also in the service's log."""

    code = "internal"

    def __init__(self, message: str, *, error_id: str) -> None:
        super().__init__(message, details={"error_id": error_id})
        self.error_id = error_id


class ConfigurationError(HomehostError):
    """The settings cannot be used as given."""

    code = "configuration"


class EventPublishError(HomehostError):
    """An event could not be stored in JetStream after every retry."""

    code = "event_not_stored"


HTTP_STATUS: dict[str, int] = {
    InvalidRequest.code: 422,
    NotFound.code: 404,
    Conflict.code: 409,
    Unauthorized.code: 401,
    Forbidden.code: 403,
    ServiceUnavailable.code: 503,
    RequestTimeout.code: 504,
    EventPublishError.code: 503,
    ConfigurationError.code: 500,
    InternalError.code: 500,
}

_ERRORS_BY_CODE: dict[str, type[HomehostError]] = {
    cls.code: cls
    for cls in (
        InvalidRequest,
        NotFound,
        Conflict,
        Unauthorized,
        Forbidden,
        ServiceUnavailable,
        RequestTimeout,
        ConfigurationError,
        EventPublishError,
    )
}


def http_status_for(code: str) -> int:
    """Return the HTTP status for an error code; unknown codes are 500."""
    return HTTP_STATUS.get(code, 500)


def error_from_payload(payload: dict[str, Any]) -> HomehostError:
    """Rebuild a typed error from the JSON object another service sent."""
    code = str(payload.get("code", "internal"))
    message = str(payload.get("message", "unknown error"))
    details = payload.get("details") or {}
    if code == InternalError.code:
        return InternalError(message, error_id=str(details.get("error_id", "")))
    error_class = _ERRORS_BY_CODE.get(code)
    if error_class is None:
        error = HomehostError(message, details=details)
        error.code = code
        return error
    return error_class(message, details=details)


def invalid_request(problems: Iterable[Mapping[str, Any]]) -> InvalidRequest:
    """Turn pydantic's validation problems into one error naming each field."""
    fields = [
        {
            "field": ".".join(str(part) for part in problem["loc"]) or "(body)",
            "message": str(problem["msg"]),
        }
        for problem in problems
    ]
    return InvalidRequest(
        "; ".join(f"{item['field']}: {item['message']}" for item in fields),
        details={"errors": fields},
    )
