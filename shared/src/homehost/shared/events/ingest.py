"""Events of inbound mail: received, rejected, deferred, delivered, failed.

They carry ids, addresses, sizes and verdicts: never a message body, and
never a header other than the decoded subject shown on the portal.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import BaseModel

from homehost.shared.bus.events import Event

Verdict = Literal["clean", "junk", "spam", "virus", "blocked", "not_scanned"]
RecipientResult = Literal["delivered", "deferred", "pending", "refused", "failed"]


class RecipientOutcome(BaseModel):
    """Where one envelope recipient stands: its result and the last reply."""

    recipient: str
    result: RecipientResult
    mailboxes: list[str]
    reply: str


class MailTimings(BaseModel):
    """Milliseconds spent on each step of taking a message."""

    receive_ms: float
    scan_ms: float
    deliver_ms: float | None


class MailReceived(Event):
    """A message was accepted (it is durable); results as at the answer."""

    subject: ClassVar[str] = "mail.received"

    message_id: str
    envelope_from: str
    envelope_to: list[str]
    size_bytes: int
    verdict: Verdict
    spam_score: float | None
    spam_action: str | None
    folder: Literal["INBOX", "Junk"]
    scan_notes: list[str]
    recipients: list[RecipientOutcome]
    timings: MailTimings
    header_subject: str


class MailRejected(Event):
    """A message was refused at once (the Worker rejects it at SMTP time)."""

    subject: ClassVar[str] = "mail.rejected"

    message_id: str
    envelope_from: str
    envelope_to: list[str]
    size_bytes: int
    verdict: Verdict | None
    reason: str
    recipients: list[RecipientOutcome]


class MailDeferred(Event):
    """Delivery to some mailboxes failed for now; it is retried at `retry_at`."""

    subject: ClassVar[str] = "mail.deferred"

    message_id: str
    mailboxes: list[str]
    reply: str
    attempts: int
    retry_at: datetime


class MailDelivered(Event):
    """Mailboxes got a message after it had been deferred."""

    subject: ClassVar[str] = "mail.delivered"

    message_id: str
    mailboxes: list[str]
    attempts: int


class MailDeliveryFailed(Event):
    """Mailboxes will never get an accepted message (refused, or expired)."""

    subject: ClassVar[str] = "mail.delivery.failed"

    message_id: str
    mailboxes: list[str]
    reply: str
