"""Delivering spooled messages over LMTP, with retries, exactly once per mailbox.

Every delivery (one message to one mailbox) is a row leased by the copy
of the service that works on it. A reply decides its fate: delivered,
failed for good, or deferred with a growing wait until the message's
retry time runs out. An attempt that ended unseen (a crash, a connection
lost after the final dot) is checked with doveadm before it is made
again, so a mailbox that has the message never gets it twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from homehost.mail_ingest.adapters import doveadm
from homehost.mail_ingest.adapters.lmtp import LmtpConnection, Reply
from homehost.mail_ingest.errors import LmtpInterrupted, LmtpUnavailable
from homehost.mail_ingest.schemas import FINAL_DELIVERY_STATES, DeliveryPublic
from homehost.mail_ingest.settings import IngestSettings
from homehost.mail_ingest.spool import Spool
from homehost.mail_ingest.store import Claimed, IngestStore, Settlement, utc_now
from homehost.shared.bus.events import Event
from homehost.shared.events.ingest import (
    MailDeferred,
    MailDelivered,
    MailDeliveryFailed,
    RecipientOutcome,
)

logger = logging.getLogger(__name__)

# An LMTP session idle longer than this is closed rather than used again.
IDLE_REUSE_SECONDS = 60.0

# How often the queue is looked at when nothing wakes it.
SWEEP_SECONDS = 1.0

Publish = Callable[[Event], Awaitable[int]]


@dataclass(frozen=True)
class Unwritten:
    """An attempt's outcome that its waiting POST stores with its answer."""

    settlements: list[Settlement]
    # The message's state when every delivery is settled for good, else None.
    final_state: str | None


@dataclass(frozen=True)
class Attempt:
    """What an attempt made of a message's deliveries."""

    deliveries: list[DeliveryPublic]
    unwritten: Unwritten | None = None


@dataclass(frozen=True)
class Outcome:
    """One mailbox's result of an attempt."""

    state: str
    reply: str


def junk_address(mailbox: str) -> str:
    """The LMTP recipient that files mail in the mailbox's Junk folder.

    Dovecot takes what follows "+" as the folder; a mailbox's name never
    holds "+" (the mailbox service refuses it), so the split is clean.
    """
    local, _, domain = mailbox.rpartition("@")
    return f"{local}+Junk@{domain}"


