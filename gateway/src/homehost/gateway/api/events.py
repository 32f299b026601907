"""`GET /api/events`: live bus events as Server-Sent Events."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request
from fastapi.responses import StreamingResponse
from starlette.background import BackgroundTask

from homehost.gateway.deps import GatewayStateDep, Reader
from homehost.gateway.live_events import LiveEventStream

router = APIRouter(prefix="/api/events", tags=["events"])


@router.get(
    "",
    name="events.stream",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "`id: <sequence>`, `event: <subject>`, `data: <event JSON>`.",
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
        }
    },
)
async def stream_events(
    principal: Reader,
    request: Request,
    state: GatewayStateDep,
    last_event_id: Annotated[
        int | None,
        Header(
            alias="Last-Event-ID",
            ge=0,
            description="Resume after this stream sequence.",
        ),
    ] = None,
) -> StreamingResponse:
    """Stream events as they happen, resuming after `Last-Event-ID`."""
    stream = LiveEventStream(
        state.bus,
        scopes=principal.scopes,
        heartbeat_seconds=state.settings.events_heartbeat_seconds,
        stopping=state.stopping,
        disconnected=request.is_disconnected,
    )
    await stream.open(after_sequence=last_event_id)
    return StreamingResponse(
        stream.messages(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        background=BackgroundTask(stream.close),
    )
