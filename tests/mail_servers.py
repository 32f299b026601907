"""Real mail servers for tests of any package: the mailbox service, Dovecot
and Postfix started from the templates in deploy/, and an SMTP sink.

Loaded as a pytest plugin by the root conftest, so its fixtures
(`start_mail_service`, `mail_service`, `dovecot`, `postfix`, `scratch`)
serve the mailbox service's tests and the gateway's alike. Each test gets
the service on its own bus namespace and database and the servers inside
a scratch directory, plus an aiosmtpd sink that stands in for SendGrid.
Tests skip (with a plain message) only when the Debian packages are
absent; deploy/install-mail-packages.sh installs them.
"""

from __future__ import annotations

import asyncio
import contextlib
import imaplib
import os
import poplib
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import aiomysql
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from pydantic import BaseModel

from homehost.mailbox.adapters.mailserver import (
    DovecotConfig,
    MailDatabase,
    PostfixConfig,
    mail_server_grants,
    render_dovecot,
    render_postfix,
    write_self_signed_certificate,
)
from homehost.mailbox.service import definition
from homehost.mailbox.settings import MailboxSettings
from homehost.shared.bus import Bus
from homehost.shared.runtime import ServiceContext, start_service

REPOSITORY = Path(__file__).resolve().parents[1]
DOVECOT_TEMPLATES = REPOSITORY / "deploy" / "dovecot"
POSTFIX_TEMPLATES = REPOSITORY / "deploy" / "postfix"
VMAIL_UID = 5000

ReplyT = TypeVar("ReplyT", bound=BaseModel)

_REQUIRED = {
    "dovecot": "dovecot-core",
    "doveadm": "dovecot-core",
    "postfix": "postfix",
}
_REQUIRED_FILES = {
    "/usr/lib/dovecot/modules/auth/libdriver_mysql.so": "dovecot-mysql",
    "/usr/lib/dovecot/modules/lib10_quota_plugin.so": "dovecot-core",
    "/usr/lib/postfix/postfix-mysql.so": "postfix-mysql",
}


def _missing_packages() -> list[str]:
    missing = {
        package for program, package in _REQUIRED.items() if not shutil.which(program)
    }
    missing |= {
        package for path, package in _REQUIRED_FILES.items() if not Path(path).exists()
    }
    for program, package in (
        ("imap", "dovecot-imapd"),
        ("pop3", "dovecot-pop3d"),
        ("lmtp", "dovecot-lmtpd"),
    ):
        if not Path(f"/usr/lib/dovecot/{program}").exists():
            missing.add(package)
    return sorted(missing)


def require_mail_packages() -> None:
    """Skip the test when the Debian mail packages are not installed."""
    missing = _missing_packages()
    if missing:
        pytest.skip(
            f"mail packages not installed ({', '.join(missing)}); "
            "run deploy/install-mail-packages.sh as root"
        )
    if os.geteuid() != 0:
        pytest.skip("the mail server tests start Dovecot and Postfix, which needs root")


def imap_login(port: int, user: str, password: str) -> bool:
    """Whether Dovecot lets `user` in over IMAP with `password`."""
    client = imaplib.IMAP4("127.0.0.1", port)
    try:
        client.login(user, password)
    except imaplib.IMAP4.error:
        return False
    finally:
        client.shutdown()
    return True


def pop3_login(port: int, user: str, password: str) -> bool:
    """Whether Dovecot lets `user` in over POP3 with `password`."""
    client = poplib.POP3("127.0.0.1", port)
    try:
        client.user(user)
        client.pass_(password)
    except poplib.error_proto:
        return False
    finally:
        client.close()
    return True


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def wait_for_port(port: int, *, seconds: float = 10.0) -> None:
    """Wait until something accepts connections on loopback `port`."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.05)
            continue
        writer.close()
        await writer.wait_closed()
        return


@pytest.fixture
def scratch() -> Iterator[Path]:
    """A scratch directory the vmail, dovecot and postfix users can enter."""
    path = Path(tempfile.mkdtemp(prefix="hh-mail-"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@dataclass
class MailService:
    """A running mailbox service, reached over the test's bus."""

    bus: Bus
    settings: MailboxSettings
    database: str
    context: ServiceContext | None = None

    async def call(
        self, operation: str, payload: dict[str, Any], reply: type[ReplyT]
    ) -> ReplyT:
        """Send `api.mailbox.<operation>` and return the typed reply."""
        return await self.bus.request(
            f"api.mailbox.{operation}", payload, reply, timeout=20
        )

    async def rows(self, sql: str, *arguments: Any) -> list[tuple[Any, ...]]:
        """Rows of a query on the service's database, read as the admin."""
        connection = await aiomysql.connect(
            host="127.0.0.1", user="root", db=self.database, autocommit=True
        )
        try:
            async with connection.cursor() as cursor:
                await cursor.execute(sql, arguments)
                return list(await cursor.fetchall())
        finally:
            connection.close()

    async def counts(self) -> dict[str, int]:
        """How many rows each mail table holds."""
        tables = (
            "mail_domains",
            "mailboxes",
            "mail_aliases",
            "mail_alias_destinations",
            "dkim_keys",
        )
        result = {}
        for table in tables:
            ((count,),) = await self.rows(f"SELECT COUNT(*) FROM {table}")
            result[table] = int(count)
        return result


