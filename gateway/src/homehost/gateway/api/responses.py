"""The error answers routes document in the OpenAPI spec."""

from typing import Any

from homehost.gateway.schemas import ErrorPayload

_DESCRIPTIONS = {
    401: "Not authenticated, or the credentials are wrong.",
    403: "Authenticated but not allowed (scope, CSRF, enrolment).",
    404: "No such thing.",
    409: "Contradicts the current state.",
    413: "The request body is too large.",
    422: "The request is malformed; details.errors names each field.",
    429: "Too many failed logins; details.retry_after_seconds says how long.",
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """Return the `responses=` entries for these error statuses."""
    return {
        status: {"model": ErrorPayload, "description": _DESCRIPTIONS[status]}
        for status in statuses
    }


# Every route can answer these.
COMMON = errors(401, 403, 413, 422)


def unavailable(not_answering: str, too_late: str) -> dict[int | str, dict[str, Any]]:
    """The `responses=` entries of a route that asks a service over the bus."""
    return {
        503: {"model": ErrorPayload, "description": not_answering},
        504: {"model": ErrorPayload, "description": too_late},
    }
