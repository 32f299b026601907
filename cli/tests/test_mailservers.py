"""Dovecot and Postfix as `homehost up` brings them up, on the real MariaDB."""

from __future__ import annotations

import asyncio
import imaplib
import os
import smtplib
import ssl
import stat
import warnings
from collections.abc import AsyncIterator
from pathlib import Path

import aiomysql
import pytest
from pydantic import SecretStr

from homehost.cli.layout import StateLayout
from homehost.cli.mailservers import (
    PASSWORD_FILE_NAME,
    MailLayout,
    bring_up_mail_servers,
    dovecot_config,
    ensure_mail_database_user,
    service_environment,
)
from homehost.cli.processes import StartedProcess, is_running, stop_process
from homehost.cli.provision import (
    DatabaseAccount,
    MariadbTarget,
    ProvisionedAccount,
    connect_as_root,
    provision_accounts,
)
from homehost.cli.settings import StackSettings
from homehost.mailbox.adapters.mailserver import MailDatabase
from homehost.shared.runtime import discover_services
from tests.mail_servers import free_port, require_mail_packages

TARGET = MariadbTarget(
    host=os.environ.get("HOMEHOST_TEST_MARIADB_HOST", "127.0.0.1"),
    port=int(os.environ.get("HOMEHOST_TEST_MARIADB_PORT", "3306")),
    socket=Path("/run/mysqld/mysqld.sock"),
    root_password=os.environ.get("HOMEHOST_TEST_MARIADB_PASSWORD") or None,
)


@pytest.fixture
async def mailbox_account(
    unique_name: str, layout: StateLayout
) -> AsyncIterator[ProvisionedAccount]:
    """The mailbox service's database and user, provisioned as `up` does.

    The mail servers' read-only user (`<name>_ro`) is dropped afterwards too.
    """
    account = DatabaseAccount(
        service="mailbox",
        env_prefix="HOMEHOST_MAILBOX_",
        database=unique_name,
        user=unique_name,
    )
    (provisioned,) = await provision_accounts(
        [account], target=TARGET, secrets_dir=layout.secrets
    )
    try:
        yield provisioned
    finally:
        connection = await connect_as_root(TARGET)
        with warnings.catch_warnings():
            # `IF EXISTS` on a missing one leaves a note aiomysql warns of.
            warnings.simplefilter("ignore")
            async with connection.cursor() as cursor:
                for user in (unique_name, f"{unique_name}_ro"):
                    await cursor.execute(
                        "DROP USER IF EXISTS %s@%s",
                        (user, TARGET.service_account_host),
                    )
                await cursor.execute(f"DROP DATABASE IF EXISTS `{unique_name}`")
        connection.close()


def test_the_services_learn_where_dovecot_is_configured(tmp_path: Path) -> None:
    # mail-ingest needs Dovecot's config for doveadm: after a crash it tells
    # whether an interrupted delivery already reached the mailbox.
    layout = StateLayout(tmp_path / "state")
    mail = MailLayout.of(layout)
    settings = StackSettings(
        mail_hostname="mail.example.test",
        mail_imap_port=10143,
        mail_pop3_port=10110,
        mail_lmtp_port=10024,
        mail_submission_port=10587,
        mail_smtps_port=10465,
    )
    database = MailDatabase(
        name="homehost_mailbox",
        user="homehost_mailro",
        password=SecretStr("a-password-of-the-test-only"),
    )
    dovecot = dovecot_config(settings, mail, database)

    environment = service_environment(settings, mail, dovecot, discover_services())

    root = tmp_path / "state" / "mail"
    assert environment == {
        "HOMEHOST_MAILBOX_DOVECOT_CONFIG": f"{root}/dovecot/dovecot.conf",
        "HOMEHOST_MAILBOX_MAIL_ROOT": f"{root}/vmail",
        "HOMEHOST_MAILBOX_ARCHIVE_DIR": f"{root}/archive",
        "HOMEHOST_MAILBOX_DKIM_KEYS_DIR": f"{root}/dkim",
        "HOMEHOST_GATEWAY_TAILSCALE_HOSTNAME": "mail.example.test",
        "HOMEHOST_GATEWAY_MAIL_IMAP_PORT": "10143",
        "HOMEHOST_GATEWAY_MAIL_POP3_PORT": "10110",
        "HOMEHOST_GATEWAY_MAIL_SUBMISSION_PORT": "10587",
        "HOMEHOST_GATEWAY_MAIL_SMTPS_PORT": "10465",
        "HOMEHOST_INGEST_LMTP_HOST": "127.0.0.1",
        "HOMEHOST_INGEST_LMTP_PORT": "10024",
        "HOMEHOST_INGEST_DOVECOT_CONFIG": f"{root}/dovecot/dovecot.conf",
    }


async def query_as(user: str, password: str, database: str, sql: str) -> int | str:
    """Run `sql` as `user`; return the row count, or MariaDB's error number."""
    connection = await aiomysql.connect(
        host=TARGET.host, port=TARGET.port, user=user, password=password, db=database
    )
    try:
        async with connection.cursor() as cursor:
            await cursor.execute(sql)
            return len(await cursor.fetchall())
    except aiomysql.Error as exc:
        return f"error {exc.args[0]}"
    finally:
        connection.close()


