"""mail-ingest's own tables: messages, deliveries and request signatures."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import aiomysql
import idna

from homehost.mail_ingest.schemas import (
    FINAL_DELIVERY_STATES,
    DeliveryPublic,
    HourlyCount,
    MessageListRequest,
    MessagePublic,
)
from homehost.shared.events.ingest import RecipientOutcome

_DUPLICATE_KEY = 1062


def utc_now() -> datetime:
    """The current UTC time, naive, as the DATETIME columns hold it."""
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class SignatureSeen:
    """A signature met before: what it was answered with, if it was."""

    status_code: int | None
    answer: str | None
    # When the request that bore it was taken up, when known.
    seen_at: datetime | None = None


# One SQL statement with its %s arguments.
Statement = tuple[str, Sequence[Any]]


@dataclass(frozen=True)
class SignatureAnswer:
    """What a signed request was answered, kept for an exact retry of it."""

    signature: str
    status_code: int
    answer: str

    def statement(self, message_id: str) -> Statement:
        """The UPDATE that keeps this answer for the request's signature."""
        return _answer_statement(
            self.signature, self.status_code, self.answer, message_id
        )


@dataclass(frozen=True)
class Settlement:
    """How one delivery ended an attempt."""

    mailbox: str
    state: str
    reply: str
    next_attempt_at: datetime | None = None


@dataclass(frozen=True)
class NewMessage:
    """Everything recorded about a message when it is taken or refused."""

    id: str
    received_at: datetime
    envelope_from: str
    envelope_to: list[str]
    size_bytes: int
    body_sha256: str
    header_subject: str
    header_from: str
    state: str
    verdict: str | None
    spam_score: float | None
    spam_action: str | None
    virus: str | None
    folder: str
    scan_notes: list[str]
    reason: str
    recipients: list[RecipientOutcome]
    timings: dict[str, float | None]
    added_headers: bytes | None
    expires_at: datetime


@dataclass(frozen=True)
class Claimed:
    """A message's deliveries this copy of the service now holds a lease on."""

    message_id: str
    envelope_from: str
    folder: str
    added_headers: bytes
    expires_at: datetime
    mailboxes: list[str]
    attempts: dict[str, int]
    # Mailboxes whose last attempt may have reached the store unseen.
    uncertain: list[str]
    # Whether `mailboxes` are every delivery the message has (its first
    # attempt): then what they became is known without reading it back.
    every_delivery: bool = False