StartService = Callable[..., Awaitable[MailService]]


@pytest.fixture
async def start_mail_service(
    bus: Bus,
    namespace: str,
    make_database: Callable[[str], Awaitable[str]],
    scratch: Path,
) -> AsyncIterator[StartService]:
    """Start the mailbox service; keyword arguments override its settings.

    `require_dovecot=False` starts it where Dovecot's tools may be absent,
    for tests that never reach a password hash or a quota.
    """
    stops: list[tuple[asyncio.Event, asyncio.Task[None]]] = []

    async def start(*, require_dovecot: bool = True, **overrides: Any) -> MailService:
        if require_dovecot:
            require_mail_packages()
        database = await make_database("mailbox")
        values: dict[str, Any] = {
            "environment": "development",
            "nats_url": "nats://127.0.0.1:4222",
            "bus_namespace": namespace,
            "database_name": database,
            "database_user": "root",
            "state_dir": scratch / "state",
            "mail_root": scratch / "vmail",
            "archive_dir": scratch / "archive",
            "dkim_keys_dir": scratch / "dkim",
            "dovecot_config": scratch / "dovecot" / "dovecot.conf",
            "allow_test_domains": True,
        }
        values.update(overrides)
        settings = MailboxSettings(**values)
        started = await start_service(definition, settings=settings)
        stops.append((started.stop_requested, started.task))
        context = started.context
        return MailService(
            bus=bus, settings=settings, database=database, context=context
        )

    try:
        yield start
    finally:
        for stop, task in stops:
            stop.set()
            await task


@pytest.fixture
async def mail_service(start_mail_service: StartService) -> MailService:
    """The mailbox service with its default settings (ARGON2ID hashes)."""
    return await start_mail_service()


@dataclass
class Dovecot:
    """A running Dovecot started from deploy/dovecot."""

    config: DovecotConfig
    process: asyncio.subprocess.Process

    @property
    def imap_port(self) -> int:
        """IMAP listener."""
        return self.config.imap_port

    @property
    def pop3_port(self) -> int:
        """POP3 listener."""
        return self.config.pop3_port

    @property
    def lmtp_port(self) -> int:
        """LMTP listener."""
        return self.config.lmtp_port

    def doveadm(
        self, *arguments: str, stdin: str = ""
    ) -> subprocess.CompletedProcess[str]:
        """Run doveadm against this Dovecot."""
        return subprocess.run(  # noqa: S603 - fixed program, test arguments.
            ["doveadm", "-c", str(self.config.config_file), *arguments],  # noqa: S607
            input=stdin,
            capture_output=True,
            text=True,
            check=False,
            start_new_session=True,
        )


async def create_read_only_user(database: str) -> MailDatabase:
    """A MariaDB user that may only read the mail tables, as Dovecot uses."""
    user = f"hh_ro_{secrets.token_hex(5)}"
    password = secrets.token_urlsafe(24)
    connection = await aiomysql.connect(host="127.0.0.1", user="root", autocommit=True)
    try:
        async with connection.cursor() as cursor:
            for host in ("localhost", "127.0.0.1"):
                await cursor.execute(
                    f"CREATE USER '{user}'@'{host}' IDENTIFIED BY %s", (password,)
                )
                for grant in mail_server_grants(
                    database=database, user=user, host=host
                ):
                    await cursor.execute(grant)
    finally:
        connection.close()
    return MailDatabase(name=database, user=user, password=password)


async def drop_user(user: str) -> None:
    """Remove a read-only user made for a test."""
    connection = await aiomysql.connect(host="127.0.0.1", user="root", autocommit=True)
    try:
        async with connection.cursor() as cursor:
            for host in ("localhost", "127.0.0.1"):
                await cursor.execute(f"DROP USER IF EXISTS '{user}'@'{host}'")
    finally:
        connection.close()


