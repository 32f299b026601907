"""Run a command against a private homehost stack, then take the stack down.

`uv run python e2e/stack.py -- npx playwright test` (from portal/) starts
`homehost run` with every service in a bus namespace of its own, each
service on a fresh MariaDB database created as root (development mode
allows it), and the gateway on a free port serving the built portal. It
creates an admin with `homehost admin create --password-file`, runs the
command with the gateway's address and the admin's credentials in its
environment, and afterwards stops the services, drops the databases and
deletes the namespace's events stream, whatever happened.

The command sees HOMEHOST_E2E_BASE_URL, HOMEHOST_E2E_USERNAME and
HOMEHOST_E2E_PASSWORD, and mail-ingest's address and Worker secret as
HOMEHOST_E2E_INGEST_URL and HOMEHOST_E2E_INGEST_SECRET, to post messages
as the Email Worker does. No Dovecot, Rspamd or ClamAV runs for the stack:
mail-ingest points at closed ports, so posted messages are accepted not
scanned and their deliveries are deferred at once.
The stack's log goes to e2e/.stack/homehost.log.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import aiomysql
import httpx
import nats.js.errors

from homehost.dns.testing.fake_cloudflare import FakeCloudflare
from homehost.shared.bus import connect_bus
from homehost.shared.runtime import discover_services
from homehost.shared.settings import DatabaseServiceSettings

PORTAL = Path(__file__).resolve().parents[1]
CHECKOUT = PORTAL.parent
SCRATCH = PORTAL / "e2e" / ".stack"

NATS_URL = os.environ.get("HOMEHOST_TEST_NATS_URL", "nats://127.0.0.1:4222")
MARIADB_HOST = os.environ.get("HOMEHOST_TEST_MARIADB_HOST", "127.0.0.1")
MARIADB_PORT = int(os.environ.get("HOMEHOST_TEST_MARIADB_PORT", "3306"))
MARIADB_ADMIN_USER = os.environ.get("HOMEHOST_TEST_MARIADB_USER", "root")
MARIADB_ADMIN_PASSWORD = os.environ.get("HOMEHOST_TEST_MARIADB_PASSWORD", "")

# The `homehost` command of the environment this helper runs in (`uv run`).
HOMEHOST_COMMAND = str(Path(sys.executable).with_name("homehost"))
ADMIN_USERNAME = "owner"
# Secrets without which a service refuses to start, even in development.
REQUIRED_SECRETS = ("HOMEHOST_INGEST_WORKER_SECRET",)
# The zones the fake Cloudflare holds for the DNS and mail tests.
CLOUDFLARE_ZONES = ("example.com", "mail-e2e.example")
# How long the services get to report healthy, and to stop.
START_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 20.0


def free_port() -> int:
    """Return a TCP port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def mariadb() -> aiomysql.Connection:
    """A MariaDB connection with the rights to create and drop databases."""
    return await aiomysql.connect(
        host=MARIADB_HOST,
        port=MARIADB_PORT,
        user=MARIADB_ADMIN_USER,
        password=MARIADB_ADMIN_PASSWORD,
        autocommit=True,
    )


async def create_databases(run_id: str) -> dict[str, str]:
    """Create one empty database per service that owns one; return them by prefix."""
    created: dict[str, str] = {}
    connection = await mariadb()
    try:
        async with connection.cursor() as cursor:
            for name, definition in discover_services().items():
                if not issubclass(definition.settings_class, DatabaseServiceSettings):
                    continue
                database = f"hh_e2e_{run_id}_{name.replace('-', '_')}"[:64]
                await cursor.execute(f"CREATE DATABASE `{database}`")
                prefix = str(definition.settings_class.model_config["env_prefix"])
                created[prefix] = database
    finally:
        connection.close()
    return created


async def drop_databases(databases: list[str]) -> None:
    """Drop the databases this run created."""
    connection = await mariadb()
    try:
        async with connection.cursor() as cursor:
            for database in databases:
                await cursor.execute(f"DROP DATABASE IF EXISTS `{database}`")
    finally:
        connection.close()


