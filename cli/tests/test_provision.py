"""Each service's database and least-privilege user, on the real MariaDB."""

from __future__ import annotations

import contextlib
import os
import stat
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiomysql
import pytest
from pydantic_settings import SettingsConfigDict

from homehost.cli.envfile import load_env_file, write_env_file
from homehost.cli.layout import StateLayout
from homehost.cli.provision import (
    DatabaseAccount,
    MariadbTarget,
    connect_as_root,
    database_accounts,
    provision_accounts,
    read_password,
)
from homehost.shared.database import create_pool, ping
from homehost.shared.runtime import ServiceDefinition
from homehost.shared.settings import DatabaseServiceSettings, ServiceSettings

MARIADB_HOST = os.environ.get("HOMEHOST_TEST_MARIADB_HOST", "127.0.0.1")
MARIADB_PORT = int(os.environ.get("HOMEHOST_TEST_MARIADB_PORT", "3306"))
TARGET = MariadbTarget(
    host=MARIADB_HOST,
    port=MARIADB_PORT,
    socket=Path("/run/mysqld/mysqld.sock"),
    root_password=os.environ.get("HOMEHOST_TEST_MARIADB_PASSWORD") or None,
)
ACCESS_DENIED_TO_DATABASE = 1044


async def root_connection() -> Any:
    """A connection as MariaDB's root, as provisioning makes one."""
    return await connect_as_root(TARGET)


@pytest.fixture
async def drop_afterwards() -> AsyncIterator[list[tuple[str, str | None]]]:
    """Databases and users (name, host) the test made, dropped after it.

    Each name is a database and a user of that name at that host; with no
    host, a database alone.
    """
    made: list[tuple[str, str | None]] = []
    try:
        yield made
    finally:
        connection = await root_connection()
        # A missing one makes `IF EXISTS` leave a note, which aiomysql turns
        # into a warning (an error in the tests); absence is what is wanted.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            async with connection.cursor() as cursor:
                for name, host in made:
                    if host is not None:
                        await cursor.execute("DROP USER IF EXISTS %s@%s", (name, host))
                    await cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
        connection.close()


async def connect_as(
    account: DatabaseAccount, password: str, database: str | None = None
) -> Any:
    """A connection as the service's user, to `database` or its own."""
    return await aiomysql.connect(
        host=MARIADB_HOST,
        port=MARIADB_PORT,
        user=account.user,
        password=password,
        db=database or account.database,
        autocommit=True,
    )


def an_account(name: str, *, admin: bool = False) -> DatabaseAccount:
    """An account whose database and user are both called `name`."""
    return DatabaseAccount(
        service="probe",
        env_prefix="HOMEHOST_PROBE_",
        database=name,
        user=name,
        administers_databases=admin,
    )


async def password_hash(user: str, host: str) -> str:
    """The stored authentication string of a MariaDB user."""
    connection = await root_connection()
    async with connection.cursor() as cursor:
        await cursor.execute(
            "SELECT authentication_string FROM mysql.user WHERE User=%s AND Host=%s",
            (user, host),
        )
        (value,) = await cursor.fetchone()
    connection.close()
    return str(value)


async def test_the_user_may_use_its_own_database_and_no_other(
    layout: StateLayout,
    unique_name: str,
    drop_afterwards: list[tuple[str, str | None]],
    make_database: Callable[[str], Awaitable[str]],
) -> None:
    other = await make_database("other")
    account = an_account(unique_name)
    drop_afterwards.append((unique_name, "127.0.0.1"))

    [outcome] = await provision_accounts(
        [account], target=TARGET, secrets_dir=layout.secrets
    )

    assert outcome.created_database
    assert outcome.created_user
    assert not outcome.reset_password
    assert outcome.account_host == "127.0.0.1"
    assert outcome.password_file == layout.secrets / "probe-database-password"
    assert stat.S_IMODE(outcome.password_file.stat().st_mode) == 0o600
    password = read_password(outcome.password_file)
    assert password is not None
    assert len(password) == 43

    own = await connect_as(account, password)
    async with own.cursor() as cursor:
        await cursor.execute("CREATE TABLE note (id INT PRIMARY KEY, body TEXT)")
        await cursor.execute("INSERT INTO note VALUES (1, 'kept')")
        await cursor.execute("SELECT body FROM note")
        assert await cursor.fetchall() == (("kept",),)
        await cursor.execute("SHOW DATABASES")
        visible = {row[0] for row in await cursor.fetchall()}
    own.close()
    assert visible == {"information_schema", unique_name}

    with pytest.raises(aiomysql.OperationalError) as refused:
        await connect_as(account, password, database=other)
    assert refused.value.args[0] == ACCESS_DENIED_TO_DATABASE


