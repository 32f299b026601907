"""Each service's own MariaDB database and least-privilege user.

For every service whose settings derive from `DatabaseServiceSettings`,
`homehost up` creates its database and a user that may use that database
alone, with a random password kept in a secret file. Provisioning again
changes nothing: an existing user keeps its password, and only what is
missing is created.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiomysql

from homehost.cli.envfile import write_private_file
from homehost.cli.errors import StackError
from homehost.cli.servers import LOCAL_HOSTS
from homehost.shared.runtime import ServiceDefinition
from homehost.shared.settings import DatabaseServiceSettings

logger = logging.getLogger(__name__)

# What a service needs inside its own database: its data, and the schema
# changes its migrations make. Nothing outside that database.
SERVICE_PRIVILEGES = (
    "SELECT, INSERT, UPDATE, DELETE, CREATE, ALTER, INDEX, DROP, REFERENCES, "
    "CREATE TEMPORARY TABLES, LOCK TABLES, CREATE VIEW, SHOW VIEW, TRIGGER"
)

# The database service administers MariaDB for the sites: it creates their
# databases and users and grants each user its own database. MariaDB lets
# an account grant only privileges it holds itself, with GRANT OPTION, so
# this account holds the per-database privileges server-wide, plus CREATE
# USER and SHOW DATABASES. Server-wide powers that administration of
# databases does not need (SUPER, FILE, PROCESS, RELOAD, SHUTDOWN,
# replication) stay with root. A server-wide grant also covers the `mysql`
# schema, so this account is as trusted as the administration it does.
DATABASE_ADMIN_PRIVILEGES = (
    f"{SERVICE_PRIVILEGES}, EXECUTE, CREATE ROUTINE, ALTER ROUTINE, EVENT, "
    "SHOW DATABASES, CREATE USER"
)
DATABASE_ADMIN_SERVICES = frozenset({"database"})

_DATABASE_NAME = re.compile(r"^[A-Za-z0-9_]{1,64}$")
_USER_NAME = re.compile(r"^[A-Za-z0-9_]{1,80}$")
_ACCESS_DENIED = 1045


@dataclass(frozen=True)
class DatabaseAccount:
    """A service's own database and MariaDB user, as its settings name them."""

    service: str
    env_prefix: str
    database: str
    user: str
    administers_databases: bool = False

    def __post_init__(self) -> None:
        """Refuse names that could not be quoted safely in SQL."""
        if not _DATABASE_NAME.match(self.database):
            raise StackError(f"{self.service}: bad database name {self.database!r}")
        if not _USER_NAME.match(self.user):
            raise StackError(f"{self.service}: bad database user {self.user!r}")

    @property
    def password_file_name(self) -> str:
        """The name of the secret file that holds the user's password."""
        return f"{self.service}-database-password"


def _configured(
    settings_class: type[DatabaseServiceSettings],
    field: str,
    environment: dict[str, str],
) -> str:
    """Read one setting as the service will, without loading all of them.

    A service's whole settings may need secrets that exist only once
    provisioning is done; its database name and user never do.
    """
    prefix = str(settings_class.model_config.get("env_prefix", "")).upper()
    configured = environment.get(f"{prefix}{field.upper()}")
    if configured is not None:
        return configured
    return str(settings_class.model_fields[field].default)


def database_accounts(
    definitions: Iterable[ServiceDefinition],
) -> list[DatabaseAccount]:
    """Return the database account of every service that owns a database."""
    environment = {name.upper(): value for name, value in os.environ.items()}
    accounts = []
    for definition in definitions:
        settings_class = definition.settings_class
        if not issubclass(settings_class, DatabaseServiceSettings):
            continue
        prefix = str(settings_class.model_config.get("env_prefix", "")).upper()
        accounts.append(
            DatabaseAccount(
                service=definition.name,
                env_prefix=prefix,
                database=_configured(settings_class, "database_name", environment),
                user=_configured(settings_class, "database_user", environment),
                administers_databases=definition.name in DATABASE_ADMIN_SERVICES,
            )
        )
    return accounts


@dataclass(frozen=True)
class MariadbTarget:
    """The MariaDB server to provision, and how to log in to it as root."""

    host: str
    port: int
    socket: Path | None = None
    root_password: str | None = None
    account_host: str | None = None

    @property
    def service_account_host(self) -> str:
        """Host part of the services' accounts: where they connect from."""
        if self.account_host:
            return self.account_host
        return "127.0.0.1" if self.host in LOCAL_HOSTS else "%"


@dataclass(frozen=True)
class ProvisionedAccount:
    """What provisioning did for one account, and where its password is."""

    account: DatabaseAccount
    account_host: str
    password_file: Path
    created_database: bool = False
    created_user: bool = False
    reset_password: bool = False
    changed_grants: bool = False

    @property
    def changed(self) -> bool:
        """Whether this run changed anything for the account."""
        return (
            self.created_database
            or self.created_user
            or self.reset_password
            or self.changed_grants
        )

    def environment(self) -> dict[str, str]:
        """The variables that point the service at its database and password."""
        prefix = self.account.env_prefix
        return {
            f"{prefix}DATABASE_NAME": self.account.database,
            f"{prefix}DATABASE_USER": self.account.user,
            f"{prefix}DATABASE_PASSWORD_FILE": str(self.password_file),
        }


