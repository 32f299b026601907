"""The mail directory in MariaDB: domains, mailboxes, aliases, DKIM keys.

The only module of the service that speaks SQL. Times are stored as UTC
without a zone (MariaDB DATETIME) and handed out as aware datetimes.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiomysql

_DUPLICATE_KEY = 1062


class DuplicateKey(Exception):
    """An insert or update hit a unique key."""


@dataclass(frozen=True)
class DomainRow:
    """One hosted mail domain."""

    id: int
    name: str
    active: bool
    default_quota_bytes: int
    catch_all: str | None
    created_at: datetime
    mailbox_count: int = 0
    alias_count: int = 0


@dataclass(frozen=True)
class MailboxRow:
    """One mailbox; the hash stays in here and never leaves the service."""

    id: int
    address: str
    local_part: str
    domain: str
    display_name: str
    password_hash: str
    quota_bytes: int
    enabled: bool
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class AliasRow:
    """One alias and the addresses it forwards to."""

    id: int
    source: str
    domain: str
    destinations: tuple[str, ...]
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class DkimKeyRow:
    """One DKIM key of a domain (the private half is a file)."""

    id: int
    selector: str
    public_value: str
    state: str
    created_at: datetime
    retire_after: datetime | None


def utc_now() -> datetime:
    """Now, in UTC, to the microsecond MariaDB keeps."""
    return datetime.now(UTC)


def _to_db(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def _from_db(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC)


_ALIAS_SELECT = (
    "SELECT a.id, a.source, d.name, a.created_at, a.updated_at, ad.destination"
    " FROM mail_aliases a JOIN mail_domains d ON d.id = a.domain_id"
    " LEFT JOIN mail_alias_destinations ad ON ad.alias_id = a.id"
)

_MAILBOX_COLUMNS = (
    "m.id, m.address, m.local_part, d.name, m.display_name, m.password_hash,"
    " m.quota_bytes, m.enabled, m.created_at, m.updated_at"
)


def _mailbox(row: Sequence[Any]) -> MailboxRow:
    return MailboxRow(
        id=row[0],
        address=row[1],
        local_part=row[2],
        domain=row[3],
        display_name=row[4],
        password_hash=row[5],
        quota_bytes=row[6],
        enabled=bool(row[7]),
        created_at=_from_db(row[8]),
        updated_at=_from_db(row[9]),
    )


class MailDirectory:
    """Queries and changes of the mail directory over one connection pool."""

    def __init__(self, pool: aiomysql.Pool) -> None:
        self.pool = pool

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiomysql.Cursor]:
        """A cursor whose statements commit together or not at all."""
        async with self.pool.acquire() as connection:
            await connection.begin()
            try:
                async with connection.cursor() as cursor:
                    yield cursor
            except BaseException:
                await connection.rollback()
                raise
            await connection.commit()

    async def _fetch(self, sql: str, arguments: Sequence[Any] = ()) -> list[Any]:
        async with self.pool.acquire() as connection, connection.cursor() as cursor:
            await cursor.execute(sql, arguments)
            return list(await cursor.fetchall())

    async def _execute(self, sql: str, arguments: Sequence[Any] = ()) -> int:
        async with self.pool.acquire() as connection, connection.cursor() as cursor:
            try:
                await cursor.execute(sql, arguments)
            except aiomysql.IntegrityError as exc:
                if exc.args and exc.args[0] == _DUPLICATE_KEY:
                    raise DuplicateKey(str(exc.args[1])) from exc
                raise
            return int(cursor.lastrowid or cursor.rowcount)

    # Domains.

    async def list_domains(self) -> list[DomainRow]:
        """Every hosted domain, by name, with its mailbox and alias counts."""
        rows = await self._fetch(
            "SELECT d.id, d.name, d.active, d.default_quota_bytes, d.catch_all,"
            " d.created_at,"
            " (SELECT COUNT(*) FROM mailboxes m WHERE m.domain_id = d.id),"
            " (SELECT COUNT(*) FROM mail_aliases a WHERE a.domain_id = d.id)"
            " FROM mail_domains d ORDER BY d.name"
        )
        return [_domain(row) for row in rows]

    async def find_domain(self, name: str) -> DomainRow | None:
        """The domain called `name`, if it is hosted."""
        rows = await self._fetch(
            "SELECT d.id, d.name, d.active, d.default_quota_bytes, d.catch_all,"
            " d.created_at,"
            " (SELECT COUNT(*) FROM mailboxes m WHERE m.domain_id = d.id),"
            " (SELECT COUNT(*) FROM mail_aliases a WHERE a.domain_id = d.id)"
            " FROM mail_domains d WHERE d.name = %s",
            (name,),
        )
        return _domain(rows[0]) if rows else None

    async def insert_domain(
        self,
        *,
        name: str,
        active: bool,
        default_quota_bytes: int,
        catch_all: str | None,
    ) -> int:
        """Add a domain; raises DuplicateKey when it is hosted already."""
        return await self._execute(
            "INSERT INTO mail_domains"
            " (name, active, default_quota_bytes, catch_all, created_at)"
            " VALUES (%s, %s, %s, %s, %s)",
            (name, active, default_quota_bytes, catch_all, _to_db(utc_now())),
        )

    async def update_domain(
        self,
        *,
        domain_id: int,
        active: bool,
        default_quota_bytes: int,
        catch_all: str | None,
    ) -> None:
        """Change a domain's settings."""
        await self._execute(
            "UPDATE mail_domains SET active = %s, default_quota_bytes = %s,"
            " catch_all = %s WHERE id = %s",
            (active, default_quota_bytes, catch_all, domain_id),
        )

    async def delete_domain(self, *, domain_id: int) -> bool:
        """Remove a domain without mailboxes, with its aliases and DKIM rows."""
        async with self.transaction() as cursor:
            await cursor.execute(
                "SELECT COUNT(*) FROM mailboxes WHERE domain_id = %s FOR UPDATE",
                (domain_id,),
            )
            (mailboxes,) = await cursor.fetchone()
            if mailboxes:
                return False
            await cursor.execute("DELETE FROM mail_domains WHERE id = %s", (domain_id,))
        return True

    # Mailboxes.

    async def find_mailbox(self, address: str) -> MailboxRow | None:
        """The mailbox at `address`, if there is one."""
        rows = await self._fetch(
            f"SELECT {_MAILBOX_COLUMNS} FROM mailboxes m"  # noqa: S608 - fixed columns.
            " JOIN mail_domains d ON d.id = m.domain_id WHERE m.address = %s",
            (address,),
        )
        return _mailbox(rows[0]) if rows else None

    async def list_mailboxes(
        self, *, domain_id: int | None, search: str, offset: int, limit: int
    ) -> tuple[list[MailboxRow], int]:
        """One page of mailboxes by address, and how many match in all."""
        conditions = ["TRUE"]
        arguments: list[Any] = []
        if domain_id is not None:
            conditions.append("m.domain_id = %s")
            arguments.append(domain_id)
        if search:
            pattern = "%" + _escape_like(search) + "%"
            conditions.append("(m.address LIKE %s OR m.display_name LIKE %s)")
            arguments.extend([pattern, pattern])
        where = " AND ".join(conditions)
        (total,) = (
            await self._fetch(
                f"SELECT COUNT(*) FROM mailboxes m WHERE {where}",  # noqa: S608 - placeholders only.
                arguments,
            )
        )[0]
        rows = await self._fetch(
            f"SELECT {_MAILBOX_COLUMNS} FROM mailboxes m"  # noqa: S608 - placeholders only.
            f" JOIN mail_domains d ON d.id = m.domain_id WHERE {where}"
            " ORDER BY m.address LIMIT %s OFFSET %s",
            [*arguments, limit, offset],
        )
        return [_mailbox(row) for row in rows], int(total)

    async def insert_mailbox(
        self,
        *,
        address: str,
        local_part: str,
        domain_id: int,
        display_name: str,
        password_hash: str,
        quota_bytes: int,
        enabled: bool,
    ) -> None:
        """Add a mailbox; raises DuplicateKey when the address is taken."""
        now = _to_db(utc_now())
        await self._execute(
            "INSERT INTO mailboxes (address, local_part, domain_id, display_name,"
            " password_hash, quota_bytes, enabled, created_at, updated_at)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (
                address,
                local_part,
                domain_id,
                display_name,
                password_hash,
                quota_bytes,
                enabled,
                now,
                now,
            ),
        )

    async def update_mailbox(
        self, *, address: str, display_name: str, quota_bytes: int, enabled: bool
    ) -> None:
        """Change a mailbox's display name, quota and whether it may log in."""
        await self._execute(
            "UPDATE mailboxes SET display_name = %s, quota_bytes = %s, enabled = %s,"
            " updated_at = %s WHERE address = %s",
            (display_name, quota_bytes, enabled, _to_db(utc_now()), address),
        )

    async def set_password_hash(self, *, address: str, password_hash: str) -> None:
        """Replace a mailbox's password hash."""
        await self._execute(
            "UPDATE mailboxes SET password_hash = %s, updated_at = %s"
            " WHERE address = %s",
            (password_hash, _to_db(utc_now()), address),
        )

    @contextlib.asynccontextmanager
    async def deleting_mailbox(self, *, mailbox_id: int) -> AsyncIterator[None]:
        """Delete a mailbox's row; undone if the body (the archiving) raises."""
        async with self.transaction() as cursor:
            await cursor.execute("DELETE FROM mailboxes WHERE id = %s", (mailbox_id,))
            yield

    # Aliases.

    async def find_alias(self, source: str) -> AliasRow | None:
        """The alias at `source`, if there is one."""
        aliases = await self._aliases("a.source = %s", (source,))
        return aliases[0] if aliases else None

    async def list_aliases(self, *, domain_id: int | None) -> list[AliasRow]:
        """Every alias, or a domain's, by source address."""
        if domain_id is None:
            return await self._aliases("TRUE", ())
        return await self._aliases("a.domain_id = %s", (domain_id,))

    async def all_alias_edges(self) -> dict[str, tuple[str, ...]]:
        """Every alias source with its destinations, for walking the graph."""
        return {
            alias.source: alias.destinations
            for alias in await self._aliases("TRUE", ())
        }

    async def aliases_reaching(self, destination: str) -> list[str]:
        """Sources of the aliases that name `destination` directly."""
        rows = await self._fetch(
            "SELECT a.source FROM mail_aliases a JOIN mail_alias_destinations ad"
            " ON ad.alias_id = a.id WHERE ad.destination = %s ORDER BY a.source",
            (destination,),
        )
        return [row[0] for row in rows]

    async def _aliases(self, where: str, arguments: Sequence[Any]) -> list[AliasRow]:
        # `where` is one of the fixed conditions of this class.
        query = f"{_ALIAS_SELECT} WHERE {where} ORDER BY a.source, ad.destination"
        rows = await self._fetch(query, arguments)
        aliases: dict[int, AliasRow] = {}
        for alias_id, source, domain, created, updated, destination in rows:
            known = aliases.get(alias_id)
            destinations = known.destinations if known else ()
            aliases[alias_id] = AliasRow(
                id=alias_id,
                source=source,
                domain=domain,
                destinations=(*destinations, destination)
                if destination
                else destinations,
                created_at=_from_db(created),
                updated_at=_from_db(updated),
            )
        return list(aliases.values())

    async def insert_alias(
        self, *, source: str, domain_id: int, destinations: Sequence[str]
    ) -> None:
        """Add an alias with its destinations, all at once."""
        now = _to_db(utc_now())
        try:
            async with self.transaction() as cursor:
                await cursor.execute(
                    "INSERT INTO mail_aliases (source, domain_id, created_at, updated_at)"
                    " VALUES (%s, %s, %s, %s)",
                    (source, domain_id, now, now),
                )
                alias_id = cursor.lastrowid
                await cursor.executemany(
                    "INSERT INTO mail_alias_destinations (alias_id, destination)"
                    " VALUES (%s, %s)",
                    [(alias_id, destination) for destination in destinations],
                )
        except aiomysql.IntegrityError as exc:
            if exc.args and exc.args[0] == _DUPLICATE_KEY:
                raise DuplicateKey(str(exc.args[1])) from exc
            raise

    async def replace_alias_destinations(
        self, *, alias_id: int, destinations: Sequence[str]
    ) -> None:
        """Make `destinations` the alias's whole list."""
        async with self.transaction() as cursor:
            await cursor.execute(
                "DELETE FROM mail_alias_destinations WHERE alias_id = %s", (alias_id,)
            )
            await cursor.executemany(
                "INSERT INTO mail_alias_destinations (alias_id, destination)"
                " VALUES (%s, %s)",
                [(alias_id, destination) for destination in destinations],
            )
            await cursor.execute(
                "UPDATE mail_aliases SET updated_at = %s WHERE id = %s",
                (_to_db(utc_now()), alias_id),
            )

    async def delete_alias(self, *, alias_id: int) -> None:
        """Remove an alias and its destinations."""
        await self._execute("DELETE FROM mail_aliases WHERE id = %s", (alias_id,))

    # DKIM keys.

    async def dkim_keys(self, *, domain_id: int) -> list[DkimKeyRow]:
        """A domain's DKIM keys, newest first."""
        rows = await self._fetch(
            "SELECT id, selector, public_value, state, created_at, retire_after"
            " FROM dkim_keys WHERE domain_id = %s ORDER BY created_at DESC, id DESC",
            (domain_id,),
        )
        return [
            DkimKeyRow(
                id=row[0],
                selector=row[1],
                public_value=row[2],
                state=row[3],
                created_at=_from_db(row[4]),
                retire_after=_from_db(row[5]) if row[5] else None,
            )
            for row in rows
        ]

    async def add_active_dkim_key(
        self,
        *,
        domain_id: int,
        selector: str,
        public_value: str,
        retire_previous_after: datetime,
    ) -> None:
        """Make a new key active; the active one before it starts retiring."""
        async with self.transaction() as cursor:
            await cursor.execute(
                "UPDATE dkim_keys SET state = 'retiring', retire_after = %s"
                " WHERE domain_id = %s AND state = 'active'",
                (_to_db(retire_previous_after), domain_id),
            )
            await cursor.execute(
                "INSERT INTO dkim_keys"
                " (domain_id, selector, public_value, state, created_at)"
                " VALUES (%s, %s, %s, 'active', %s)",
                (domain_id, selector, public_value, _to_db(utc_now())),
            )

    async def delete_dkim_key(self, *, key_id: int) -> None:
        """Forget a key whose grace period is over."""
        await self._execute("DELETE FROM dkim_keys WHERE id = %s", (key_id,))


def _domain(row: Sequence[Any]) -> DomainRow:
    return DomainRow(
        id=row[0],
        name=row[1],
        active=bool(row[2]),
        default_quota_bytes=row[3],
        catch_all=row[4],
        created_at=_from_db(row[5]),
        mailbox_count=int(row[6]),
        alias_count=int(row[7]),
    )


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