def scratch_dovecot_config(
    scratch: Path, *, mail_root: Path, database: MailDatabase, name: str = "hh"
) -> DovecotConfig:
    """A Dovecot config with every file under `scratch` and free ports."""
    return DovecotConfig(
        config_dir=scratch / "dovecot",
        run_dir=scratch / "dovecot-run",
        state_dir=scratch / "dovecot-state",
        log_path=scratch / "dovecot.log",
        mail_root=mail_root,
        database=database,
        instance_name=f"{name}-{secrets.token_hex(3)}",
        imap_port=free_port(),
        pop3_port=free_port(),
        lmtp_port=free_port(),
    )


@pytest.fixture
async def dovecot(mail_service: MailService, scratch: Path) -> AsyncIterator[Dovecot]:
    """Dovecot reading the test's mail directory through dovecot-mysql."""
    database = await create_read_only_user(mail_service.database)
    mail_root = mail_service.settings.mail_root
    mail_root.mkdir(parents=True, exist_ok=True)
    os.chown(mail_root, VMAIL_UID, VMAIL_UID)
    config = scratch_dovecot_config(scratch, mail_root=mail_root, database=database)
    assert config.config_file == mail_service.settings.dovecot_config
    render_dovecot(DOVECOT_TEMPLATES, config)
    process = await asyncio.create_subprocess_exec(
        "dovecot",
        "-F",
        "-c",
        str(config.config_file),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        for port in (config.imap_port, config.pop3_port, config.lmtp_port):
            await wait_for_port(port)
        yield Dovecot(config=config, process=process)
    finally:
        with contextlib.suppress(ProcessLookupError):
            process.terminate()
        await process.wait()
        await drop_user(database.user)


@dataclass
class Sink:
    """An SMTP server that keeps what it receives; it stands in for SendGrid."""

    port: int
    received: list[Envelope] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def handle_DATA(  # noqa: N802 - the hook's name is aiosmtpd's.
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        """Keep the message."""
        self.received.append(envelope)
        self.arrived.set()
        return "250 2.0.0 kept"

    async def wait(self, count: int, *, seconds: float = 20.0) -> list[Envelope]:
        """Wait until `count` messages arrived; return them."""
        deadline = time.monotonic() + seconds
        while len(self.received) < count and time.monotonic() < deadline:
            self.arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.arrived.wait(), 0.5)
        return list(self.received)


@dataclass
class Postfix:
    """A running Postfix started from deploy/postfix, relaying to the sink."""

    config: PostfixConfig
    sink: Sink
    ca_file: Path


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost; returns (cert, key)."""
    cert_path, key_path = folder / "tls.crt", folder / "tls.key"
    write_self_signed_certificate(
        cert_path=cert_path, key_path=key_path, hostname="localhost", days=1
    )
    return cert_path, key_path


def _postfix(config: PostfixConfig, command: str) -> None:
    result = subprocess.run(  # noqa: S603 - fixed program, test arguments.
        ["postfix", "-c", str(config.config_dir), command],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        log = config.log_path.read_text() if config.log_path.exists() else ""
        raise RuntimeError(f"postfix {command} failed: {result.stderr}{log[-2000:]}")


@pytest.fixture
async def postfix(
    dovecot: Dovecot, mail_service: MailService, scratch: Path
) -> AsyncIterator[Postfix]:
    """Postfix submission on loopback, SASL through Dovecot, relaying to a sink."""
    sink = Sink(port=free_port())
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    cert, key = make_certificate(scratch)
    data_dir = scratch / "postfix-data"
    config = PostfixConfig(
        config_dir=scratch / "postfix",
        queue_dir=scratch / "postfix-queue",
        data_dir=data_dir,
        log_path=scratch / "postfix.log",
        database=dovecot.config.database,
        dovecot_auth_socket=dovecot.config.auth_socket,
        tls_cert=cert,
        tls_key=key,
        inet_interfaces="127.0.0.1",
        submission_port=free_port(),
        smtps_port=free_port(),
        relayhost=f"[127.0.0.1]:{sink.port}",
        # The sink speaks plain SMTP; production requires TLS to SendGrid.
        relay_tls_security_level="none",
    )
    render_postfix(POSTFIX_TEMPLATES, config)
    try:
        await asyncio.to_thread(_postfix, config, "check")
        await asyncio.to_thread(_postfix, config, "start")
        await wait_for_port(config.submission_port)
        await wait_for_port(config.smtps_port)
        yield Postfix(config=config, sink=sink, ca_file=cert)
    finally:
        with contextlib.suppress(RuntimeError):
            await asyncio.to_thread(_postfix, config, "stop")
        controller.stop()