class IngestStore:
    """Queries on mail-ingest's database."""

    def __init__(self, pool: aiomysql.Pool) -> None:
        self.pool = pool

    async def _execute(self, sql: str, arguments: Sequence[Any] = ()) -> int:
        async with self.pool.acquire() as connection, connection.cursor() as cursor:
            return int(await cursor.execute(sql, arguments))

    async def _rows(self, sql: str, arguments: Sequence[Any] = ()) -> list[Any]:
        async with (
            self.pool.acquire() as connection,
            connection.cursor(aiomysql.DictCursor) as cursor,
        ):
            await cursor.execute(sql, arguments)
            return list(await cursor.fetchall())

    async def _transaction(self, statements: Sequence[Statement]) -> list[int]:
        """Run `statements` as one transaction, sent to MariaDB in one piece.

        Returns each statement's row count. A statement that fails stops the
        rest: the connection, still inside the transaction, is closed when
        it goes back to the pool, and MariaDB rolls everything back. Needs a
        pool opened with multi-statement requests (`ServiceDefinition.
        database_batches`); every value goes in escaped, as with `execute`.
        """
        async with self.pool.acquire() as connection, connection.cursor() as cursor:
            script = ";\n".join(
                [
                    "START TRANSACTION",
                    *(cursor.mogrify(sql, tuple(args)) for sql, args in statements),
                    "COMMIT",
                ]
            )
            await cursor.execute(script)
            counts: list[int] = []
            while await cursor.nextset():
                counts.append(int(cursor.rowcount))
            return counts[:-1]

    # Signatures.

    async def see_signature(self, signature: str) -> SignatureSeen | None:
        """Record a signature; return how it was answered if it was seen before."""
        try:
            await self._execute(
                "INSERT INTO inbound_signatures (signature, seen_at) VALUES (%s, %s)",
                (signature, utc_now()),
            )
        except aiomysql.IntegrityError as exc:
            if exc.args[0] != _DUPLICATE_KEY:
                raise
            seen = await self.signature(signature)
            # Forgotten between the two statements: seen, not yet answered.
            return seen or SignatureSeen(status_code=None, answer=None)
        return None

    async def signature(self, signature: str) -> SignatureSeen | None:
        """How a signature seen before was answered, or None if it is not known."""
        rows = await self._rows(
            "SELECT status_code, answer, seen_at FROM inbound_signatures "
            "WHERE signature = %s",
            (signature,),
        )
        if not rows:
            return None
        row = rows[0]
        return SignatureSeen(
            status_code=row["status_code"], answer=row["answer"], seen_at=row["seen_at"]
        )

    async def take_over_signature(self, signature: str, seen_at: datetime) -> bool:
        """Take up an unanswered signature last taken up at `seen_at`.

        True when this caller now holds it; False when it was answered or
        taken up again meanwhile.
        """
        changed = await self._execute(
            "UPDATE inbound_signatures SET seen_at = %s "
            "WHERE signature = %s AND answer IS NULL AND seen_at = %s",
            (utc_now(), signature, seen_at),
        )
        return changed == 1

    async def forget_signature(self, signature: str) -> None:
        """Let a request that stored nothing be sent again."""
        await self._execute(
            "DELETE FROM inbound_signatures WHERE signature = %s", (signature,)
        )

    async def drop_old_signatures(self, older_than: datetime) -> int:
        """Remove signatures past the time window; returns how many."""
        return await self._execute(
            "DELETE FROM inbound_signatures WHERE seen_at < %s", (older_than,)
        )

    # Messages.

    async def record(
        self,
        message: NewMessage,
        *,
        mailboxes: Sequence[str],
        owner: str,
        lease: float,
        answer: SignatureAnswer | None = None,
    ) -> None:
        """Store a message's record and its deliveries, leased to `owner`, at once.

        With `answer`, the request's signature gets it in the same
        transaction: a retry of the request from then on is answered so, and
        never takes the message a second time.
        """
        now = utc_now()
        statements: list[Statement] = [
            (
                "INSERT INTO inbound_messages (id, received_at, "
                "envelope_from, envelope_to, size_bytes, body_sha256, "
                "header_subject, header_from, state, verdict, spam_score, "
                "spam_action, virus, folder, scan_notes, reason, recipients, "
                "timings, added_headers, expires_at) VALUES (%s, %s, %s, "
                "%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, "
                "%s, %s, %s)",
                (
                    message.id,
                    message.received_at,
                    message.envelope_from,
                    json.dumps(message.envelope_to),
                    message.size_bytes,
                    message.body_sha256,
                    message.header_subject[:500],
                    message.header_from[:500],
                    message.state,
                    message.verdict,
                    message.spam_score,
                    message.spam_action,
                    message.virus,
                    message.folder,
                    json.dumps(message.scan_notes),
                    message.reason[:500],
                    _recipients_json(message.recipients),
                    json.dumps(message.timings),
                    None
                    if message.added_headers is None
                    else message.added_headers.decode("ascii"),
                    message.expires_at,
                ),
            )
        ]
        until = now + timedelta(seconds=lease)
        statements += [
            (
                "INSERT INTO inbound_deliveries (message_id, mailbox, state, "
                "next_attempt_at, lease_owner, lease_until) "
                "VALUES (%s, %s, 'attempting', %s, %s, %s)",
                (message.id, mailbox, now, owner, until),
            )
            for mailbox in mailboxes
        ]
        if answer is not None:
            statements.append(answer.statement(message.id))
        await self._transaction(statements)

    async def finish_answer(
        self,
        message_id: str,
        *,
        recipients: list[RecipientOutcome],
        timings: dict[str, float | None],
        answer: SignatureAnswer | None,
        settlements: Sequence[Settlement] = (),
        final_state: str | None = None,
    ) -> None:
        """Store the per-recipient results, timings and the request's answer.

        With `settlements` (and `final_state`), the first attempt's outcome
        goes in the same transaction, as `settle` would store it.
        """
        statements = _settle_statements(message_id, settlements, utc_now())
        if final_state is None:
            statements.append(
                (
                    "UPDATE inbound_messages SET recipients = %s, timings = %s "
                    "WHERE id = %s",
                    (_recipients_json(recipients), json.dumps(timings), message_id),
                )
            )
        else:
            statements.append(
                (
                    "UPDATE inbound_messages SET recipients = %s, timings = %s, "
                    "state = %s WHERE id = %s",
                    (
                        _recipients_json(recipients),
                        json.dumps(timings),
                        final_state,
                        message_id,
                    ),
                )
            )
        if answer is not None:
            statements.append(answer.statement(message_id))
        await self._transaction(statements)

    async def recipients(self, message_id: str) -> list[RecipientOutcome]:
        """A message's per-recipient results as stored."""
        rows = await self._rows(
            "SELECT recipients FROM inbound_messages WHERE id = %s", (message_id,)
        )
        if not rows:
            return []
        return [
            RecipientOutcome.model_validate(item)
            for item in json.loads(rows[0]["recipients"])
        ]

    async def set_recipients(
        self, message_id: str, recipients: list[RecipientOutcome]
    ) -> None:
        """Store a message's per-recipient results."""
        await self._execute(
            "UPDATE inbound_messages SET recipients = %s WHERE id = %s",
            (_recipients_json(recipients), message_id),
        )

    async def claim_due(self, *, owner: str, lease: float, limit: int) -> list[Claimed]:
        """Lease up to `limit` messages with deliveries due now."""
        now = utc_now()
        async with self.pool.acquire() as connection:
            await connection.begin()
            try:
                async with connection.cursor(aiomysql.DictCursor) as cursor:
                    await cursor.execute(
                        "SELECT message_id, mailbox, state, attempts "
                        "FROM inbound_deliveries "
                        "WHERE state IN ('attempting', 'uncertain', 'deferred') "
                        "AND next_attempt_at <= %s "
                        "AND (lease_until IS NULL OR lease_until < %s) "
                        "ORDER BY next_attempt_at LIMIT %s FOR UPDATE SKIP LOCKED",
                        (now, now, limit * 20),
                    )
                    rows = list(await cursor.fetchall())
                    by_message: dict[str, list[dict[str, Any]]] = {}
                    for row in rows:
                        if row["message_id"] in by_message or len(by_message) < limit:
                            by_message.setdefault(row["message_id"], []).append(row)
                    chosen = [row for group in by_message.values() for row in group]
                    if chosen:
                        await cursor.executemany(
                            "UPDATE inbound_deliveries SET lease_owner = %s, "
                            "lease_until = %s, state = IF(state = 'deferred', "
                            "'attempting', IF(state = 'attempting', 'uncertain', "
                            "state)) WHERE message_id = %s AND mailbox = %s",
                            [
                                (
                                    owner,
                                    now + timedelta(seconds=lease),
                                    row["message_id"],
                                    row["mailbox"],
                                )
                                for row in chosen
                            ],
                        )
                await connection.commit()
            except BaseException:
                await connection.rollback()
                raise
        return await self._claimed(by_message)

    async def _claimed(
        self, by_message: dict[str, list[dict[str, Any]]]
    ) -> list[Claimed]:
        if not by_message:
            return []
        placeholders = ", ".join(["%s"] * len(by_message))
        messages = await self._rows(
            "SELECT id, envelope_from, folder, added_headers, expires_at "  # noqa: S608 - only %s placeholders go in.
            f"FROM inbound_messages WHERE id IN ({placeholders})",
            list(by_message),
        )
        claimed = []
        for message in messages:
            rows = by_message[message["id"]]
            claimed.append(
                Claimed(
                    message_id=message["id"],
                    envelope_from=message["envelope_from"],
                    folder=message["folder"],
                    added_headers=(message["added_headers"] or "").encode("ascii"),
                    expires_at=message["expires_at"],
                    mailboxes=[row["mailbox"] for row in rows],
                    attempts={row["mailbox"]: row["attempts"] for row in rows},
                    # A leased attempt that outlived its lease ended unseen:
                    # the message may have been stored before the crash.
                    uncertain=[
                        row["mailbox"]
                        for row in rows
                        if row["state"] in ("attempting", "uncertain")
                    ],
                )
            )
        return claimed

    async def settle(
        self,
        message_id: str,
        settlements: Sequence[Settlement],
        *,
        final_state: str | None = None,
    ) -> None:
        """Record the outcome of an attempt and give up its leases, at once.

        With `final_state`, the message's overall state is set in the same
        transaction (every delivery of it is settled for good).
        """
        statements = _settle_statements(message_id, settlements, utc_now())
        if final_state is not None:
            statements.append(
                (
                    "UPDATE inbound_messages SET state = %s WHERE id = %s",
                    (final_state, message_id),
                )
            )
        await self._transaction(statements)

    async def deliveries(self, message_id: str) -> list[DeliveryPublic]:
        """Every delivery of a message."""
        rows = await self._rows(
            "SELECT mailbox, state, attempts, next_attempt_at, last_reply "
            "FROM inbound_deliveries WHERE message_id = %s ORDER BY mailbox",
            (message_id,),
        )
        return [_delivery(row) for row in rows]

    async def queued_ids(self, message_ids: Sequence[str]) -> set[str]:
        """Which of `message_ids` are recorded and still to be delivered."""
        if not message_ids:
            return set()
        placeholders = ", ".join(["%s"] * len(message_ids))
        rows = await self._rows(
            f"SELECT id FROM inbound_messages WHERE id IN ({placeholders}) "  # noqa: S608 - only %s placeholders go in.
            "AND state = 'queued'",
            list(message_ids),
        )
        return {row["id"] for row in rows}

    async def message(self, message_id: str) -> MessagePublic | None:
        """One message's record, or None."""
        rows = await self._rows(
            f"{_MESSAGE_SELECT} WHERE id = %s",
            (message_id,),
        )
        if not rows:
            return None
        return _message(rows[0], await self.deliveries(message_id))

    async def messages(self, request: MessageListRequest) -> list[MessagePublic]:
        """Recent messages matching the filters, newest first."""
        conditions: list[str] = ["1 = 1"]
        arguments: list[Any] = []
        if request.recipient:
            # Any case, either form of an international domain, and the
            # mailbox an alias led to all find the message.
            forms = address_forms(request.recipient)
            searches = " OR ".join(
                ["JSON_SEARCH(LOWER(envelope_to), 'one', %s) IS NOT NULL"] * len(forms)
            )
            placeholders = ", ".join(["%s"] * len(forms))
            conditions.append(
                f"({searches} OR EXISTS (SELECT 1 FROM inbound_deliveries d "  # noqa: S608 - only %s placeholders go in.
                "WHERE d.message_id = inbound_messages.id "
                f"AND d.mailbox IN ({placeholders})))"
            )
            arguments += [_like_escaped(form) for form in forms] + forms
        if request.verdict:
            conditions.append("verdict = %s")
            arguments.append(request.verdict)
        if request.state:
            conditions.append("state = %s")
            arguments.append(request.state)
        if request.before:
            conditions.append("received_at < %s")
            arguments.append(request.before.astimezone(UTC).replace(tzinfo=None))
        rows = await self._rows(
            f"{_MESSAGE_SELECT} WHERE {' AND '.join(conditions)} "
            "ORDER BY received_at DESC LIMIT %s",
            (*arguments, request.limit),
        )
        deliveries = await self._deliveries_of([row["id"] for row in rows])
        return [_message(row, deliveries.get(row["id"], [])) for row in rows]

    async def _deliveries_of(
        self, message_ids: list[str]
    ) -> dict[str, list[DeliveryPublic]]:
        """The deliveries of many messages in one query, by message."""
        if not message_ids:
            return {}
        placeholders = ", ".join(["%s"] * len(message_ids))
        rows = await self._rows(
            "SELECT message_id, mailbox, state, attempts, next_attempt_at, "  # noqa: S608 - only %s placeholders go in.
            f"last_reply FROM inbound_deliveries WHERE message_id IN ({placeholders}) "
            "ORDER BY message_id, mailbox",
            message_ids,
        )
        found: dict[str, list[DeliveryPublic]] = {}
        for row in rows:
            found.setdefault(row["message_id"], []).append(_delivery(row))
        return found

    async def retry_now(self, message_id: str | None) -> int:
        """Move deferred deliveries (of one message, or all) to now."""
        sql = (
            "UPDATE inbound_deliveries SET next_attempt_at = %s "
            "WHERE state = 'deferred'"
        )
        arguments: list[Any] = [utc_now()]
        if message_id is not None:
            sql += " AND message_id = %s"
            arguments.append(message_id)
        return await self._execute(sql, arguments)

    async def hourly(self, since: datetime) -> list[HourlyCount]:
        """Messages per hour and verdict since `since`."""
        rows = await self._rows(
            "SELECT DATE_FORMAT(received_at, '%%Y-%%m-%%d %%H:00:00') AS hour, "
            "IF(state = 'rejected', 'rejected', COALESCE(verdict, 'unknown')) "
            "AS outcome, COUNT(*) AS messages FROM inbound_messages "
            "WHERE received_at >= %s GROUP BY hour, outcome ORDER BY hour, outcome",
            (since,),
        )
        return [
            HourlyCount(
                hour=datetime.fromisoformat(row["hour"]).replace(tzinfo=UTC),
                verdict=row["outcome"],
                messages=row["messages"],
            )
            for row in rows
        ]