class Deliverer:
    """Runs the delivery queue of one copy of the service."""

    def __init__(
        self,
        *,
        settings: IngestSettings,
        store: IngestStore,
        spool: Spool,
        publish: Publish,
    ) -> None:
        self.settings = settings
        self.store = store
        self.spool = spool
        self.publish = publish
        self.owner = uuid.uuid4().hex[:16]
        self._slots = asyncio.Semaphore(settings.delivery_concurrency)
        self._active: set[str] = set()
        # Messages whose POST is still waiting: their results go in its answer.
        self.answering: set[str] = set()
        # Open LMTP sessions between deliveries, each with when it went idle.
        self._idle: list[tuple[LmtpConnection, float]] = []
        self._wake = asyncio.Event()
        self._tasks: set[asyncio.Task[Attempt | None]] = set()

    def wake(self) -> None:
        """Look at the queue now (a retry was asked for)."""
        self._wake.set()

    async def run(self) -> None:
        """Claim due deliveries and work on them until cancelled."""
        try:
            while True:
                free = self.settings.delivery_concurrency - len(self._active)
                if free > 0:
                    try:
                        claims = await self.store.claim_due(
                            owner=self.owner,
                            lease=self.settings.lease_seconds,
                            limit=free,
                        )
                    except Exception:
                        logger.exception("could not read the delivery queue")
                        claims = []
                    for claim in claims:
                        if claim.message_id not in self._active:
                            self._start(claim)
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), SWEEP_SECONDS)
        finally:
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            for connection, _ in self._idle:
                await connection.close()
            self._idle.clear()

    def _start(self, claim: Claimed) -> asyncio.Task[Attempt | None]:
        self._active.add(claim.message_id)
        task = asyncio.create_task(
            self._guarded(claim), name=f"deliver:{claim.message_id}"
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def deliver_now(self, claim: Claimed) -> Attempt | None:
        """Make the first attempt of a just-accepted message.

        Returns how the attempt went, or None when it failed unexpectedly
        (its lease runs out, it is retried). While the message's POST still
        waits (`answering`), the outcome is left for it to store, with its
        answer, in one transaction: `Attempt.unwritten`.
        """
        return await self._start(claim)

    async def _guarded(self, claim: Claimed) -> Attempt | None:
        try:
            async with self._slots:
                return await self._attempt(claim)
        except asyncio.CancelledError:
            raise
        except Exception:
            # The lease runs out and the message is tried again then.
            logger.exception("delivery of %s failed unexpectedly", claim.message_id)
            return None
        finally:
            self._active.discard(claim.message_id)

    async def _attempt(self, claim: Claimed) -> Attempt:
        started = time.monotonic()
        outcomes: dict[str, Outcome] = {}
        pending = list(claim.mailboxes)
        if claim.uncertain and self.settings.dovecot_config is not None:
            for mailbox in claim.uncertain:
                if await doveadm.holds_message(
                    doveadm=self.settings.doveadm_path,
                    config=self.settings.dovecot_config,
                    mailbox=mailbox,
                    message_id=claim.message_id,
                ):
                    outcomes[mailbox] = Outcome(
                        "delivered", "found in the mailbox after an interrupted attempt"
                    )
                    pending.remove(mailbox)
        elif claim.uncertain:
            logger.warning(
                "message %s may already be in %s; delivering again (no doveadm)",
                claim.message_id,
                ", ".join(claim.uncertain),
            )
        if pending:
            outcomes.update(await self._lmtp(claim, pending))
        attempt = await self._record(claim, outcomes)
        logger.info(
            "message %s: %s in %.0f ms",
            claim.message_id,
            ", ".join(f"{m} {o.state}" for m, o in outcomes.items()),
            (time.monotonic() - started) * 1000,
        )
        return attempt

    async def _lmtp(self, claim: Claimed, mailboxes: list[str]) -> dict[str, Outcome]:
        wire = {
            (junk_address(mailbox) if claim.folder == "Junk" else mailbox): mailbox
            for mailbox in mailboxes
        }
        path = self.spool.path_of(claim.message_id)
        reuse = True
        while True:
            reused = False
            try:
                connection, reused = await self._connection(reuse=reuse)
                try:
                    replies = await connection.deliver(
                        sender=claim.envelope_from,
                        recipients=list(wire),
                        header_block=claim.added_headers,
                        path=path,
                    )
                except BaseException:
                    await connection.close()
                    raise
                self._idle.append((connection, time.monotonic()))
            except LmtpUnavailable as exc:
                if reused:
                    # A kept session broke before the final dot, so nothing
                    # was stored: a new session tries again at once.
                    logger.info("a kept LMTP session broke (%s); opening anew", exc)
                    reuse = False
                    continue
                return {m: Outcome("unreachable", exc.message) for m in mailboxes}
            except LmtpInterrupted as exc:
                return {m: Outcome("uncertain", exc.message) for m in mailboxes}
            return {wire[r]: _outcome(reply) for r, reply in replies.items()}

    async def _connection(self, *, reuse: bool) -> tuple[LmtpConnection, bool]:
        """A session to deliver on, and whether it was kept from before."""
        while reuse and self._idle:
            connection, idle_since = self._idle.pop()
            # Dovecot drops a session idle for 5 minutes; one the server
            # closed, or that may be about to be, is not worth a deferral.
            fresh = time.monotonic() - idle_since < IDLE_REUSE_SECONDS
            if fresh and not connection.closed:
                return connection, True
            await connection.close()
        connection = await LmtpConnection.open(
            self.settings.lmtp_host,
            self.settings.lmtp_port,
            timeout=self.settings.lmtp_timeout_seconds,
            name=self.settings.hostname,
        )
        return connection, False

    async def _record(self, claim: Claimed, outcomes: dict[str, Outcome]) -> Attempt:
        now = utc_now()
        expired = now >= claim.expires_at
        deferred: dict[str, tuple[str, datetime, int]] = {}
        delivered: list[str] = []
        failed: dict[str, str] = {}
        settlements: list[Settlement] = []
        settled: list[DeliveryPublic] = []
        for mailbox, outcome in outcomes.items():
            attempts = claim.attempts.get(mailbox, 0) + 1
            if outcome.state in ("delivered", "failed"):
                state, retry_at = outcome.state, None
            elif expired:
                state, retry_at = "failed", None
                outcome = Outcome(
                    "failed", f"retried until it expired: {outcome.reply}"
                )
            else:
                state = "uncertain" if outcome.state == "uncertain" else "deferred"
                retry_at = now + timedelta(
                    seconds=self._backoff(
                        attempts, unreachable=outcome.state != "temporary"
                    )
                )
            settlements.append(Settlement(mailbox, state, outcome.reply, retry_at))
            settled.append(
                DeliveryPublic(
                    mailbox=mailbox,
                    state=state,
                    attempts=attempts,
                    next_attempt_at=None
                    if retry_at is None or state in FINAL_DELIVERY_STATES
                    else retry_at.replace(tzinfo=UTC),
                    last_reply=outcome.reply[:500],
                )
            )
            if state == "delivered":
                delivered.append(mailbox)
            elif state == "failed":
                failed[mailbox] = outcome.reply
            elif retry_at is not None:
                deferred[mailbox] = (outcome.reply, retry_at, attempts)
        if claim.every_delivery and len(settled) == len(claim.mailboxes):
            # Every delivery the message has is here: its state is known
            # now and goes in the same transaction as the outcomes.
            deliveries = sorted(settled, key=lambda delivery: delivery.mailbox)
            final = _final_state(deliveries)
            if claim.message_id in self.answering:
                # The waiting POST stores this with its answer. Nothing may
                # be awaited between this test and the return: the POST
                # stops waiting only at a step of its own, and then either
                # finds this attempt done (it stores) or not (this stores).
                return Attempt(deliveries, Unwritten(settlements, final))
            await self.store.settle(claim.message_id, settlements, final_state=final)
        else:
            await self.store.settle(claim.message_id, settlements)
            deliveries = await self.store.deliveries(claim.message_id)
            final = _final_state(deliveries)
            if final is not None:
                await self.store.settle(claim.message_id, [], final_state=final)
        if final is not None:
            await self.spool.remove(claim.message_id)
        if claim.message_id not in self.answering:
            # The POST stored its recipients' results as they were then;
            # they show what they are now.
            await self._refresh_results(claim.message_id, deliveries)
            await self._announce(claim, delivered, failed, deferred)
        return Attempt(deliveries)

    async def _refresh_results(
        self, message_id: str, deliveries: list[DeliveryPublic]
    ) -> None:
        by_mailbox = {delivery.mailbox: delivery for delivery in deliveries}
        recipients = await self.store.recipients(message_id)
        current = [
            recipient
            if recipient.result == "refused"
            else recipient_outcome(recipient.recipient, recipient.mailboxes, by_mailbox)
            for recipient in recipients
        ]
        if current != recipients:
            await self.store.set_recipients(message_id, current)

    async def _announce(
        self,
        claim: Claimed,
        delivered: list[str],
        failed: dict[str, str],
        deferred: dict[str, tuple[str, datetime, int]],
    ) -> None:
        attempts = max(claim.attempts.values(), default=0) + 1
        if delivered:
            await self.publish(
                MailDelivered(
                    message_id=claim.message_id, mailboxes=delivered, attempts=attempts
                )
            )
        if failed:
            await self.publish(
                MailDeliveryFailed(
                    message_id=claim.message_id,
                    mailboxes=list(failed),
                    reply="; ".join(sorted(set(failed.values()))),
                )
            )
        if deferred:
            reply, retry_at, count = next(iter(deferred.values()))
            await self.publish(
                MailDeferred(
                    message_id=claim.message_id,
                    mailboxes=list(deferred),
                    reply=reply,
                    attempts=count,
                    retry_at=retry_at,
                )
            )

    def _backoff(self, attempts: int, *, unreachable: bool) -> float:
        wait = min(
            self.settings.retry_first_seconds * 2 ** (attempts - 1),
            self.settings.retry_longest_seconds,
        )
        if unreachable:
            wait = min(wait, self.settings.retry_unreachable_seconds)
        return float(wait)


def recipient_outcome(
    recipient: str, mailboxes: list[str], deliveries: dict[str, DeliveryPublic]
) -> RecipientOutcome:
    """What `recipient` got so far, from the deliveries to its mailboxes."""
    states = [deliveries[m] for m in mailboxes if m in deliveries]
    if states and all(d.state == "delivered" for d in states):
        result, reply = "delivered", states[0].last_reply
    elif states and all(d.state in ("delivered", "failed") for d in states):
        failed = next(d for d in states if d.state == "failed")
        result, reply = "failed", failed.last_reply
    elif any(d.state in ("deferred", "uncertain") for d in states):
        waiting = next(d for d in states if d.state in ("deferred", "uncertain"))
        result, reply = "deferred", waiting.last_reply
    else:
        result, reply = "pending", ""
    return RecipientOutcome(
        recipient=recipient,
        result=result,
        mailboxes=mailboxes,
        reply=reply,
    )


def _final_state(deliveries: list[DeliveryPublic]) -> str | None:
    """The message's state once every delivery is settled for good, else None."""
    states = {delivery.state for delivery in deliveries}
    if not states <= FINAL_DELIVERY_STATES:
        return None
    if states == {"delivered"}:
        return "delivered"
    return "partial" if "delivered" in states else "failed"


def _outcome(reply: Reply) -> Outcome:
    kind = reply.kind
    if kind == "delivered":
        return Outcome("delivered", str(reply))
    if kind == "permanent":
        return Outcome("failed", str(reply))
    return Outcome("temporary", str(reply))
