"""Events of dns-service: what changed at Cloudflare, and how an apply goes.

They carry record facts only (type, name, value): never the API token.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import BaseModel

from homehost.shared.bus.events import Event


class DnsRecordFact(BaseModel):
    """One record as it was or now is."""

    type: str
    name: str
    content: str
    ttl: int
    proxied: bool
    priority: int | None = None


class DnsRecordUpdate(BaseModel):
    """One record before and after a change."""

    before: DnsRecordFact
    after: DnsRecordFact
    changed_fields: list[str]


class DnsChanged(Event):
    """Records of a zone changed at Cloudflare; the diff says how."""

    subject: ClassVar[str] = "dns.changed"

    zone: str
    trigger: str
    created: list[DnsRecordFact]
    updated: list[DnsRecordUpdate]
    deleted: list[DnsRecordFact]


class DnsApplyProgress(Event):
    """An apply is under way: a batch went through, or Cloudflare asked to wait."""

    subject: ClassVar[str] = "dns.apply.progress"

    zone: str
    stage: Literal["batch_applied", "rate_limited", "rolled_back"]
    batch: int
    batches: int
    wait_seconds: float = 0.0
    attempt: int = 0