async def test_an_underscore_in_the_name_does_not_widen_the_grant(
    layout: StateLayout, unique_name: str, drop_afterwards: list[tuple[str, str | None]]
) -> None:
    # In GRANT, `_` matches any character: `a_b` would also cover `aXb`.
    lookalike = unique_name.replace("hh_test", "hhXtest")
    account = an_account(unique_name)
    drop_afterwards.extend([(unique_name, "127.0.0.1"), (lookalike, "127.0.0.1")])
    [outcome] = await provision_accounts(
        [account], target=TARGET, secrets_dir=layout.secrets
    )
    root = await root_connection()
    async with root.cursor() as cursor:
        await cursor.execute(f"CREATE DATABASE `{lookalike}`")
    root.close()

    with pytest.raises(aiomysql.OperationalError) as refused:
        await connect_as(
            account, read_password(outcome.password_file) or "", database=lookalike
        )
    assert refused.value.args[0] == ACCESS_DENIED_TO_DATABASE


async def test_provisioning_again_changes_nothing(
    layout: StateLayout, unique_name: str, drop_afterwards: list[tuple[str, str | None]]
) -> None:
    account = an_account(unique_name)
    drop_afterwards.append((unique_name, "127.0.0.1"))
    [first] = await provision_accounts(
        [account], target=TARGET, secrets_dir=layout.secrets
    )
    password = read_password(first.password_file)
    stored_hash = await password_hash(unique_name, "127.0.0.1")

    [second] = await provision_accounts(
        [account], target=TARGET, secrets_dir=layout.secrets
    )

    assert first.changed
    assert not second.changed
    assert (
        second.created_database,
        second.created_user,
        second.reset_password,
        second.changed_grants,
    ) == (False, False, False, False)
    assert read_password(second.password_file) == password
    assert await password_hash(unique_name, "127.0.0.1") == stored_hash


async def test_a_lost_password_file_gets_a_new_password_that_works(
    layout: StateLayout, unique_name: str, drop_afterwards: list[tuple[str, str | None]]
) -> None:
    account = an_account(unique_name)
    drop_afterwards.append((unique_name, "127.0.0.1"))
    [first] = await provision_accounts(
        [account], target=TARGET, secrets_dir=layout.secrets
    )
    old_password = read_password(first.password_file)
    first.password_file.unlink()

    [second] = await provision_accounts(
        [account], target=TARGET, secrets_dir=layout.secrets
    )

    new_password = read_password(second.password_file)
    assert second.reset_password
    assert not second.created_user
    assert new_password not in {None, old_password}
    connection = await connect_as(account, new_password or "")
    connection.close()