async def delete_events_stream(namespace: str) -> None:
    """Delete the namespace's JetStream stream, and with it its consumers."""
    bus = await connect_bus(
        NATS_URL, name="homehost-e2e", namespace=namespace, connect_attempts=3
    )
    try:
        with contextlib.suppress(nats.js.errors.NotFoundError):
            await bus.jetstream.delete_stream(bus.events_stream)
    finally:
        await bus.close()


def closed_mail_backends() -> dict[str, str]:
    """mail-ingest's scanners and LMTP server, on ports nothing listens on.

    A refused connection fails at once, where a real backend on its default
    port (or a firewall dropping packets) could make every test wait.
    """
    return {
        "HOMEHOST_INGEST_LMTP_PORT": str(free_port()),
        "HOMEHOST_INGEST_RSPAMD_URL": f"http://127.0.0.1:{free_port()}",
        "HOMEHOST_INGEST_CLAMD_PORT": str(free_port()),
    }


def private_service_settings() -> dict[str, str]:
    """Variables that keep every service of this stack to itself.

    A service that listens on HTTP (`http_port`) gets a free port, so that
    the stack runs beside any other on this machine, and each secret in
    `REQUIRED_SECRETS` gets a random value.
    """
    values = {name: secrets.token_urlsafe(32) for name in REQUIRED_SECRETS}
    for definition in discover_services().values():
        settings_class = definition.settings_class
        if "http_port" in settings_class.model_fields:
            prefix = str(settings_class.model_config["env_prefix"])
            values[f"{prefix}HTTP_PORT"] = str(free_port())
    return values


class CloudflareThread:
    """The fake Cloudflare API, served from a thread of its own.

    dns-service talks to it as it would to Cloudflare: the stack points
    `HOMEHOST_DNS_CLOUDFLARE_BASE_URL` at it with a token it accepts.
    """

    def __init__(self) -> None:
        self.fake = FakeCloudflare()
        self.token = secrets.token_urlsafe(24)
        self.fake.add_token(self.token)
        for zone in CLOUDFLARE_ZONES:
            self.fake.add_zone(zone)
        self.base_url = ""
        self._loop = asyncio.new_event_loop()
        self._started = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        self.base_url = self._loop.run_until_complete(self.fake.start())
        self._started.set()
        self._loop.run_forever()
        self._loop.run_until_complete(self.fake.stop())
        self._loop.close()

    def start(self) -> str:
        """Serve the fake; return its v4 base URL."""
        self._thread.start()
        if not self._started.wait(START_TIMEOUT_SECONDS):
            raise RuntimeError("the fake Cloudflare did not start")
        return self.base_url

    def stop(self) -> None:
        """Stop serving and wait for the thread."""
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(STOP_TIMEOUT_SECONDS)

    def environment(self) -> dict[str, str]:
        """dns-service's settings that point it at the fake."""
        return {
            "HOMEHOST_DNS_CLOUDFLARE_BASE_URL": self.base_url,
            "HOMEHOST_DNS_CLOUDFLARE_API_TOKEN": self.token,
            "HOMEHOST_DNS_ACCOUNT_ID": self.fake.account_id,
            "HOMEHOST_DNS_TUNNEL_ID": self.fake.tunnel_id,
        }


def stack_environment(
    namespace: str, databases: dict[str, str], port: int, extra: dict[str, str]
) -> dict[str, str]:
    """The environment of `homehost run` and `homehost admin create`."""
    environment = {
        **os.environ,
        **private_service_settings(),
        "HOMEHOST_ENVIRONMENT": "development",
        "HOMEHOST_NATS_URL": NATS_URL,
        "HOMEHOST_BUS_NAMESPACE": namespace,
        "HOMEHOST_MARIADB_HOST": MARIADB_HOST,
        "HOMEHOST_MARIADB_PORT": str(MARIADB_PORT),
        "HOMEHOST_STATE_DIR": str(SCRATCH / "state"),
        "HOMEHOST_GATEWAY_HOST": "127.0.0.1",
        "HOMEHOST_GATEWAY_PORT": str(port),
        "HOMEHOST_GATEWAY_PORTAL_DIR": str(PORTAL / "dist"),
        # Every browser test logs in from 127.0.0.1: the per-address block
        # must not end the suite early; the per-account lockout stays as is.
        "HOMEHOST_GATEWAY_LOGIN_MAX_FAILURES_PER_ADDRESS": "1000",
        **closed_mail_backends(),
        **extra,
    }
    for prefix, database in databases.items():
        environment[f"{prefix}DATABASE_NAME"] = database
        environment[f"{prefix}DATABASE_USER"] = MARIADB_ADMIN_USER
        environment[f"{prefix}DATABASE_PASSWORD"] = MARIADB_ADMIN_PASSWORD
    return environment


