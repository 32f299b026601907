"""What mail-ingest answers over HTTP and the bus."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from homehost.shared.events.ingest import RecipientOutcome, Verdict

MessageState = Literal["rejected", "queued", "delivered", "partial", "failed"]
DeliveryState = Literal["attempting", "uncertain", "deferred", "delivered", "failed"]
FINAL_DELIVERY_STATES = frozenset({"delivered", "failed"})


class InboundAnswer(BaseModel):
    """The answer to POST /v1/inbound (and to an exact retry of it)."""

    id: str
    state: MessageState
    verdict: Verdict | None
    reason: str = ""
    recipients: list[RecipientOutcome]


class DeliveryPublic(BaseModel):
    """Where delivery to one mailbox stands."""

    mailbox: str
    state: DeliveryState
    attempts: int
    next_attempt_at: datetime | None
    last_reply: str


class MessagePublic(BaseModel):
    """A message's record: envelope, verdict, per-recipient and per-mailbox state."""

    id: str
    received_at: datetime
    envelope_from: str
    envelope_to: list[str]
    size_bytes: int
    header_subject: str
    header_from: str
    state: MessageState
    verdict: Verdict | None
    spam_score: float | None
    spam_action: str | None
    virus: str | None
    folder: Literal["INBOX", "Junk"]
    scan_notes: list[str]
    reason: str
    recipients: list[RecipientOutcome]
    deliveries: list[DeliveryPublic]


class MessageRequest(BaseModel):
    """Names one message."""

    id: str = Field(min_length=1, max_length=32)


class MessageListRequest(BaseModel):
    """Recent messages, newest first, with optional filters."""

    recipient: str | None = Field(default=None, max_length=320)
    verdict: Verdict | None = None
    state: MessageState | None = None
    before: datetime | None = None
    limit: int = Field(default=50, ge=1, le=500)


class MessageList(BaseModel):
    """A page of messages, newest first."""

    messages: list[MessagePublic]


class RetryRequest(BaseModel):
    """Retry deferred deliveries now: of one message, or of all when `id` is unset."""

    id: str | None = Field(default=None, max_length=32)


class RetryScheduled(BaseModel):
    """How many deferred deliveries were moved to now."""

    deliveries: int


class HourlyRequest(BaseModel):
    """Messages per hour over the last `hours`."""

    hours: int = Field(default=24, ge=1, le=24 * 31)


class HourlyCount(BaseModel):
    """Messages received in one hour with one verdict (`rejected` counted apart)."""

    hour: datetime
    verdict: str
    messages: int


class HourlyCounts(BaseModel):
    """Counts per hour and verdict, oldest first."""

    counts: list[HourlyCount]
