"""Versioned migrations against the MariaDB that runs here."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import aiomysql
import pytest

from homehost.shared.errors import ConfigurationError
from homehost.shared.migrations import apply_migrations, load_migrations

MARIADB = {"host": "127.0.0.1", "port": 3306, "user": "root", "password": ""}

CREATE_ZONES = """\
CREATE TABLE zones (
    id INT AUTO_INCREMENT PRIMARY KEY,
    name VARCHAR(253) NOT NULL UNIQUE
) ENGINE=InnoDB;
INSERT INTO zones (name) VALUES ('example.com'), ('example.org');
"""
# Needs `zones`, so it only works after 0001.
CREATE_RECORDS = """\
CREATE TABLE records (
    id INT AUTO_INCREMENT PRIMARY KEY,
    zone_id INT NOT NULL,
    content VARCHAR(255) NOT NULL DEFAULT 'v=spf1 -all; kept whole',
    FOREIGN KEY (zone_id) REFERENCES zones (id)
) ENGINE=InnoDB;
"""
ADD_PROXIED = "ALTER TABLE records ADD COLUMN proxied BOOL NOT NULL DEFAULT TRUE;\n"

PoolFactory = Callable[[str], Awaitable[aiomysql.Pool]]


@pytest.fixture
async def open_pool() -> AsyncIterator[PoolFactory]:
    """`await open_pool(database)`: a pool on that database, closed after."""
    pools: list[aiomysql.Pool] = []

    async def open_one(database: str) -> aiomysql.Pool:
        pool = await aiomysql.create_pool(
            **MARIADB, db=database, autocommit=True, minsize=1, maxsize=2
        )
        pools.append(pool)
        return pool

    try:
        yield open_one
    finally:
        for pool in pools:
            pool.close()
            await pool.wait_closed()


def write(folder: Path, files: dict[str, str]) -> Path:
    """Write migration files into `folder` and return it."""
    folder.mkdir(exist_ok=True)
    for name, sql in files.items():
        (folder / name).write_text(sql, encoding="utf-8")
    return folder


async def fetch(pool: aiomysql.Pool, query: str) -> list[tuple[object, ...]]:
    """Every row `query` returns."""
    async with pool.acquire() as connection, connection.cursor() as cursor:
        await cursor.execute(query)
        return list(await cursor.fetchall())


def sha256(text: str) -> str:
    """The checksum the runner records for a file's text."""
    return hashlib.sha256(text.encode()).hexdigest()


async def test_pending_migrations_are_applied_in_order_and_recorded(
    make_database: Callable[[str], Awaitable[str]],
    open_pool: PoolFactory,
    tmp_path: Path,
) -> None:
    # Written out of order, and with a gap: the runner orders by number.
    folder = write(
        tmp_path / "migrations",
        {
            "0010_add_proxied.sql": ADD_PROXIED,
            "0002_create_records.sql": CREATE_RECORDS,
            "0001_create_zones.sql": CREATE_ZONES,
            "README.md": "Not a migration; ignored.",
        },
    )
    pool = await open_pool(await make_database("migrate"))

    applied = await apply_migrations(pool, folder)

    assert applied == [1, 2, 10]
    rows = await fetch(
        pool, "SELECT version, name, checksum FROM schema_migrations ORDER BY version"
    )
    assert rows == [
        (1, "create_zones", sha256(CREATE_ZONES)),
        (2, "create_records", sha256(CREATE_RECORDS)),
        (10, "add_proxied", sha256(ADD_PROXIED)),
    ]
    assert await fetch(pool, "SELECT name FROM zones ORDER BY name") == [
        ("example.com",),
        ("example.org",),
    ]
    columns = await fetch(
        pool,
        "SELECT column_name, column_default FROM information_schema.columns"
        " WHERE table_schema = DATABASE() AND table_name = 'records'"
        " ORDER BY ordinal_position",
    )
    assert columns == [
        ("id", None),
        ("zone_id", None),
        ("content", "'v=spf1 -all; kept whole'"),
        ("proxied", "1"),
    ]


async def test_a_second_run_applies_nothing_and_a_new_file_alone(
    make_database: Callable[[str], Awaitable[str]],
    open_pool: PoolFactory,
    tmp_path: Path,
) -> None:
    folder = write(
        tmp_path / "migrations",
        {
            "0001_create_zones.sql": CREATE_ZONES,
            "0002_create_records.sql": CREATE_RECORDS,
        },
    )
    pool = await open_pool(await make_database("rerun"))
    await apply_migrations(pool, folder)

    again = await apply_migrations(pool, folder)
    write(folder, {"0003_add_proxied.sql": ADD_PROXIED})
    later = await apply_migrations(pool, folder)

    assert again == []
    assert later == [3]
    # The INSERT in 0001 ran once, not once per run.
    assert await fetch(pool, "SELECT COUNT(*) FROM zones") == [(2,)]
    assert await fetch(
        pool, "SELECT version FROM schema_migrations ORDER BY version"
    ) == [(1,), (2,), (3,)]


