"""Versioned SQL migrations, applied at start by the service that owns them.

A service keeps its migrations as `NNNN_name.sql` files in one package
folder. Each file is applied once, in order, and recorded with its
checksum in `schema_migrations`; a named lock makes copies of a service
that start together take turns. An applied file that was edited since is
refused: a migration, once shipped, is history.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from importlib.resources.abc import Traversable

import aiomysql

from homehost.shared.errors import ConfigurationError

logger = logging.getLogger(__name__)

_FILE_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
LOCK_TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class Migration:
    """One SQL file: its version, name, statements and checksum."""

    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        """SHA-256 of the file's text."""
        return hashlib.sha256(self.sql.encode()).hexdigest()

    @property
    def statements(self) -> list[str]:
        """The file's statements, split at semicolons that end a line."""
        parts = re.split(r";\s*(?:\n|$)", self.sql)
        return [part.strip() for part in parts if part.strip()]


def load_migrations(folder: Traversable) -> list[Migration]:
    """Read every migration file of a folder, ordered by version."""
    migrations = []
    for entry in folder.iterdir():
        if not entry.name.endswith(".sql"):
            continue
        match = _FILE_NAME.match(entry.name)
        if match is None:
            raise ConfigurationError(
                f"migration file {entry.name} is not named NNNN_name.sql"
            )
        migrations.append(
            Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8"))
        )
    migrations.sort(key=lambda migration: migration.version)
    versions = [migration.version for migration in migrations]
    if len(set(versions)) != len(versions):
        raise ConfigurationError(f"two migration files share a version in {folder}")
    return migrations


async def apply_migrations(pool: aiomysql.Pool, folder: Traversable) -> list[int]:
    """Apply the pending migrations of `folder`; return the versions applied.

    Raises `ConfigurationError` when an applied file was edited since, or
    when a new file sorts before one already applied (it would run out of
    order on some copies and in order on others).
    """
    migrations = load_migrations(folder)
    applied: list[int] = []
    async with pool.acquire() as connection, connection.cursor() as cursor:
        await cursor.execute("SELECT DATABASE()")
        (database,) = await cursor.fetchone()
        if database is None:
            raise ConfigurationError("migrations need a connection to one database")
        # Lock names are at most 64 characters; database names may be too.
        digest = hashlib.sha256(database.encode()).hexdigest()[:40]
        lock_name = f"homehost_migrate_{digest}"
        await cursor.execute(
            "SELECT GET_LOCK(%s, %s)", (lock_name, LOCK_TIMEOUT_SECONDS)
        )
        (locked,) = await cursor.fetchone()
        if locked != 1:
            raise ConfigurationError(f"could not take the migration lock of {database}")
        try:
            await _create_history_table(cursor)
            await cursor.execute("SELECT version, checksum FROM schema_migrations")
            done = {version: checksum for version, checksum in await cursor.fetchall()}
            _check_history(migrations, done)
            for migration in migrations:
                if migration.version in done:
                    continue
                # MariaDB commits each DDL statement on its own, so a file
                # that fails halfway stays half applied and unrecorded.
                # TODO(#2): record progress per statement, so that a file
                # that failed halfway resumes instead of needing a hand.
                for statement in migration.statements:
                    await cursor.execute(statement)
                await cursor.execute(
                    "INSERT INTO schema_migrations (version, name, checksum)"
                    " VALUES (%s, %s, %s)",
                    (migration.version, migration.name, migration.checksum),
                )
                logger.info(
                    "applied migration %04d_%s to %s",
                    migration.version,
                    migration.name,
                    database,
                )
                applied.append(migration.version)
        finally:
            await cursor.execute("SELECT RELEASE_LOCK(%s)", (lock_name,))
            await cursor.fetchone()
    return applied


async def _create_history_table(cursor: aiomysql.Cursor) -> None:
    # Asked first rather than `CREATE TABLE IF NOT EXISTS`, whose note
    # "already exists" the driver turns into a Python warning at every start.
    await cursor.execute(
        "SELECT COUNT(*) FROM information_schema.tables"
        " WHERE table_schema = DATABASE() AND table_name = 'schema_migrations'"
    )
    (exists,) = await cursor.fetchone()
    if exists:
        return
    await cursor.execute(
        "CREATE TABLE schema_migrations ("
        " version INT PRIMARY KEY,"
        " name VARCHAR(200) NOT NULL,"
        " checksum CHAR(64) NOT NULL,"
        " applied_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)"
        ") ENGINE=InnoDB"
    )


def _check_history(migrations: list[Migration], done: dict[int, str]) -> None:
    latest = max(done, default=0)
    for migration in migrations:
        label = f"{migration.version:04d}_{migration.name}"
        if migration.version in done:
            if done[migration.version] != migration.checksum:
                raise ConfigurationError(
                    f"migration {label} was changed after it was applied; "
                    "add a new one instead",
                    details={"version": migration.version},
                )
        elif migration.version < latest:
            raise ConfigurationError(
                f"migration {label} is new but older than {latest:04d}, which "
                "is already applied; give it a version after the latest",
                details={"version": migration.version},
            )
