"""The audit log: every state-changing request, stored and published.

Each entry is written to MariaDB before the answer leaves the gateway,
then published as `audit.recorded` in the background: a slow or absent
JetStream delays no request, and the database stays the record.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from homehost.gateway.adapters.database import (
    Pool,
    as_utc,
    execute,
    fetch_all,
    fetch_one,
    utc_now,
)
from homehost.gateway.schemas import AuditAuth, AuditEntry, AuditPage, AuditResult
from homehost.shared.bus import Bus, Event
from homehost.shared.bus.events import publish_event
from homehost.shared.errors import HomehostError

logger = logging.getLogger(__name__)


class AuditRecorded(Event):
    """An audit entry was stored; carries the facts, never a secret."""

    subject = "audit.recorded"

    audit_id: int
    actor: str
    auth: AuditAuth
    token_id: int | None
    action: str
    target: str
    result: AuditResult
    status_code: int
    client_address: str


@dataclass(frozen=True)
class AuditRecord:
    """What one entry says, before it is stored."""

    actor: str
    auth: AuditAuth
    action: str
    target: str
    result: AuditResult
    status_code: int
    client_address: str
    token_id: int | None = None
    details: dict[str, Any] = field(default_factory=dict)


_ENTRY_SELECT = (
    "SELECT id, time, actor, auth, token_id, action, target, result,"
    " status_code, client_address, details FROM audit_log"
)


def result_for_status(status_code: int) -> AuditResult:
    """Return how an HTTP status reads in the audit log."""
    if status_code < 400:
        return "success"
    if status_code in (401, 403, 429):
        return "denied"
    return "failure"


async def store_entry(
    pool: Pool, record: AuditRecord, *, now: datetime | None = None
) -> int:
    """Store an entry in MariaDB only (no event); return its id.

    For callers without a bus, such as the command line.
    """
    _, audit_id = await execute(
        pool,
        "INSERT INTO audit_log (time, actor, auth, token_id, action, target,"
        " result, status_code, client_address, details)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (
            now or utc_now(),
            record.actor[:255],
            record.auth,
            record.token_id,
            record.action[:100],
            record.target[:255],
            record.result,
            record.status_code,
            record.client_address[:64],
            json.dumps(record.details, default=str),
        ),
    )
    return audit_id


class AuditLog:
    """Stores entries in MariaDB and publishes them on the bus."""

    def __init__(self, pool: Pool, bus: Bus) -> None:
        self.pool = pool
        self.bus = bus
        self._publishing: set[asyncio.Task[None]] = set()

    async def record(self, record: AuditRecord) -> int:
        """Store an entry, publish it in the background; return its id."""
        now = utc_now()
        audit_id = await store_entry(self.pool, record, now=now)
        event = AuditRecorded(
            occurred_at=as_utc(now),
            audit_id=audit_id,
            actor=record.actor,
            auth=record.auth,
            token_id=record.token_id,
            action=record.action,
            target=record.target,
            result=record.result,
            status_code=record.status_code,
            client_address=record.client_address,
        )
        task = asyncio.create_task(self._publish(event), name=f"audit:{audit_id}")
        self._publishing.add(task)
        task.add_done_callback(self._publishing.discard)
        return audit_id

    async def _publish(self, event: AuditRecorded) -> None:
        try:
            await publish_event(self.bus, event)
        except HomehostError:
            # publish_event has logged why; the entry is safe in MariaDB.
            logger.warning("audit entry %d was not published", event.audit_id)

    async def close(self) -> None:
        """Wait briefly for publishes under way, then stop them."""
        if self._publishing:
            await asyncio.wait(self._publishing, timeout=5)
        for task in list(self._publishing):
            task.cancel()


async def search(
    pool: Pool,
    *,
    text: str | None,
    actor: str | None,
    action: str | None,
    result: AuditResult | None,
    since: datetime | None,
    until: datetime | None,
    page: int,
    page_size: int,
) -> AuditPage:
    """Return one page of entries matching every filter given, newest first."""
    conditions: list[str] = []
    args: list[Any] = []
    if text:
        pattern = (
            "%"
            + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            + "%"
        )
        conditions.append(
            "(actor LIKE %s OR action LIKE %s OR target LIKE %s"
            " OR client_address LIKE %s)"
        )
        args.extend([pattern] * 4)
    for column, value in (("actor", actor), ("action", action), ("result", result)):
        if value:
            conditions.append(f"{column} = %s")
            args.append(value)
    if since is not None:
        conditions.append("time >= %s")
        args.append(_naive_utc(since))
    if until is not None:
        conditions.append("time < %s")
        args.append(_naive_utc(until))
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""

    # Only fixed fragments are joined into the text; values are parameters.
    count_sql = f"SELECT COUNT(*) AS total FROM audit_log{where}"  # noqa: S608
    page_sql = f"{_ENTRY_SELECT}{where} ORDER BY id DESC LIMIT %s OFFSET %s"
    counted = await fetch_one(pool, count_sql, args)
    rows = await fetch_all(pool, page_sql, [*args, page_size, (page - 1) * page_size])
    items = [
        AuditEntry(
            id=row["id"],
            time=as_utc(row["time"]),
            actor=row["actor"],
            auth=row["auth"],
            token_id=row["token_id"],
            action=row["action"],
            target=row["target"],
            result=row["result"],
            status_code=row["status_code"],
            client_address=row["client_address"],
            details=json.loads(row["details"]),
        )
        for row in rows
    ]
    total = int(counted["total"]) if counted else 0
    return AuditPage(items=items, total=total, page=page, page_size=page_size)


def _naive_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)
