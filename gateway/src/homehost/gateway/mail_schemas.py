"""What the gateway's mail routes take and return, beside the mailbox service's.

The mailbox service's own models (homehost.mailbox.schemas) are the
answers and, where the path names nothing, the request bodies. The models
here are the bodies of routes whose path already names the domain,
mailbox or alias, the mailbox deletion's confirmation, the self-service
password change, and the client setup card.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, StrictBool


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class DomainChange(_Body):
    """Change a domain; fields left out keep their value."""

    active: StrictBool | None = None
    default_quota_bytes: int | None = None
    catch_all: str | None = Field(
        default=None, max_length=320, description="An empty string removes it."
    )


class MailboxChange(_Body):
    """Change a mailbox; fields left out keep their value."""

    display_name: str | None = Field(default=None, max_length=200)
    quota_bytes: int | None = None
    enabled: StrictBool | None = None


class PasswordReset(_Body):
    """A new password for a mailbox; without one, one is generated and returned."""

    password: SecretStr | None = Field(default=None, max_length=200)
    password_scheme: str | None = Field(default=None, max_length=40)


class MailboxDeletion(_Body):
    """The mailbox's address typed again, so that no mailbox goes by mistake."""

    confirm_address: str = Field(max_length=320)


class AliasChange(_Body):
    """The alias's new destinations, replacing the old ones."""

    destinations: list[str] = Field(min_length=1, max_length=100)


class DkimRotation(_Body):
    """How long the old DKIM key stays published; the service default if unset."""

    grace_days: int | None = Field(default=None, ge=1, le=365)


class OwnPasswordChange(_Body):
    """A mailbox user's own password change, proven with the current password."""

    address: str = Field(min_length=1, max_length=320)
    current_password: SecretStr = Field(min_length=1, max_length=200)
    new_password: SecretStr = Field(min_length=1, max_length=200)


class OwnPasswordChanged(BaseModel):
    """The password was changed; the old one no longer logs in."""

    address: str


class MailServerSetting(BaseModel):
    """One server a mail client is set up with."""

    protocol: Literal["imap", "pop3", "smtp"]
    host: str
    port: int
    security: Literal["none", "starttls", "ssl"]
    authentication: Literal["normal_password"] = "normal_password"


class ClientSetup(BaseModel):
    """Everything a person types into Thunderbird or an iPhone, on one card."""

    email_address: str | None = Field(
        description="The mailbox asked for; None for the card of every mailbox."
    )
    username: str = Field(description="The login name: the full email address.")
    incoming: list[MailServerSetting]
    outgoing: list[MailServerSetting]
    reachable_over: Literal["tailscale"] = "tailscale"
    notes: list[str]