async def test_the_mail_servers_user_reads_the_mail_tables_only(
    mailbox_account: ProvisionedAccount, layout: StateLayout, unique_name: str
) -> None:
    definition = discover_services()["mailbox"]

    async def ensure() -> str:
        database = await ensure_mail_database_user(
            target=TARGET,
            mailbox=mailbox_account,
            definition=definition,
            user=f"{unique_name}_ro",
            secrets_dir=layout.secrets,
        )
        assert database.name == unique_name
        return database.password.get_secret_value()

    password = await ensure()
    again = await ensure()
    user = f"{unique_name}_ro"
    answers = [
        await query_as(user, password, unique_name, f"SELECT * FROM {table}")
        for table in ("mail_domains", "mailboxes", "mail_aliases")
    ]
    dkim = await query_as(user, password, unique_name, "SELECT * FROM dkim_keys")
    write = await query_as(
        user,
        password,
        unique_name,
        "INSERT INTO mail_domains (name, default_quota_bytes) VALUES ('x.test', 1)",
    )

    assert again == password
    password_file = layout.secrets / PASSWORD_FILE_NAME
    assert password_file.read_text() == password + "\n"
    assert stat.S_IMODE(password_file.stat().st_mode) == 0o600
    assert answers == [0, 0, 0]
    assert dkim == "error 1142"
    assert write == "error 1142"


def imap_greeting(port: int) -> bytes:
    """The first line Dovecot's IMAP says."""
    client = imaplib.IMAP4("127.0.0.1", port)
    try:
        return client.welcome
    finally:
        client.shutdown()


def submission_starts_tls(port: int, ca_file: Path) -> int:
    """STARTTLS on submission against the certificate `up` made; the reply code."""
    with smtplib.SMTP("127.0.0.1", port) as client:
        context = ssl.create_default_context(cafile=str(ca_file))
        context.check_hostname = False
        code, _ = client.starttls(context=context)
        return code


@pytest.mark.timeout(180)
async def test_dovecot_and_postfix_start_once_and_stop_with_their_record(
    mailbox_account: ProvisionedAccount, unique_name: str, scratch: Path
) -> None:
    require_mail_packages()
    # In a scratch folder others may enter: Dovecot's vmail user must reach
    # the maildirs, which pytest's private tmp_path would not let it.
    layout = StateLayout(scratch / "state")
    layout.create()
    ports = {
        "mail_imap_port": free_port(),
        "mail_pop3_port": free_port(),
        "mail_lmtp_port": free_port(),
        "mail_submission_port": free_port(),
        "mail_smtps_port": free_port(),
    }
    settings = StackSettings(
        mail_hostname="mail.example.test",
        mail_database_user=f"{unique_name}_ro",
        mariadb_host=TARGET.host,
        mariadb_port=TARGET.port,
        **ports,
    )
    recorded: dict[str, StartedProcess] = {}
    said: list[str] = []

    def bring_up() -> dict[str, str]:
        return bring_up_mail_servers(
            settings,
            layout,
            target=TARGET,
            provisioned=[mailbox_account],
            definitions=discover_services(),
            recorded=recorded,
            keep=lambda process: recorded.update(
                {process.name: process} if process else {}
            ),
            say=said.append,
        )

    try:
        environment = await asyncio.to_thread(bring_up)
        first = dict(recorded)
        greeting = await asyncio.to_thread(imap_greeting, ports["mail_imap_port"])
        mail = MailLayout.of(layout)
        starttls = await asyncio.to_thread(
            submission_starts_tls,
            ports["mail_submission_port"],
            mail.tls_dir / "submission.crt",
        )
        said.clear()
        await asyncio.to_thread(bring_up)

        assert sorted(first) == ["dovecot", "postfix"]
        assert all(is_running(process) for process in first.values())
        assert recorded == first
        assert said == [
            "mail: mail packages are installed",
            f"Dovecot: already running (pid {first['dovecot'].pid})",
            f"Postfix: already running (pid {first['postfix'].pid})",
        ]
        assert greeting.startswith(b"* OK ")
        assert starttls == 220
        key = mail.tls_dir / "submission.key"
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
        assert mail.mail_root.stat().st_uid == 5000
        config_dir = mail.dovecot_config_dir
        assert environment == {
            "HOMEHOST_MAILBOX_DOVECOT_CONFIG": str(config_dir / "dovecot.conf"),
            "HOMEHOST_MAILBOX_MAIL_ROOT": str(mail.mail_root),
            "HOMEHOST_MAILBOX_ARCHIVE_DIR": str(mail.root / "archive"),
            "HOMEHOST_MAILBOX_DKIM_KEYS_DIR": str(mail.root / "dkim"),
            "HOMEHOST_GATEWAY_TAILSCALE_HOSTNAME": "mail.example.test",
            "HOMEHOST_GATEWAY_MAIL_IMAP_PORT": str(ports["mail_imap_port"]),
            "HOMEHOST_GATEWAY_MAIL_POP3_PORT": str(ports["mail_pop3_port"]),
            "HOMEHOST_GATEWAY_MAIL_SUBMISSION_PORT": str(ports["mail_submission_port"]),
            "HOMEHOST_GATEWAY_MAIL_SMTPS_PORT": str(ports["mail_smtps_port"]),
            "HOMEHOST_INGEST_LMTP_HOST": "127.0.0.1",
            "HOMEHOST_INGEST_LMTP_PORT": str(ports["mail_lmtp_port"]),
            "HOMEHOST_INGEST_DOVECOT_CONFIG": str(config_dir / "dovecot.conf"),
        }
        sql_conf = config_dir / "dovecot-sql.conf.ext"
        assert stat.S_IMODE(sql_conf.stat().st_mode) == 0o600
        assert f"dbname={unique_name} user={unique_name}_ro " in sql_conf.read_text()
    finally:
        for process in recorded.values():
            stop_process(process)

    assert not any(is_running(process) for process in recorded.values())
