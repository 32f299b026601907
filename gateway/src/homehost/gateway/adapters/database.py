"""Queries against the gateway's own MariaDB database, through aiomysql."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, TypeAlias, overload

import aiomysql

Row: TypeAlias = dict[str, Any]
# aiomysql ships no types, so to mypy this is Any.
Pool: TypeAlias = aiomysql.Pool


def utc_now() -> datetime:
    """Return the current time as a naive UTC datetime, as the tables store it."""
    return datetime.now(UTC).replace(tzinfo=None)


@overload
def as_utc(value: datetime) -> datetime: ...
@overload
def as_utc(value: None) -> None: ...
def as_utc(value: datetime | None) -> datetime | None:
    """Return a naive UTC datetime read from a table as an aware one."""
    return value.replace(tzinfo=UTC) if value is not None else None


async def fetch_one(pool: Pool, sql: str, args: Sequence[Any] = ()) -> Row | None:
    """Run a query and return its first row as a dict, or None."""
    async with (
        pool.acquire() as connection,
        connection.cursor(aiomysql.DictCursor) as cursor,
    ):
        await cursor.execute(sql, tuple(args))
        row: Row | None = await cursor.fetchone()
        return row


async def fetch_all(pool: Pool, sql: str, args: Sequence[Any] = ()) -> list[Row]:
    """Run a query and return every row as a dict."""
    async with (
        pool.acquire() as connection,
        connection.cursor(aiomysql.DictCursor) as cursor,
    ):
        await cursor.execute(sql, tuple(args))
        return list(await cursor.fetchall())


async def execute(pool: Pool, sql: str, args: Sequence[Any] = ()) -> tuple[int, int]:
    """Run a statement; return the rows it changed and the id it inserted."""
    async with pool.acquire() as connection, connection.cursor() as cursor:
        await cursor.execute(sql, tuple(args))
        return int(cursor.rowcount), int(cursor.lastrowid or 0)


async def execute_many(pool: Pool, sql: str, rows: Sequence[Sequence[Any]]) -> None:
    """Run one statement for each row of arguments, in one transaction."""
    async with pool.acquire() as connection:
        await connection.begin()
        try:
            async with connection.cursor() as cursor:
                await cursor.executemany(sql, [tuple(row) for row in rows])
            await connection.commit()
        except BaseException:
            await connection.rollback()
            raise


def is_duplicate_key(error: BaseException) -> bool:
    """Whether `error` is MariaDB refusing a duplicate unique key."""
    return isinstance(error, aiomysql.IntegrityError) and error.args[0] == 1062
