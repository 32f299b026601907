"""Taking one message from the Email Worker: check, spool, scan, record, deliver.

The answer to the Worker is decided here. Anything permanent (unknown
recipients, a virus, spam over the reject score, a blocked attachment)
is refused at once; a temporary problem (the mailbox service or a
scanner away, with the policy saying so) answers 503 with nothing kept,
so the sender retries. Otherwise the message is made durable (spool
fsync'd, record committed) before the 2xx, and delivery starts at once.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

from homehost.mail_ingest import mime
from homehost.mail_ingest.adapters import mailbox as mailbox_directory
from homehost.mail_ingest.adapters.clamd import Clamd
from homehost.mail_ingest.adapters.doveadm import INGEST_ID_HEADER
from homehost.mail_ingest.adapters.rspamd import Rspamd
from homehost.mail_ingest.delivery import Deliverer, recipient_outcome
from homehost.mail_ingest.scanning import ScanResult, scan
from homehost.mail_ingest.schemas import (
    DeliveryPublic,
    InboundAnswer,
    MessageState,
)
from homehost.mail_ingest.settings import IngestSettings
from homehost.mail_ingest.signing import Envelope
from homehost.mail_ingest.spool import Spool, Spooled
from homehost.mail_ingest.store import (
    Claimed,
    IngestStore,
    NewMessage,
    SignatureAnswer,
    SignatureSeen,
    utc_now,
)
from homehost.shared.bus import Bus
from homehost.shared.bus.events import Event
from homehost.shared.errors import HomehostError
from homehost.shared.events.ingest import (
    MailReceived,
    MailRejected,
    MailTimings,
    RecipientOutcome,
    Verdict,
)

logger = logging.getLogger(__name__)

UNKNOWN_RECIPIENT = "550 5.1.1 no such recipient here"
# How often a copy of a request in progress looks for the first one's answer.
DUPLICATE_POLL_SECONDS = 0.1
# How long the Email Worker waits for an answer before it gives up (its
# INGEST_TIMEOUT_MS): no live request is being received for longer.
WORKER_WAIT_SECONDS = 60.0
# A message up to this size is walked in the loop: at most a millisecond or
# two of work, cheaper than handing it to a thread and back.
WALK_INLINE_BYTES = 128 * 1024


@dataclass(frozen=True)
class Answer:
    """What the endpoint sends back: an HTTP status and the body.

    `text` is the body's JSON, written once: the reply, the answer kept for
    an exact retry and the one handed to copies of the request are it.
    """

    status: int
    body: InboundAnswer
    text: str

    @classmethod
    def of(cls, status: int, body: InboundAnswer) -> Answer:
        """The answer `status` with `body`."""
        return cls(status=status, body=body, text=body.model_dump_json())


class Temporary(Exception):
    """Nothing was kept; the sender should try again later (HTTP 503)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class Intake:
    """What taking a message needs: settings, spool, store, scanners, bus."""

    settings: IngestSettings
    spool: Spool
    store: IngestStore
    rspamd: Rspamd
    clamd: Clamd
    bus: Bus
    deliverer: Deliverer
    publish: Callable[[Event], Awaitable[int]]
    # Requests being taken here, by signature: copies of one wait for its
    # answer (None when it kept nothing).
    _taking: dict[str, asyncio.Future[SignatureSeen | None]] = field(
        default_factory=dict
    )

    async def take(
        self,
        *,
        envelope: Envelope,
        body: AsyncIterator[bytes],
        digest: str,
        signature: str,
    ) -> Answer:
        """Take one message, or raise why it cannot be taken.

        Copies of the request that arrive meanwhile wait for its answer
        (`first_answer`).
        """
        taking = asyncio.get_running_loop().create_future()
        self._taking[signature] = taking
        answer: Answer | None = None
        try:
            answer = await self._take(
                envelope=envelope, body=body, digest=digest, signature=signature
            )
            return answer
        finally:
            del self._taking[signature]
            taking.set_result(
                None if answer is None else SignatureSeen(answer.status, answer.text)
            )

    async def _take(
        self,
        *,
        envelope: Envelope,
        body: AsyncIterator[bytes],
        digest: str,
        signature: str,
    ) -> Answer:
        """Take one message, or raise why it cannot be taken.

        `signature` is the request's, already recorded as seen: the answer
        is kept with it for an exact retry, and it is forgotten again when
        nothing was kept, so that the sender may try again. Raises
        `spool.TooLarge`, `DigestMismatch`, `EmptyMessage` or `Temporary`. A
        client that goes away while sending raises from `body`; in every
        raising case before the message is recorded nothing is left behind.
        """
        started = time.monotonic()
        message_id = uuid.uuid4().hex
        received_at = utc_now()
        recipients = list(dict.fromkeys(envelope.recipients))
        # The envelope comes before the body: its recipients are looked up
        # while the body is still arriving.
        resolving = asyncio.ensure_future(self._resolve(recipients))
        try:
            spooled = await self.spool.receive(
                message_id, body, limit=self.settings.max_message_bytes
            )
        except BaseException:
            await _abandon(resolving)
            await self.store.forget_signature(signature)
            raise
        try:
            if spooled.sha256 != digest:
                raise DigestMismatch
            if spooled.raw_bytes == 0:
                raise EmptyMessage
            received_ms = (time.monotonic() - started) * 1000
            return await self._check_and_keep(
                message_id=message_id,
                received_at=received_at,
                envelope=envelope,
                recipients=recipients,
                resolving=resolving,
                spooled=spooled,
                received_ms=received_ms,
                signature=signature,
            )
        except BaseException:
            await _abandon(resolving)
            if not await self._recorded(message_id):
                await self.spool.remove(message_id)
                await self.store.forget_signature(signature)
            raise

    def taking(self, signature: str) -> bool:
        """Whether this copy of the service is taking a request with `signature`."""
        return signature in self._taking

    async def first_answer(self, signature: str) -> SignatureSeen | None:
        """Wait for the answer to the first request that bore `signature`.

        A copy of a request that comes while the first is still being taken
        (a network that sent it twice, a Worker that retried) gets the same
        answer as the first, never a refusal that would make the sender try
        again and deliver twice. Returns the kept answer; None when this
        request now holds the signature and is to be taken as new: the first
        kept nothing and let go of it, or it died with its copy of the
        service (a crash) and is older than any request can last.

        A first request taken by this copy of the service hands its final
        answer over directly; one taken by another copy is looked for in the
        database, where the answer may still be the 202 kept with the record.
        """
        here = self._taking.get(signature)
        if here is not None:
            answered = await asyncio.shield(here)
            if answered is not None:
                return answered
        longest = timedelta(seconds=self._longest_take_seconds())
        while True:
            seen = await self.store.signature(signature)
            if seen is None:
                seen = await self.store.see_signature(signature)
                if seen is None:
                    return None
            if seen.answer is not None:
                return seen
            if seen.seen_at is not None and utc_now() - seen.seen_at > longest:
                if await self.store.take_over_signature(signature, seen.seen_at):
                    logger.warning(
                        "a request unanswered for %s is taken up again",
                        utc_now() - seen.seen_at,
                    )
                    return None
                continue
            await asyncio.sleep(DUPLICATE_POLL_SECONDS)

    def _longest_take_seconds(self) -> float:
        """The longest a live request can be taken for: the Worker's wait for
        the upload and answer, the scan and the first attempt."""
        return (
            WORKER_WAIT_SECONDS
            + self.settings.scan_timeout_seconds
            + self.settings.answer_within_seconds
        )

    async def _recorded(self, message_id: str) -> bool:
        try:
            return await self.store.message(message_id) is not None
        except Exception:
            # When the database cannot tell, the bytes stay: the record may exist.
            logger.exception("cannot tell whether %s was recorded", message_id)
            return True

    async def _check_and_keep(
        self,
        *,
        message_id: str,
        received_at: datetime,
        envelope: Envelope,
        recipients: list[str],
        resolving: asyncio.Future[dict[str, list[str]]],
        spooled: Spooled,
        received_ms: float,
        signature: str,
    ) -> Answer:
        walk = functools.partial(
            mime.walk,
            spooled.path,
            max_depth=self.settings.max_mime_depth,
            max_parts=self.settings.max_mime_parts,
        )
        if spooled.stored_bytes <= WALK_INLINE_BYTES:
            report = walk()
            resolved = await resolving
        else:
            walking = asyncio.ensure_future(asyncio.to_thread(walk))
            try:
                resolved = await resolving
            finally:
                report = await walking
        reached = {r: boxes for r, boxes in resolved.items() if boxes}
        refused = [
            RecipientOutcome(
                recipient=r, result="refused", mailboxes=[], reply=UNKNOWN_RECIPIENT
            )
            for r, boxes in resolved.items()
            if not boxes
        ]
        base = NewMessage(
            id=message_id,
            received_at=received_at,
            envelope_from=envelope.sender,
            envelope_to=recipients,
            size_bytes=spooled.raw_bytes,
            body_sha256=spooled.sha256,
            header_subject=report.subject,
            header_from=report.header_from,
            state="rejected",
            verdict=None,
            spam_score=None,
            spam_action=None,
            virus=None,
            folder="INBOX",
            scan_notes=[],
            reason="",
            recipients=refused,
            timings={"receive_ms": round(received_ms, 1)},
            added_headers=None,
            expires_at=utc_now() + timedelta(seconds=self.settings.retry_for_seconds),
        )
        if not reached:
            return await self._refuse(
                base, None, "5.1.1 no such recipient here", signature
            )

        blocked = mime.blocked_names(
            report.attachment_names, self.settings.blocked_extensions
        )
        if blocked:
            reason = f"5.7.1 attachment type refused: {blocked[0]}"
            return await self._refuse(base, "blocked", reason, signature)

        mailboxes = list(dict.fromkeys(m for boxes in reached.values() for m in boxes))
        scanned = await scan(
            rspamd=self.rspamd,
            clamd=self.clamd,
            path=spooled.path,
            size=spooled.stored_bytes,
            sender=envelope.sender,
            recipients=list(reached),
            queue_id=message_id,
        )
        verdict = _verdict(scanned)
        base = _with_scan(base, scanned, verdict)
        if scanned.infected:
            return await self._refuse(
                base, "virus", f"5.7.1 virus found: {scanned.infected}", signature
            )
        if scanned.spam_rejected:
            return await self._refuse(
                base, "spam", "5.7.1 message refused as spam", signature
            )
        if scanned.not_scanned and self.settings.unscanned_policy != "deliver":
            notes = "; ".join(scanned.notes())
            if self.settings.unscanned_policy == "defer":
                raise Temporary(f"4.7.0 message could not be scanned ({notes})")
            return await self._refuse(
                base,
                verdict,
                f"5.7.0 message could not be scanned ({notes})",
                signature,
            )

        added = added_headers(
            message_id=message_id,
            hostname=self.settings.hostname,
            recipients=recipients,
            scanned=scanned,
            mime_limit=report.limit,
        )
        pending = [
            RecipientOutcome(recipient=r, result="pending", mailboxes=boxes, reply="")
            for r, boxes in reached.items()
        ]
        message = NewMessage(
            **{
                **base.__dict__,
                "state": "queued",
                "recipients": refused + pending,
                "added_headers": added,
                "timings": {
                    "receive_ms": round(received_ms, 1),
                    "scan_ms": round(scanned.elapsed_ms, 1),
                },
            }
        )
        # A retry that comes before the first attempt is over (or after a
        # crash) hears that the message is queued.
        queued = InboundAnswer(
            id=message_id, state="queued", verdict=verdict, recipients=refused + pending
        )
        await self.store.record(
            message,
            mailboxes=mailboxes,
            owner=self.deliverer.owner,
            lease=self.settings.lease_seconds,
            answer=SignatureAnswer(signature, 202, queued.model_dump_json()),
        )
        # Durable from here: the answer may now say yes.
        return await self._deliver_first(
            message, mailboxes, refused, reached, signature
        )

    async def _deliver_first(
        self,
        message: NewMessage,
        mailboxes: list[str],
        refused: list[RecipientOutcome],
        reached: dict[str, list[str]],
        signature: str,
    ) -> Answer:
        started = time.monotonic()
        self.deliverer.answering.add(message.id)
        try:
            claim = Claimed(
                message_id=message.id,
                envelope_from=message.envelope_from,
                folder=message.folder,
                added_headers=message.added_headers or b"",
                expires_at=message.expires_at,
                mailboxes=mailboxes,
                attempts=dict.fromkeys(mailboxes, 0),
                uncertain=[],
                every_delivery=True,
            )
            attempt = asyncio.ensure_future(self.deliverer.deliver_now(claim))
            await asyncio.wait({attempt}, timeout=self.settings.answer_within_seconds)
        finally:
            self.deliverer.answering.discard(message.id)
        # From here an attempt that is not done yet stores its own outcome;
        # one that is done left it to this answer when it says `unwritten`.
        attempted = (
            attempt.result() if attempt.done() and not attempt.cancelled() else None
        )
        deliver_ms = (
            (time.monotonic() - started) * 1000 if attempted is not None else None
        )
        unwritten = attempted.unwritten if attempted is not None else None
        current = (
            attempted.deliveries
            if attempted is not None
            else await self.store.deliveries(message.id)
        )
        deliveries = {d.mailbox: d for d in current}
        outcomes = refused + [
            recipient_outcome(r, boxes, deliveries) for r, boxes in reached.items()
        ]
        timings = {**message.timings, "deliver_ms": _rounded(deliver_ms)}
        state = _message_state(list(deliveries.values()))
        if state == "failed":
            # No mailbox took it and none will: said now, the Worker rejects
            # the message and its sender learns why, instead of a yes that
            # silently ends nowhere.
            replies = sorted({d.last_reply for d in deliveries.values()})
            status = 422
            answer = InboundAnswer(
                id=message.id,
                state=state,
                verdict=message.verdict,
                reason="; ".join(replies),
                recipients=outcomes,
            )
        else:
            settled = all(
                d.state in ("delivered", "failed") for d in deliveries.values()
            )
            status = 200 if settled else 202
            answer = InboundAnswer(
                id=message.id,
                state=state,
                verdict=message.verdict,
                recipients=outcomes,
            )
        reply = Answer.of(status, answer)
        received = MailReceived(
            message_id=message.id,
            envelope_from=message.envelope_from,
            envelope_to=message.envelope_to,
            size_bytes=message.size_bytes,
            verdict=message.verdict,
            spam_score=message.spam_score,
            spam_action=message.spam_action,
            folder=message.folder,
            scan_notes=message.scan_notes,
            recipients=outcomes,
            timings=MailTimings(
                receive_ms=float(timings["receive_ms"] or 0),
                scan_ms=float(timings.get("scan_ms") or 0),
                deliver_ms=deliver_ms,
            ),
            header_subject=message.header_subject,
        )
        # The results and the event go out side by side; the answer waits
        # for both, so a yes is never heard before the event is stored.
        await asyncio.gather(
            self.store.finish_answer(
                message.id,
                recipients=outcomes,
                timings=timings,
                answer=SignatureAnswer(signature, reply.status, reply.text),
                settlements=unwritten.settlements if unwritten else (),
                final_state=unwritten.final_state if unwritten else None,
            ),
            self.publish(received),
        )
        if unwritten is not None and unwritten.final_state is not None:
            await self.spool.remove(message.id)
        return reply

    async def _refuse(
        self,
        message: NewMessage,
        verdict: Verdict | None,
        reason: str,
        signature: str,
    ) -> Answer:
        already = {outcome.recipient for outcome in message.recipients}
        refused = list(message.recipients) + [
            RecipientOutcome(
                recipient=recipient,
                result="refused",
                mailboxes=[],
                reply=f"550 {reason}",
            )
            for recipient in message.envelope_to
            if recipient not in already
        ]
        record = NewMessage(
            **{
                **message.__dict__,
                "state": "rejected",
                "verdict": verdict,
                "reason": reason,
                "recipients": refused,
            }
        )
        answer = InboundAnswer(
            id=message.id,
            state="rejected",
            verdict=verdict,
            reason=reason,
            recipients=refused,
        )
        reply = Answer.of(422, answer)
        await self.store.record(
            record,
            mailboxes=[],
            owner="",
            lease=0,
            answer=SignatureAnswer(signature, reply.status, reply.text),
        )
        logger.info("refused message %s: %s", message.id, reason)
        await asyncio.gather(
            self.spool.remove(message.id),
            self.publish(
                MailRejected(
                    message_id=message.id,
                    envelope_from=message.envelope_from,
                    envelope_to=message.envelope_to,
                    size_bytes=message.size_bytes,
                    verdict=verdict,
                    reason=reason,
                    recipients=refused,
                )
            ),
        )
        return reply

    async def _resolve(self, recipients: list[str]) -> dict[str, list[str]]:
        async def one(recipient: str) -> list[str]:
            try:
                resolution = await mailbox_directory.resolve(self.bus, recipient)
            except HomehostError as exc:
                if exc.code == "invalid_request":
                    return []
                logger.warning("cannot resolve %s: %s", recipient, exc)
                raise Temporary("4.4.3 the mail directory does not answer") from exc
            return resolution.mailboxes

        found = await asyncio.gather(*(one(r) for r in recipients))
        return dict(zip(recipients, found, strict=True))


