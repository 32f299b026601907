"""The error model: codes, payloads and HTTP statuses."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError

from homehost.shared.errors import (
    ConfigurationError,
    Conflict,
    EventPublishError,
    Forbidden,
    HomehostError,
    InternalError,
    InvalidRequest,
    NotFound,
    RequestTimeout,
    ServiceUnavailable,
    Unauthorized,
    error_from_payload,
    http_status_for,
    invalid_request,
)


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (InvalidRequest("bad"), 422),
        (NotFound("no zone"), 404),
        (Conflict("taken"), 409),
        (Unauthorized("who"), 401),
        (Forbidden("no"), 403),
        (ServiceUnavailable("down"), 503),
        (RequestTimeout("slow"), 504),
        (EventPublishError("lost"), 503),
        (ConfigurationError("wrong"), 500),
        (InternalError("oops", error_id="abc123"), 500),
    ],
)
def test_each_error_has_its_http_status(error: HomehostError, status: int) -> None:
    assert http_status_for(error.code) == status


def test_an_unknown_code_is_500() -> None:
    assert http_status_for("quota_exceeded") == 500


@pytest.mark.parametrize(
    "error",
    [
        NotFound("zone example.com does not exist", details={"zone": "example.com"}),
        Conflict("mailbox exists"),
        ConfigurationError("HOMEHOST_X: missing", details={"variable": "HOMEHOST_X"}),
    ],
)
def test_an_error_survives_its_trip_as_a_payload(error: HomehostError) -> None:
    rebuilt = error_from_payload(error.to_payload())

    assert type(rebuilt) is type(error)
    assert rebuilt.to_payload() == error.to_payload()
    assert str(rebuilt) == str(error)


def test_an_internal_error_keeps_its_id() -> None:
    rebuilt = error_from_payload(
        InternalError("see the log", error_id="0f3a9c").to_payload()
    )

    assert isinstance(rebuilt, InternalError)
    assert rebuilt.error_id == "0f3a9c"
    assert rebuilt.details == {"error_id": "0f3a9c"}


def test_an_unknown_code_keeps_its_code() -> None:
    rebuilt = error_from_payload(
        {"code": "quota_exceeded", "message": "mailbox is full", "details": {"n": 1}}
    )

    assert type(rebuilt) is HomehostError
    assert rebuilt.code == "quota_exceeded"
    assert str(rebuilt) == "quota_exceeded: mailbox is full"
    # The class keeps its own code; only this instance carries the new one.
    assert HomehostError.code == "internal"


def test_invalid_request_names_each_field() -> None:
    class MailboxCreate(BaseModel):
        address: str
        quota_mb: int

    with pytest.raises(ValidationError) as raised:
        MailboxCreate.model_validate({"quota_mb": "lots"})

    error = invalid_request(raised.value.errors(include_url=False))

    assert error.code == "invalid_request"
    assert error.details["errors"] == [
        {"field": "address", "message": "Field required"},
        {
            "field": "quota_mb",
            "message": "Input should be a valid integer, unable to parse string "
            "as an integer",
        },
    ]
    assert error.message == (
        "address: Field required; quota_mb: Input should be a valid integer, "
        "unable to parse string as an integer"
    )
