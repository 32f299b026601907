"""The MariaDB connection pool of a service that owns a database."""

from __future__ import annotations

import logging

import aiomysql
from pymysql.constants import CLIENT

from homehost.shared.settings import DatabaseServiceSettings

logger = logging.getLogger(__name__)


async def create_pool(
    settings: DatabaseServiceSettings,
    *,
    maxsize: int = 10,
    multi_statements: bool = False,
) -> aiomysql.Pool:
    """Open a pool to the service's own database as its own user.

    With `multi_statements`, one request may hold several statements (see
    `ServiceDefinition.database_batches`).
    """
    pool = await aiomysql.create_pool(
        host=settings.mariadb_host,
        port=settings.mariadb_port,
        user=settings.database_user,
        password=settings.database_password.get_secret_value(),
        db=settings.database_name,
        minsize=1,
        maxsize=maxsize,
        autocommit=True,
        charset="utf8mb4",
        connect_timeout=5,
        # Connections idle longer than MariaDB's wait_timeout are replaced
        # instead of failing the next query.
        pool_recycle=3600,
        client_flag=CLIENT.MULTI_STATEMENTS if multi_statements else 0,
    )
    logger.info(
        "connected to MariaDB at %s:%d, database %s",
        settings.mariadb_host,
        settings.mariadb_port,
        settings.database_name,
    )
    return pool


async def ping(pool: aiomysql.Pool) -> None:
    """Run a trivial query; raises if the database does not answer."""
    async with pool.acquire() as connection, connection.cursor() as cursor:
        await cursor.execute("SELECT 1")
        await cursor.fetchone()