async def _abandon(task: asyncio.Future[Any]) -> None:
    """Cancel `task` and wait for it; what it raised goes with the message."""
    task.cancel()
    await asyncio.wait({task})
    if not task.cancelled():
        task.exception()


class DigestMismatch(Exception):
    """The body's SHA-256 is not the one the signature covers."""


class EmptyMessage(Exception):
    """The body holds no bytes at all: nothing to deliver."""


def _verdict(scanned: ScanResult) -> Verdict:
    if scanned.infected:
        return "virus"
    if scanned.spam_rejected:
        return "spam"
    if scanned.junk:
        return "junk"
    if scanned.not_scanned:
        return "not_scanned"
    return "clean"


def _with_scan(
    message: NewMessage, scanned: ScanResult, verdict: Verdict
) -> NewMessage:
    spam = scanned.spam
    return NewMessage(
        **{
            **message.__dict__,
            "verdict": verdict,
            "spam_score": spam.score if spam else None,
            "spam_action": spam.action if spam else None,
            "virus": scanned.infected,
            "folder": "Junk" if scanned.junk else "INBOX",
            "scan_notes": scanned.notes(),
        }
    )


def _message_state(deliveries: list[DeliveryPublic]) -> MessageState:
    states = {delivery.state for delivery in deliveries}
    if not states <= {"delivered", "failed"}:
        return "queued"
    if states == {"delivered"}:
        return "delivered"
    return "partial" if "delivered" in states else "failed"


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


