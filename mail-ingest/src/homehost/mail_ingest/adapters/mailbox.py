"""Asking the mailbox service where mail to a recipient goes."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from homehost.shared.bus import Bus


class Resolution(BaseModel):
    """The mailboxes a recipient reaches (as `api.mailbox.resolve` answers)."""

    recipient: str
    outcome: Literal["mailbox", "alias", "catch_all", "unknown"]
    mailboxes: list[str]


async def resolve(bus: Bus, recipient: str) -> Resolution:
    """Resolve one envelope recipient; raises the bus's typed errors."""
    return await bus.request(
        "api.mailbox.resolve", {"recipient": recipient}, Resolution
    )