async def test_an_applied_file_edited_afterwards_is_refused(
    make_database: Callable[[str], Awaitable[str]],
    open_pool: PoolFactory,
    tmp_path: Path,
) -> None:
    folder = write(tmp_path / "migrations", {"0001_create_zones.sql": CREATE_ZONES})
    pool = await open_pool(await make_database("edited"))
    await apply_migrations(pool, folder)
    write(
        folder,
        {
            "0001_create_zones.sql": CREATE_ZONES.replace("253", "255"),
            "0002_create_records.sql": CREATE_RECORDS,
        },
    )

    with pytest.raises(ConfigurationError) as raised:
        await apply_migrations(pool, folder)

    assert raised.value.message == (
        "migration 0001_create_zones was changed after it was applied; "
        "add a new one instead"
    )
    # Nothing after the refusal ran: the pending 0002 is still pending.
    assert await fetch(pool, "SELECT version FROM schema_migrations") == [(1,)]
    assert await fetch(pool, "SHOW TABLES LIKE 'records'") == []


async def test_a_new_file_older_than_an_applied_one_is_refused(
    make_database: Callable[[str], Awaitable[str]],
    open_pool: PoolFactory,
    tmp_path: Path,
) -> None:
    folder = write(
        tmp_path / "migrations",
        {
            "0001_create_zones.sql": CREATE_ZONES,
            "0003_create_records.sql": CREATE_RECORDS,
        },
    )
    pool = await open_pool(await make_database("order"))
    await apply_migrations(pool, folder)
    write(folder, {"0002_late_branch.sql": "CREATE TABLE late (id INT);\n"})

    with pytest.raises(ConfigurationError) as raised:
        await apply_migrations(pool, folder)

    assert raised.value.message == (
        "migration 0002_late_branch is new but older than 0003, which is "
        "already applied; give it a version after the latest"
    )
    assert await fetch(pool, "SHOW TABLES LIKE 'late'") == []


@pytest.mark.parametrize(
    "name",
    ["1_create_zones.sql", "0001-create-zones.sql", "0001_Create.sql", "0001_.sql"],
)
def test_badly_named_files_are_refused(tmp_path: Path, name: str) -> None:
    folder = write(tmp_path / "migrations", {name: CREATE_ZONES})

    with pytest.raises(ConfigurationError) as raised:
        load_migrations(folder)

    assert raised.value.message == f"migration file {name} is not named NNNN_name.sql"


def test_two_files_with_one_version_are_refused(tmp_path: Path) -> None:
    folder = write(
        tmp_path / "migrations",
        {
            "0001_create_zones.sql": CREATE_ZONES,
            "0001_create_records.sql": CREATE_RECORDS,
        },
    )

    with pytest.raises(ConfigurationError) as raised:
        load_migrations(folder)

    assert raised.value.message == f"two migration files share a version in {folder}"


def test_statements_split_at_semicolons_that_end_a_line(tmp_path: Path) -> None:
    folder = write(tmp_path / "migrations", {"0001_create_zones.sql": CREATE_ZONES})

    [migration] = load_migrations(folder)

    assert migration.version == 1
    assert migration.name == "create_zones"
    assert len(migration.statements) == 2
    assert migration.statements[1] == (
        "INSERT INTO zones (name) VALUES ('example.com'), ('example.org')"
    )


async def test_two_concurrent_runs_apply_each_migration_once(
    make_database: Callable[[str], Awaitable[str]],
    open_pool: PoolFactory,
    tmp_path: Path,
) -> None:
    # The first file takes a while, so that both runs overlap in time.
    slow_zones = "DO SLEEP(0.5);\n" + CREATE_ZONES
    folder = write(
        tmp_path / "migrations",
        {
            "0001_create_zones.sql": slow_zones,
            "0002_create_records.sql": CREATE_RECORDS,
            "0003_add_proxied.sql": ADD_PROXIED,
        },
    )
    database = await make_database("concurrent")
    first, second = await open_pool(database), await open_pool(database)

    results = await asyncio.gather(
        apply_migrations(first, folder), apply_migrations(second, folder)
    )

    assert sorted(results) == [[], [1, 2, 3]]
    assert await fetch(
        first, "SELECT version FROM schema_migrations ORDER BY version"
    ) == [(1,), (2,), (3,)]
    assert await fetch(first, "SELECT COUNT(*) FROM zones") == [(2,)]