async def connect_as_root(target: MariadbTarget) -> Any:
    """Log in to MariaDB as root: over TCP, else over the unix socket."""
    password = target.root_password or ""
    try:
        return await aiomysql.connect(
            host=target.host,
            port=target.port,
            user="root",
            password=password,
            autocommit=True,
            connect_timeout=5,
        )
    except aiomysql.OperationalError as exc:
        tcp_error = exc
    # Debian's root trusts the unix socket (as the system's root) instead.
    if (
        target.socket is not None
        and target.host in LOCAL_HOSTS
        and target.socket.exists()
    ):
        try:
            return await aiomysql.connect(
                unix_socket=str(target.socket),
                user="root",
                password=password,
                autocommit=True,
                connect_timeout=5,
            )
        except aiomysql.OperationalError as exc:
            logger.info("MariaDB refused root on %s: %s", target.socket, exc)
    raise StackError(
        f"cannot log in to MariaDB at {target.host}:{target.port} as root "
        f"({_describe(tcp_error)}); if root has a password, set "
        "HOMEHOST_MARIADB_ROOT_PASSWORD or HOMEHOST_MARIADB_ROOT_PASSWORD_FILE"
    ) from tcp_error


async def provision_accounts(
    accounts: Iterable[DatabaseAccount], *, target: MariadbTarget, secrets_dir: Path
) -> list[ProvisionedAccount]:
    """Create what is missing of every account; change nothing that exists.

    Passwords go to files in `secrets_dir`, which must exist (`StateLayout`
    creates it, private).
    """
    connection = await connect_as_root(target)
    try:
        async with connection.cursor() as cursor:
            provisioned = []
            for account in accounts:
                try:
                    outcome = await _provision(
                        cursor,
                        account,
                        target=target,
                        password_file=secrets_dir / account.password_file_name,
                    )
                except aiomysql.Error as exc:
                    raise StackError(
                        f"MariaDB refused to provision {account.service}: "
                        f"{_describe(exc)}"
                    ) from exc
                provisioned.append(outcome)
            return provisioned
    finally:
        connection.close()


async def _provision(
    cursor: Any, account: DatabaseAccount, *, target: MariadbTarget, password_file: Path
) -> ProvisionedAccount:
    host = target.service_account_host
    user = (account.user, host)

    await cursor.execute(
        "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = %s",
        (account.database,),
    )
    created_database = (await cursor.fetchone())[0] == 0
    if created_database:
        await cursor.execute(
            f"CREATE DATABASE IF NOT EXISTS `{account.database}` "
            "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
        )

    await cursor.execute(
        "SELECT COUNT(*) FROM mysql.user WHERE User = %s AND Host = %s", user
    )
    user_exists = (await cursor.fetchone())[0] > 0
    password = read_password(password_file)
    reset_password = False
    if password is None:
        # The file comes first: a user whose password was never written
        # down could not be used by anyone.
        password = secrets.token_urlsafe(32)
        write_private_file(password_file, password + "\n")
        reset_password = user_exists
    if not user_exists:
        await cursor.execute("CREATE USER %s@%s IDENTIFIED BY %s", (*user, password))
    elif reset_password or not await _can_log_in(target, account, password):
        # The login is tried only from where the services connect (see
        # `_can_log_in`); a password that does not match is set to the file's.
        logger.warning(
            "MariaDB user %s had a password other than %s; set it to that",
            account.user,
            password_file,
        )
        await cursor.execute("ALTER USER %s@%s IDENTIFIED BY %s", (*user, password))
        reset_password = True

    grants_before = await _grants(cursor, user)
    # In GRANT, `_` in a database name matches any character: escaped, the
    # grant covers this one database only.
    pattern = account.database.replace("_", r"\_")
    await cursor.execute(f"GRANT {SERVICE_PRIVILEGES} ON `{pattern}`.* TO %s@%s", user)
    if account.administers_databases:
        await cursor.execute(
            f"GRANT {DATABASE_ADMIN_PRIVILEGES} ON *.* TO %s@%s WITH GRANT OPTION",
            user,
        )
    changed_grants = await _grants(cursor, user) != grants_before

    outcome = ProvisionedAccount(
        account=account,
        account_host=host,
        password_file=password_file,
        created_database=created_database,
        created_user=not user_exists,
        reset_password=reset_password,
        changed_grants=changed_grants,
    )
    if outcome.changed:
        logger.info(
            "provisioned %s: database %s, user %s@%s",
            account.service,
            account.database,
            account.user,
            host,
        )
    return outcome


def read_password(path: Path) -> str | None:
    """Return the password a secret file holds, or None when there is none."""
    try:
        password = path.read_text(encoding="utf-8").rstrip("\r\n")
    except FileNotFoundError:
        return None
    return password or None


async def _grants(cursor: Any, user: tuple[str, str]) -> list[str]:
    await cursor.execute("SHOW GRANTS FOR %s@%s", user)
    return sorted(row[0] for row in await cursor.fetchall())


async def _can_log_in(
    target: MariadbTarget, account: DatabaseAccount, password: str
) -> bool:
    """Tell whether the account logs in with `password`.

    With an account host of its own choosing the login from here may not
    match the account at all, so then the password is taken as right.
    """
    if target.account_host:
        return True
    try:
        connection = await aiomysql.connect(
            host=target.host,
            port=target.port,
            user=account.user,
            password=password,
            connect_timeout=5,
        )
    except aiomysql.OperationalError as exc:
        if exc.args and exc.args[0] == _ACCESS_DENIED:
            return False
        raise
    connection.close()
    return True


def _describe(error: BaseException) -> str:
    if len(error.args) >= 2:
        return str(error.args[1])
    return str(error) or type(error).__name__
