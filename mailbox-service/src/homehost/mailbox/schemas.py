"""Requests and replies of `api.mailbox.*`.

Names follow the field: `ThingCreate` / `ThingUpdate` ask for a change,
`ThingPublic` is what a caller may see. No reply carries a password hash
or a private key; a generated password is returned once, to the caller
that asked for it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# Domains.


class DomainRef(_Request):
    """Names one hosted domain."""

    name: str = Field(max_length=253)


class DomainCreate(_Request):
    """Host mail for a domain."""

    name: str = Field(max_length=253)
    active: bool = True
    default_quota_bytes: int | None = Field(
        default=None,
        description="Quota of new mailboxes; the service default if unset.",
    )
    catch_all: str | None = Field(
        default=None,
        max_length=320,
        description="Mailbox or alias that receives mail for unknown addresses.",
    )


class DomainUpdate(_Request):
    """Change a domain; fields left unset keep their value."""

    name: str = Field(max_length=253)
    active: bool | None = None
    default_quota_bytes: int | None = None
    catch_all: str | None = Field(
        default=None, max_length=320, description="An empty string removes it."
    )


class DomainPublic(BaseModel):
    """A hosted domain."""

    name: str
    active: bool
    default_quota_bytes: int
    catch_all: str | None
    mailbox_count: int
    alias_count: int
    created_at: datetime


class DomainList(BaseModel):
    """Every hosted domain, by name."""

    domains: list[DomainPublic]


class DomainDeleted(BaseModel):
    """A domain that is no longer hosted."""

    name: str


# Mailboxes.


class MailboxRef(_Request):
    """Names one mailbox."""

    address: str = Field(max_length=320)


class MailboxListRequest(_Request):
    """One page of mailboxes, optionally of one domain and matching a search."""

    domain: str | None = Field(default=None, max_length=253)
    search: str = Field(default="", max_length=320)
    page: int = Field(default=1, ge=1)
    page_size: int = Field(default=50, ge=1, le=200)


class MailboxCreate(_Request):
    """Create a mailbox; without a password one is generated and returned."""

    address: str = Field(max_length=320)
    display_name: str = Field(default="", max_length=200)
    password: SecretStr | None = None
    password_scheme: str | None = Field(
        default=None,
        max_length=40,
        description="Dovecot scheme of the hash; the service default if unset.",
    )
    quota_bytes: int | None = Field(
        default=None, description="The domain's default quota if unset."
    )
    enabled: bool = True


class MailboxUpdate(_Request):
    """Change a mailbox; fields left unset keep their value."""

    address: str = Field(max_length=320)
    display_name: str | None = Field(default=None, max_length=200)
    quota_bytes: int | None = None
    enabled: bool | None = None


class MailboxSetPassword(_Request):
    """Set a mailbox's password; without one a new one is generated."""

    address: str = Field(max_length=320)
    password: SecretStr | None = None
    password_scheme: str | None = Field(default=None, max_length=40)


class MailboxChangeOwnPassword(_Request):
    """A mailbox user changes their own password, proven with the current one."""

    address: str = Field(max_length=320)
    current_password: SecretStr = Field(max_length=200)
    new_password: SecretStr = Field(max_length=200)


class MailboxPublic(BaseModel):
    """A mailbox as callers see it: never its password hash."""

    address: str
    local_part: str
    domain: str
    display_name: str
    quota_bytes: int
    enabled: bool
    password_scheme: str
    created_at: datetime
    updated_at: datetime


class MailboxCreated(BaseModel):
    """The new mailbox, and its password if the service generated it."""

    mailbox: MailboxPublic
    generated_password: str | None = None


class PasswordSet(BaseModel):
    """The password was changed; `generated_password` if the service made it."""

    address: str
    password_scheme: str
    generated_password: str | None = None


class MailboxPage(BaseModel):
    """One page of mailboxes and how many match in all."""

    mailboxes: list[MailboxPublic]
    total: int
    page: int
    page_size: int


class MailboxDeleted(BaseModel):
    """A deleted mailbox and where its maildir was archived (None if it had none)."""

    address: str
    archived_to: str | None


class MailboxUsage(BaseModel):
    """How much of its quota a mailbox uses, as Dovecot counts it."""

    address: str
    used_bytes: int
    quota_bytes: int
    messages: int
    percent: float


# Aliases.


class AliasRef(_Request):
    """Names one alias by its source address."""

    source: str = Field(max_length=320)


class AliasListRequest(_Request):
    """Every alias, or a domain's."""

    domain: str | None = Field(default=None, max_length=253)


class AliasCreate(_Request):
    """Forward one address of a hosted domain to one or more addresses."""

    source: str = Field(max_length=320)
    destinations: list[str] = Field(min_length=1, max_length=100)


class AliasUpdate(_Request):
    """Replace an alias's destinations."""

    source: str = Field(max_length=320)
    destinations: list[str] = Field(min_length=1, max_length=100)


class AliasPublic(BaseModel):
    """An alias and where it forwards to."""

    source: str
    domain: str
    destinations: list[str]
    created_at: datetime
    updated_at: datetime


class AliasList(BaseModel):
    """Aliases by source address."""

    aliases: list[AliasPublic]


class AliasDeleted(BaseModel):
    """An alias that was removed."""

    source: str


# Resolution, DKIM and DNS.


class ResolveRequest(_Request):
    """Which mailboxes does mail to `recipient` reach?"""

    recipient: str = Field(max_length=320)


ResolutionOutcome = Literal["mailbox", "alias", "catch_all", "unknown"]


class Resolution(BaseModel):
    """The mailboxes a recipient reaches, and how; `unknown` reaches none.

    A recipient `name+tag@domain` that is no mailbox or alias of its own
    reaches what `name@domain` reaches (subaddressing).
    """

    recipient: str
    outcome: ResolutionOutcome
    mailboxes: list[str]


class DkimKeyPublic(BaseModel):
    """A DKIM key's public half and state (its private half never leaves)."""

    selector: str
    state: Literal["active", "retiring"]
    public_value: str
    created_at: datetime
    retire_after: datetime | None


class DkimRotateRequest(_Request):
    """Make a new DKIM key active; the old one stays published for a while."""

    domain: str = Field(max_length=253)
    grace_days: int | None = Field(default=None, ge=1, le=365)


class DkimKeys(BaseModel):
    """A domain's published DKIM keys, newest first."""

    domain: str
    keys: list[DkimKeyPublic]


class DnsRecord(BaseModel):
    """One DNS record the domain needs; mail records are never proxied."""

    type: Literal["MX", "TXT"]
    name: str
    content: str
    priority: int | None = None
    ttl: int = 1  # Cloudflare's "automatic".
    proxied: Literal[False] = False
    purpose: Literal["mx", "spf", "dkim", "dmarc"]


class MailDnsPlan(BaseModel):
    """Every mail record a domain needs at Cloudflare; dns-service applies it."""

    domain: str
    records: list[DnsRecord]
