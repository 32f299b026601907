"""Errors of the mailbox service, as the bus carries them.

Each is a shared `HomehostError` subclass, so its code (and with it the
gateway's HTTP status) is fixed in one place: homehost.shared.errors.
"""

from __future__ import annotations

from homehost.shared.errors import (
    Conflict,
    InvalidRequest,
    NotFound,
    ServiceUnavailable,
    Unauthorized,
)


class MailboxError(Exception):
    """Marker base of the mailbox service's own errors."""


class FieldError(InvalidRequest, MailboxError):
    """One request field is wrong; `field` names it, `reason` says why."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(
            f"{field}: {reason}",
            details={"errors": [{"field": field, "message": reason}]},
        )
        self.field = field
        self.reason = reason


class UnsupportedScheme(FieldError):
    """The password scheme is one this Dovecot cannot verify."""

    def __init__(self, field: str, scheme: str, supported: frozenset[str]) -> None:
        super().__init__(
            field,
            f"scheme {scheme} is not supported by this Dovecot "
            "(`doveadm pw -l` does not list it)",
        )
        self.scheme = scheme
        self.supported = supported


class AlreadyExists(Conflict, MailboxError):
    """An address or domain is taken; `field` names the request field."""

    def __init__(self, field: str, value: str, what: str) -> None:
        super().__init__(
            f"{field}: {what} {value} already exists",
            details={"errors": [{"field": field, "message": f"{what} exists"}]},
        )
        self.field = field
        self.value = value


class InUse(Conflict, MailboxError):
    """A thing cannot be removed while others depend on it."""


class Missing(NotFound, MailboxError):
    """The domain, mailbox or alias asked for does not exist."""


class WrongCredentials(Unauthorized, MailboxError):
    """A mailbox's address and password did not log in; never says which."""

    def __init__(self) -> None:
        super().__init__("invalid credentials")


class DovecotUnavailable(ServiceUnavailable, MailboxError):
    """doveadm or doveconf did not answer as expected.

    The caller sees only "Dovecot does not answer"; `detail` (a command's
    error output, which names sockets and paths) is for the log.
    """

    def __init__(self, detail: str) -> None:
        super().__init__("Dovecot does not answer")
        self.detail = detail


class HashNotVerified(ServiceUnavailable, MailboxError):
    """A new password hash did not verify with Dovecot; nothing was stored."""
