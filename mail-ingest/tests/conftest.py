"""Real servers for mail-ingest's tests: Dovecot, Rspamd, clamd, the service.

Dovecot and the mailbox service come from tests/mail_servers.py (the
root conftest loads its fixtures for every test). Rspamd and clamd start
once per session from the templates in deploy/, with Rspamd's DBDIR kept
in `<repository>/.cache/rspamd-db` so that only the first run pays its
compile of the public-suffix list. Tests skip with a plain message when
the Debian packages are absent (deploy/install-scan-packages.sh).
"""

from __future__ import annotations

import asyncio
import contextlib
import imaplib
import importlib.resources
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from homehost.mail_ingest.adapters.scanservers import (
    ClamdConfig,
    RspamdConfig,
    render_clamd,
    render_rspamd,
)
from homehost.mail_ingest.service import definition
from homehost.mail_ingest.settings import IngestSettings
from homehost.mail_ingest.signing import (
    Envelope,
    signed_headers,
    signed_read_headers,
)
from homehost.mail_ingest.store import IngestStore
from homehost.shared.bus import Bus
from homehost.shared.bus.events import Event, event_model_for
from homehost.shared.database import create_pool
from homehost.shared.migrations import apply_migrations
from homehost.shared.runtime import ServiceContext, start_service
from homehost.shared.settings import DatabaseServiceSettings
from tests import mail_servers

REPOSITORY = Path(__file__).resolve().parents[2]
SHARED = REPOSITORY.parent / "shared"
CASES = SHARED / "cases" / "inputs"
CORPUS = SHARED / "corpus" / "mail"
SECRET = "worker-secret-for-tests-0123456789"
PASSWORD = "violet-harbour-tram-42"

# The mail servers (mailbox service, Dovecot) are the shared fixtures of
# tests/mail_servers.py, loaded for every test by the root conftest.
free_port = mail_servers.free_port