_MESSAGE_SELECT = (
    "SELECT id, received_at, envelope_from, envelope_to, size_bytes, "
    "header_subject, header_from, state, verdict, spam_score, spam_action, virus, "
    "folder, scan_notes, reason, recipients FROM inbound_messages"
)


def _delivery(row: dict[str, Any]) -> DeliveryPublic:
    return DeliveryPublic(
        mailbox=row["mailbox"],
        state=row["state"],
        attempts=row["attempts"],
        next_attempt_at=None
        if row["state"] in FINAL_DELIVERY_STATES
        else row["next_attempt_at"].replace(tzinfo=UTC),
        last_reply=row["last_reply"],
    )


def address_forms(address: str) -> list[str]:
    """An address in lower case, its domain also in the other IDNA form.

    A Unicode domain is added in A-labels, an xn-- one in Unicode.
    """
    lowered = address.strip().lower()
    local, at, domain = lowered.rpartition("@")
    forms = [lowered]
    if not at:
        return forms
    try:
        if domain.isascii():
            other = idna.decode(domain)
        else:
            other = idna.encode(domain, uts46=True).decode("ascii")
    except idna.IDNAError:
        return forms
    if other != domain:
        forms.append(f"{local}@{other}")
    return forms


def _like_escaped(text: str) -> str:
    # JSON_SEARCH reads % and _ as wildcards; \ escapes them.
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _recipients_json(recipients: list[RecipientOutcome]) -> str:
    return json.dumps([recipient.model_dump() for recipient in recipients])