def wait_until_healthy(base_url: str, process: subprocess.Popen[bytes]) -> None:
    """Poll /api/health until every service is ok; fail if the stack dies first."""
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    last = "no answer"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"homehost run exited with {process.returncode}")
        try:
            health = httpx.get(f"{base_url}/api/health", timeout=5).json()
            if health["status"] == "ok":
                return
            last = json.dumps(health)
        except httpx.HTTPError as exc:
            last = str(exc)
        time.sleep(0.5)
    raise RuntimeError(f"the stack was not healthy in time; last answer: {last}")


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop `homehost run` as a signal would, killing it if it hangs."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def run(command: list[str]) -> int:
    """Start the stack, run `command` against it, take the stack down."""
    run_id = uuid.uuid4().hex[:10]
    namespace = f"e2e{run_id}"
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    password = secrets.token_urlsafe(18)
    SCRATCH.mkdir(exist_ok=True)
    if not (PORTAL / "dist" / "index.html").is_file():
        print("portal/dist is missing: run `npm run build` first", file=sys.stderr)
        return 2

    databases = asyncio.run(create_databases(run_id))
    process: subprocess.Popen[bytes] | None = None
    cloudflare = CloudflareThread()
    try:
        cloudflare.start()
        environment = stack_environment(
            namespace, databases, port, cloudflare.environment()
        )
        password_file = SCRATCH / f"password-{run_id}"
        password_file.write_text(password + "\n", encoding="utf-8")
        password_file.chmod(0o600)
        try:
            subprocess.run(  # noqa: S603  # The workspace's own command, fixed arguments.
                [
                    HOMEHOST_COMMAND,
                    "admin",
                    "create",
                    ADMIN_USERNAME,
                    "--role",
                    "admin",
                    "--password-file",
                    str(password_file),
                ],
                cwd=CHECKOUT,
                env=environment,
                check=True,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
            )
        finally:
            password_file.unlink()

        with (SCRATCH / "homehost.log").open("wb") as log:
            process = subprocess.Popen(  # noqa: S603  # The workspace's own command.
                [HOMEHOST_COMMAND, "run"],
                cwd=CHECKOUT,
                env=environment,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_until_healthy(base_url, process)
        print(f"homehost stack ready at {base_url} (namespace {namespace})", flush=True)

        ingest_url = f"http://127.0.0.1:{environment['HOMEHOST_INGEST_HTTP_PORT']}"
        ingest_secret = environment["HOMEHOST_INGEST_WORKER_SECRET"]
        # The command is the one this helper was asked to run, by its caller.
        tests = subprocess.run(  # noqa: S603
            command,
            cwd=PORTAL,
            env={
                **os.environ,
                "HOMEHOST_E2E_BASE_URL": base_url,
                "HOMEHOST_E2E_USERNAME": ADMIN_USERNAME,
                "HOMEHOST_E2E_PASSWORD": password,
                "HOMEHOST_E2E_INGEST_URL": ingest_url,
                "HOMEHOST_E2E_INGEST_SECRET": ingest_secret,
            },
            check=False,
        )
        return tests.returncode
    finally:
        if process is not None:
            stop(process)
        cloudflare.stop()
        asyncio.run(drop_databases(list(databases.values())))
        asyncio.run(delete_events_stream(namespace))


def main() -> None:
    """Parse `-- COMMAND...` and exit with the command's exit code."""
    arguments = sys.argv[1:]
    if arguments[:1] == ["--"]:
        arguments = arguments[1:]
    if not arguments:
        print("usage: stack.py -- COMMAND [ARGUMENT...]", file=sys.stderr)
        sys.exit(2)
    sys.exit(run(arguments))


if __name__ == "__main__":
    main()