def shared_input(*parts: str) -> Path:
    """A file under ../shared, or skip when that folder is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent (the shared test inputs are not here)")
    return path


def _require_scanners() -> None:
    missing = [p for p in ("rspamd", "clamd") if shutil.which(p) is None]
    if missing:
        pytest.skip(
            f"{', '.join(missing)} not installed; run deploy/install-scan-packages.sh"
        )
    if os.geteuid() != 0:
        pytest.skip("Rspamd and clamd drop privileges to their users: needs root")


def _wait_for(port: int, seconds: float, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args} exited with {process.returncode}")
        with (
            contextlib.suppress(OSError),
            socket.create_connection(("127.0.0.1", port), timeout=1),
        ):
            return
        time.sleep(0.1)
    raise RuntimeError(f"nothing answered on port {port} after {seconds} s")


@dataclass
class ScannerServer:
    """A scanner process and its port."""

    port: int
    process: subprocess.Popen[bytes]
    folder: Path


@pytest.fixture(scope="session")
def rspamd_server() -> Iterator[ScannerServer]:
    """Rspamd from deploy/rspamd, test patterns on, for the whole session."""
    _require_scanners()
    folder = Path(tempfile.mkdtemp(prefix="hh-rspamd-"))
    folder.chmod(0o755)
    cache = Path(
        os.environ.get("HOMEHOST_TEST_RSPAMD_DB", REPOSITORY / ".cache" / "rspamd-db")
    )
    config = RspamdConfig(
        local_confdir=folder / "conf",
        db_dir=cache,
        run_dir=folder / "run",
        log_dir=folder / "log",
        normal_port=free_port(),
        controller_port=free_port(),
        proxy_port=free_port(),
        dns_timeout="0.3s",
        dns_retransmits=1,
        enable_test_patterns=True,
        # Test mail scores high without DNS answers; only YJS files as junk.
        add_header_score=14,
    )
    render_rspamd(REPOSITORY / "deploy" / "rspamd", config)
    process = subprocess.Popen(  # noqa: S603 - fixed program and arguments.
        config.command(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        # A cold DBDIR compiles the public-suffix list: a minute or more.
        _wait_for(config.normal_port, 240, process)
        yield ScannerServer(config.normal_port, process, folder)
    finally:
        process.terminate()
        process.wait(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def clamd_server() -> Iterator[ScannerServer]:
    """clamd with the one-line EICAR signature from deploy/clamav."""
    _require_scanners()
    folder = Path(tempfile.mkdtemp(prefix="hh-clamd-"))
    folder.chmod(0o755)
    database = folder / "db"
    database.mkdir()
    shutil.copy(REPOSITORY / "deploy" / "clamav" / "eicar.ndb", database)
    config = ClamdConfig(
        config_dir=folder / "conf",
        database_dir=database,
        run_dir=folder / "run",
        log_path=folder / "clamd.log",
        port=free_port(),
        # Above the 25 MiB message limit the tests use (C10).
        stream_max_bytes=26 * 1024 * 1024,
        max_scan_bytes=64 * 1024 * 1024,
        max_threads=2,
    )
    render_clamd(REPOSITORY / "deploy" / "clamav", config)
    process = subprocess.Popen(  # noqa: S603 - fixed program and arguments.
        config.command(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        _wait_for(config.port, 60, process)
        yield ScannerServer(config.port, process, folder)
    finally:
        process.terminate()
        process.wait(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)


@dataclass
class Ingest:
    """A running ingest service and what a test needs to talk to it."""

    url: str
    settings: IngestSettings
    bus: Bus
    dovecot: Any
    mail: Any
    context: ServiceContext
    events: list[Event] = field(default_factory=list)

    async def post(
        self,
        raw: bytes,
        *,
        sender: str,
        recipients: list[str],
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """POST the message exactly as the Email Worker does."""
        signed = signed_headers(
            SECRET.encode(),
            body=raw,
            envelope=Envelope(sender=sender, recipients=tuple(recipients)),
        )
        async with httpx.AsyncClient(timeout=120) as client:
            return await client.post(
                f"{self.url}/v1/inbound",
                content=raw,
                headers={**signed, **(headers or {})},
            )

    async def state(self, message_id: str) -> httpx.Response:
        """GET /v1/messages/{id}, signed."""
        path = f"/v1/messages/{message_id}"
        async with httpx.AsyncClient(timeout=30) as client:
            return await client.get(
                f"{self.url}{path}",
                headers=signed_read_headers(SECRET.encode(), path=path),
            )

    async def mailbox(self, address: str, *, quota_bytes: int | None = None) -> str:
        """Create a mailbox (and its domain) through the mailbox service."""
        return await make_mailbox(self.mail, address, quota_bytes=quota_bytes)

    def events_of(self, subject: str) -> list[Any]:
        """The events seen so far with this subject."""
        return [event for event in self.events if event.subject == subject]

    async def wait_for_events(
        self, subject: str, count: int, *, seconds: float = 30
    ) -> list[Any]:
        """Wait until `count` events of `subject` arrived."""
        deadline = time.monotonic() + seconds
        # Events arrive on a NATS callback; polling keeps the helper small.
        while len(self.events_of(subject)) < count and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        return self.events_of(subject)


async def make_mailbox(
    service: Any, address: str, *, quota_bytes: int | None = None
) -> str:
    """Host the address's domain (once) and create the mailbox."""
    from homehost.mailbox.schemas import DomainPublic, MailboxCreated

    domain = address.split("@")[1]
    if not await service.rows("SELECT name FROM mail_domains WHERE name = %s", domain):
        await service.call("domains.create", {"name": domain}, DomainPublic)
    payload: dict[str, object] = {"address": address, "password": PASSWORD}
    if quota_bytes is not None:
        payload["quota_bytes"] = quota_bytes
    created = await service.call("mailboxes.create", payload, MailboxCreated)
    return str(created.mailbox.address)


def ingest_settings(
    *,
    namespace: str,
    database: str,
    state_dir: Path,
    lmtp_port: int,
    rspamd_port: int,
    clamd_port: int,
    dovecot_config: Path | None,
    overrides: dict[str, Any],
) -> IngestSettings:
    """Settings for a test's ingest service; `overrides` wins."""
    values: dict[str, Any] = {
        "environment": "development",
        "nats_url": "nats://127.0.0.1:4222",
        "bus_namespace": namespace,
        "database_name": database,
        "database_user": "root",
        "state_dir": state_dir,
        "http_port": 0,
        "worker_secret": SECRET,
        "lmtp_port": lmtp_port,
        "rspamd_url": f"http://127.0.0.1:{rspamd_port}",
        "clamd_port": clamd_port,
        "dovecot_config": dovecot_config,
        "answer_within_seconds": 10,
        "retry_first_seconds": 0.5,
        "retry_longest_seconds": 2,
        "retry_unreachable_seconds": 1,
        "lease_seconds": 30,
        "scan_timeout_seconds": 30,
    }
    values.update(overrides)
    return IngestSettings(**values)