def _message(row: dict[str, Any], deliveries: list[DeliveryPublic]) -> MessagePublic:
    return MessagePublic(
        id=row["id"],
        received_at=row["received_at"].replace(tzinfo=UTC),
        envelope_from=row["envelope_from"],
        envelope_to=json.loads(row["envelope_to"]),
        size_bytes=row["size_bytes"],
        header_subject=row["header_subject"],
        header_from=row["header_from"],
        state=row["state"],
        verdict=row["verdict"],
        spam_score=row["spam_score"],
        spam_action=row["spam_action"],
        virus=row["virus"],
        folder=row["folder"],
        scan_notes=json.loads(row["scan_notes"]),
        reason=row["reason"],
        recipients=[
            RecipientOutcome.model_validate(item)
            for item in json.loads(row["recipients"])
        ],
        deliveries=deliveries,
    )


def _answer_statement(
    signature: str, status_code: int, answer: str, message_id: str
) -> Statement:
    return (
        "UPDATE inbound_signatures SET status_code = %s, answer = %s, "
        "message_id = %s WHERE signature = %s",
        (status_code, answer, message_id, signature),
    )


def _settle_statements(
    message_id: str, settlements: Sequence[Settlement], now: datetime
) -> list[Statement]:
    """The UPDATEs that record an attempt's outcomes and give up its leases."""
    return [
        (
            "UPDATE inbound_deliveries SET state = %s, attempts = attempts + 1, "
            "last_reply = %s, next_attempt_at = %s, lease_owner = NULL, "
            "lease_until = NULL, settled_at = %s "
            "WHERE message_id = %s AND mailbox = %s",
            (
                settlement.state,
                settlement.reply[:500],
                settlement.next_attempt_at or now,
                now if settlement.state in FINAL_DELIVERY_STATES else None,
                message_id,
                settlement.mailbox,
            ),
        )
        for settlement in settlements
    ]
