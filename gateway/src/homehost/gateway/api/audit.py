"""`/api/audit`: search the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from homehost.gateway import audit
from homehost.gateway.deps import GatewayStateDep, Reader
from homehost.gateway.schemas import AuditPage, AuditResult

router = APIRouter(prefix="/api/audit", tags=["audit"])


@router.get("", name="audit.search", response_model=AuditPage)
async def search_audit(
    _: Reader,
    state: GatewayStateDep,
    q: Annotated[
        str | None,
        Query(max_length=200, description="Text in actor, action, target or address."),
    ] = None,
    actor: Annotated[str | None, Query(max_length=255)] = None,
    action: Annotated[str | None, Query(max_length=100)] = None,
    result: AuditResult | None = None,
    since: Annotated[datetime | None, Query(description="From this time on.")] = None,
    until: Annotated[datetime | None, Query(description="Before this time.")] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> AuditPage:
    """Return the entries matching every filter given, newest first."""
    return await audit.search(
        state.pool,
        text=q,
        actor=actor,
        action=action,
        result=result,
        since=since,
        until=until,
        page=page,
        page_size=page_size,
    )