StartIngest = Callable[..., Awaitable[Ingest]]


@pytest.fixture
async def start_ingest(
    bus: Bus,
    namespace: str,
    make_database: Callable[[str], Awaitable[str]],
    mail_service: Any,
    dovecot: Any,
    rspamd_server: ScannerServer,
    clamd_server: ScannerServer,
    scratch: Path,
) -> AsyncIterator[StartIngest]:
    """Start mail-ingest against the test's Dovecot, Rspamd and clamd."""
    stops: list[tuple[asyncio.Event, asyncio.Task[None]]] = []
    events: list[Event] = []

    async def collect(message: Any) -> None:
        model = event_model_for(bus.unqualified(message.subject))
        if model is not None:
            events.append(model.model_validate_json(message.data))

    subscription = await bus.client.subscribe(bus.subject("mail.>"), cb=collect)

    async def start(**overrides: Any) -> Ingest:
        database = await make_database("ingest")
        settings = ingest_settings(
            namespace=namespace,
            database=database,
            state_dir=scratch / "ingest-state",
            lmtp_port=dovecot.lmtp_port,
            rspamd_port=rspamd_server.port,
            clamd_port=clamd_server.port,
            dovecot_config=dovecot.config.config_file,
            overrides=overrides,
        )
        started = await start_service(definition, settings=settings)
        stops.append((started.stop_requested, started.task))
        context = started.context
        return Ingest(
            url=f"http://127.0.0.1:{context.http_port}",
            settings=settings,
            bus=bus,
            dovecot=dovecot,
            mail=mail_service,
            context=context,
            events=events,
        )

    try:
        yield start
    finally:
        for stop, task in stops:
            stop.set()
            await task
        await subscription.unsubscribe()


@pytest.fixture
async def ingest(start_ingest: StartIngest) -> Ingest:
    """mail-ingest with the test settings."""
    return await start_ingest()


def imap_messages(port: int, address: str, folder: str = "INBOX") -> list[bytes]:
    """Every message in a folder, as IMAP returns it (BODY.PEEK[])."""
    client = imaplib.IMAP4("127.0.0.1", port)
    try:
        client.login(address, PASSWORD)
        status, _ = client.select(folder, readonly=True)
        if status != "OK":
            return []
        _, data = client.uid("SEARCH", None, "ALL")
        messages = []
        for uid in data[0].split():
            _, fetched = client.uid("FETCH", uid, "(BODY.PEEK[])")
            part = fetched[0]
            assert isinstance(part, tuple)
            messages.append(part[1])
        client.logout()
        return messages
    finally:
        with contextlib.suppress(OSError):
            client.shutdown()


async def read_mailbox(
    ingest: Ingest, address: str, folder: str = "INBOX"
) -> list[bytes]:
    """Every message of a folder, read over IMAP."""
    return await asyncio.to_thread(
        imap_messages, ingest.dovecot.imap_port, address, folder
    )


def split_stored(stored: bytes, original: bytes) -> tuple[bytes, bytes]:
    """Split a stored message into (Dovecot's headers, ours), checking the rest.

    The stored message must end with the original bytes (CRLF as the spool
    keeps them); Dovecot puts Return-Path and Delivered-To in front of ours.
    """
    body = crlf(original)
    assert stored.endswith(body), "the original bytes are not kept unchanged"
    prefix = stored[: len(stored) - len(body)]
    start = prefix.index(b"Received: from cloudflare-email-routing")
    return prefix[:start], prefix[start:]


def crlf(raw: bytes) -> bytes:
    """The bytes as the spool keeps them: bare LF made CRLF, ending in CRLF."""
    out = raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    return out if out.endswith(b"\r\n") else out + b"\r\n"


@pytest.fixture
async def store(
    make_database: Callable[[str], Awaitable[str]],
) -> AsyncIterator[IngestStore]:
    """mail-ingest's store on a fresh database of its own, migrated."""
    settings = DatabaseServiceSettings(
        environment="development",
        database_name=await make_database("ingest_store"),
        database_user="root",
    )
    pool = await create_pool(settings, multi_statements=True)
    try:
        await apply_migrations(
            pool, importlib.resources.files("homehost.mail_ingest") / "migrations"
        )
        yield IngestStore(pool)
    finally:
        pool.close()
        await pool.wait_closed()