_UNSAFE = re.compile(r"[^\x20-\x7e]")


def _ascii(text: str) -> str:
    """Header text as plain printable ASCII."""
    return _UNSAFE.sub("?", text)


def added_headers(
    *,
    message_id: str,
    hostname: str,
    recipients: list[str],
    scanned: ScanResult,
    mime_limit: str | None,
) -> bytes:
    """The header block mail-ingest puts in front of the original bytes."""
    received_for = ""
    if len(recipients) == 1 and recipients[0].isascii():
        received_for = f"\r\n\tfor <{_ascii(recipients[0])}>"
    lines = [
        f"Received: from cloudflare-email-routing by {_ascii(hostname)} "
        f"(homehost mail-ingest)\r\n\twith HTTPS id {message_id}{received_for};"
        f"\r\n\t{format_datetime(datetime.now(UTC))}",
        f"{INGEST_ID_HEADER}: {message_id}",
    ]
    spam = scanned.spam
    if spam is not None:
        flag = "Yes" if scanned.junk else "No"
        lines += [
            f"X-Spam-Status: {flag}, score={spam.score:.2f} "
            f"required={spam.required_score:.2f}",
            f"X-Spam-Score: {spam.score:.2f}",
            f"X-Spam-Action: {_ascii(spam.action)}",
        ]
        if scanned.junk:
            lines.append("X-Spam-Flag: YES")
    if scanned.virus is not None and scanned.virus.virus is None:
        lines.append("X-Virus-Scanned: ClamAV; clean")
    if scanned.not_scanned:
        lines.append(
            "X-Homehost-Scan: not scanned (" + _ascii("; ".join(scanned.notes())) + ")"
        )
    if mime_limit:
        lines.append(f"X-Homehost-Mime: unparsed: limit ({_ascii(mime_limit)})")
    return "".join(f"{line}\r\n" for line in lines).encode("ascii")
