"""`/api/mail/messages`: what mail-ingest took, refused and still owes.

Thin routes over mail-ingest's `api.ingest.messages.*`: recent messages
with filters, one message with its per-mailbox deliveries, counts per
hour by verdict, and "retry now" for deferred deliveries. Bodies never
leave mail-ingest; these answers carry envelopes, decoded subjects,
verdicts and delivery states.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel

from homehost.gateway.api.mail_accounts import MailWriter
from homehost.gateway.api.responses import errors, unavailable
from homehost.gateway.deps import GatewayState, GatewayStateDep, Reader
from homehost.gateway.middleware import note_audit
from homehost.mail_ingest.schemas import (
    HourlyCounts,
    MessageList,
    MessagePublic,
    MessageState,
    RetryScheduled,
)
from homehost.shared.events.ingest import Verdict

router = APIRouter(prefix="/api/mail/messages", tags=["mail"])

ReplyT = TypeVar("ReplyT", bound=BaseModel)

# mail-ingest's ids: 32 lower-case hex digits.
MessageId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]

UNAVAILABLE = unavailable(
    "mail-ingest is not answering.", "mail-ingest did not answer in time."
)


def _responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {**errors(*statuses), **UNAVAILABLE}


async def _ask(
    state: GatewayState, operation: str, payload: dict[str, Any], reply: type[ReplyT]
) -> ReplyT:
    return await state.bus.request(
        f"api.ingest.messages.{operation}",
        payload,
        reply,
        timeout=state.settings.mail_request_timeout,
    )


@router.get(
    "",
    name="mail.messages_list",
    response_model=MessageList,
    responses=_responses(),
)
async def list_messages(
    _: Reader,
    state: GatewayStateDep,
    recipient: Annotated[
        str | None,
        Query(max_length=320, description="Only messages to this envelope address."),
    ] = None,
    verdict: Annotated[Verdict | None, Query(description="Only this verdict.")] = None,
    message_state: Annotated[
        MessageState | None,
        Query(alias="state", description="Only messages in this delivery state."),
    ] = None,
    before: Annotated[
        datetime | None,
        Query(description="Only messages received before this time (next page)."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> MessageList:
    """Return recent messages, newest first, with the filters given."""
    payload: dict[str, Any] = {"limit": limit}
    if recipient:
        payload["recipient"] = recipient
    if verdict is not None:
        payload["verdict"] = verdict
    if message_state is not None:
        payload["state"] = message_state
    if before is not None:
        payload["before"] = before.isoformat()
    return await _ask(state, "list", payload, MessageList)


@router.get(
    "/hourly",
    name="mail.messages_hourly",
    response_model=HourlyCounts,
    responses=_responses(),
)
async def hourly_counts(
    _: Reader,
    state: GatewayStateDep,
    hours: Annotated[int, Query(ge=1, le=24 * 31)] = 24,
) -> HourlyCounts:
    """Return messages per hour and verdict over the last `hours`, oldest first."""
    return await _ask(state, "hourly", {"hours": hours}, HourlyCounts)


@router.post(
    "/retry",
    name="mail.messages_retry_all",
    response_model=RetryScheduled,
    responses=_responses(),
)
async def retry_all(
    _: MailWriter, request: Request, state: GatewayStateDep
) -> RetryScheduled:
    """Try every deferred delivery now instead of at its next scheduled attempt."""
    note_audit(request, "mail_queue:deferred")
    moved = await _ask(state, "retry", {}, RetryScheduled)
    note_audit(request, "mail_queue:deferred", deliveries=moved.deliveries)
    return moved


@router.get(
    "/{message_id}",
    name="mail.messages_get",
    response_model=MessagePublic,
    responses=_responses(404),
)
async def get_message(
    _: Reader, state: GatewayStateDep, message_id: MessageId
) -> MessagePublic:
    """Return one message: envelope, verdict and where each delivery stands."""
    return await _ask(state, "get", {"id": message_id}, MessagePublic)


@router.post(
    "/{message_id}/retry",
    name="mail.messages_retry",
    response_model=RetryScheduled,
    responses=_responses(404),
)
async def retry_message(
    _: MailWriter, request: Request, state: GatewayStateDep, message_id: MessageId
) -> RetryScheduled:
    """Try this message's deferred deliveries now."""
    note_audit(request, f"mail_message:{message_id}")
    moved = await _ask(state, "retry", {"id": message_id}, RetryScheduled)
    note_audit(request, f"mail_message:{message_id}", deliveries=moved.deliveries)
    return moved