async def test_the_database_service_may_administer_databases_and_users(
    layout: StateLayout, unique_name: str, drop_afterwards: list[tuple[str, str | None]]
) -> None:
    account = an_account(unique_name, admin=True)
    site = f"{unique_name}_site"
    drop_afterwards.extend([(unique_name, "127.0.0.1"), (site, "127.0.0.1")])
    [outcome] = await provision_accounts(
        [account], target=TARGET, secrets_dir=layout.secrets
    )
    admin = await connect_as(account, read_password(outcome.password_file) or "")

    async with admin.cursor() as cursor:
        await cursor.execute(f"CREATE DATABASE `{site}`")
        await cursor.execute(
            "CREATE USER %s@'127.0.0.1' IDENTIFIED BY 'site-password-1'", (site,)
        )
        await cursor.execute(
            f"GRANT SELECT, INSERT, CREATE ON `{site}`.* TO %s@'127.0.0.1'", (site,)
        )
        await cursor.execute("SHOW GRANTS FOR %s@'127.0.0.1'", (site,))
        grants = sorted(row[0] for row in await cursor.fetchall())
    admin.close()

    assert len(grants) == 2
    assert grants[0] == (
        f"GRANT SELECT, INSERT, CREATE ON `{site}`.* TO `{site}`@`127.0.0.1`"
    )
    assert grants[1].startswith(f"GRANT USAGE ON *.* TO `{site}`@`127.0.0.1`")


async def test_an_ordinary_service_may_not_create_databases(
    layout: StateLayout, unique_name: str, drop_afterwards: list[tuple[str, str | None]]
) -> None:
    account = an_account(unique_name)
    drop_afterwards.extend([(unique_name, "127.0.0.1"), (f"{unique_name}_x", None)])
    [outcome] = await provision_accounts(
        [account], target=TARGET, secrets_dir=layout.secrets
    )
    connection = await connect_as(account, read_password(outcome.password_file) or "")

    async with connection.cursor() as cursor:
        with pytest.raises(aiomysql.OperationalError) as refused:
            await cursor.execute(f"CREATE DATABASE `{unique_name}_x`")
    connection.close()

    assert refused.value.args[0] == ACCESS_DENIED_TO_DATABASE


class ProbeSettings(DatabaseServiceSettings):
    """A service that owns a database, as the tests' stand-in."""

    model_config = SettingsConfigDict(env_prefix="HOMEHOST_PROBE_")

    database_name: str = "homehost_probe"
    database_user: str = "homehost_probe"


class PlainSettings(ServiceSettings):
    """A service without a database."""

    model_config = SettingsConfigDict(env_prefix="HOMEHOST_PLAIN_")


def test_accounts_follow_each_services_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HOMEHOST_PROBE_DATABASE_USER", "probe_user")
    definitions = [
        ServiceDefinition("probe", "1", "", ProbeSettings),
        ServiceDefinition("plain", "1", "", PlainSettings),
        ServiceDefinition("database", "1", "", ProbeSettings),
    ]

    accounts = database_accounts(definitions)

    assert accounts == [
        DatabaseAccount("probe", "HOMEHOST_PROBE_", "homehost_probe", "probe_user"),
        DatabaseAccount(
            "database",
            "HOMEHOST_PROBE_",
            "homehost_probe",
            "probe_user",
            administers_databases=True,
        ),
    ]


@pytest.mark.usefixtures("clean_environ")
async def test_the_env_file_lets_the_service_connect_as_its_user(
    layout: StateLayout, unique_name: str, drop_afterwards: list[tuple[str, str | None]]
) -> None:
    account = an_account(unique_name)
    drop_afterwards.append((unique_name, "127.0.0.1"))
    [outcome] = await provision_accounts(
        [account], target=TARGET, secrets_dir=layout.secrets
    )
    write_env_file(layout.env_file, outcome.environment())
    for name in outcome.environment():
        os.environ.pop(name, None)
    os.environ["HOMEHOST_MARIADB_HOST"] = MARIADB_HOST
    os.environ["HOMEHOST_MARIADB_PORT"] = str(MARIADB_PORT)

    load_env_file(layout.env_file)
    settings = ProbeSettings()

    assert settings.database_name == unique_name
    assert settings.database_user == unique_name
    assert settings.database_password.get_secret_value() == read_password(
        outcome.password_file
    )
    pool = await create_pool(settings, maxsize=1)
    try:
        await ping(pool)
    finally:
        pool.close()
        with contextlib.suppress(Exception):
            await pool.wait_closed()
