"""Events of the mail directory: domains, mailboxes, aliases and DKIM keys.

They carry ids and facts only: never a password, a hash or a key.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from homehost.shared.bus.events import Event


class MailDomainCreated(Event):
    """A domain is now hosted; dns-service may publish its mail records."""

    subject: ClassVar[str] = "mail.domain.created"

    domain: str


class MailDomainDeleted(Event):
    """A domain is no longer hosted."""

    subject: ClassVar[str] = "mail.domain.deleted"

    domain: str


class MailboxCreated(Event):
    """A mailbox was created."""

    subject: ClassVar[str] = "mailbox.created"

    address: str
    domain: str


class MailboxUpdated(Event):
    """A mailbox changed; `changed` names the fields (`password` included)."""

    subject: ClassVar[str] = "mailbox.updated"

    address: str
    domain: str
    changed: list[str]


class MailboxDeleted(Event):
    """A mailbox was deleted; its maildir was archived, not removed."""

    subject: ClassVar[str] = "mailbox.deleted"

    address: str
    domain: str
    archived: bool


class AliasChanged(Event):
    """An alias was created, changed or removed."""

    subject: ClassVar[str] = "alias.changed"

    source: str
    domain: str
    change: Literal["created", "updated", "deleted"]
    destinations: list[str]


class MailDkimRotated(Event):
    """A domain has a new active DKIM selector; older ones are retiring."""

    subject: ClassVar[str] = "mail.dkim.rotated"

    domain: str
    selector: str
    retiring_selectors: list[str]
