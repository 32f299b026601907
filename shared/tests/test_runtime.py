"""The supervisor keeps a process up whatever one service's start runs into."""

from __future__ import annotations

import asyncio
import logging
import socket
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiomysql
import pytest
from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from homehost.shared.bus import Bus
from homehost.shared.bus.service import EmptyRequest
from homehost.shared.health import ServiceHealth, ServiceHealthView, collect_health
from homehost.shared.http import serve_http
from homehost.shared.runtime import ServiceContext, ServiceDefinition, Supervisor
from homehost.shared.settings import DatabaseServiceSettings, ServiceSettings

# Backoff between restarts in these tests: short, and one value, so the
# log lines can be compared exactly.
BACKOFF = 0.05
POLL_INTERVAL = 0.05
POLL_LIMIT = 300


class PlainSettings(ServiceSettings):
    """A service without a database, with one setting of its own."""

    model_config = SettingsConfigDict(env_prefix="HOMEHOST_RUNTIMETEST_")

    listen_port: int = Field(default=0, ge=0, le=65535)


class SteadySettings(ServiceSettings):
    """A service whose settings always load."""

    model_config = SettingsConfigDict(env_prefix="HOMEHOST_RUNTIMESTEADY_")


class OwnDatabaseSettings(DatabaseServiceSettings):
    """A service with a database of its own."""

    model_config = SettingsConfigDict(env_prefix="HOMEHOST_RUNTIMEDB_")


def define(
    name: str,
    settings_class: type[ServiceSettings] = PlainSettings,
    setup: Callable[[ServiceContext], Any] | None = None,
) -> ServiceDefinition:
    """A service for these tests."""
    return ServiceDefinition(
        name=name,
        version="1.2.3",
        description="A service the runtime tests start.",
        settings_class=settings_class,
        setup=setup,
    )


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No variable of these tests' services is set on the machine."""
    for prefix in ("HOMEHOST_RUNTIMETEST_", "HOMEHOST_RUNTIMEDB_"):
        for name in ("LISTEN_PORT", "DATABASE_NAME", "DATABASE_USER"):
            monkeypatch.delenv(prefix + name, raising=False)


@pytest.fixture
async def supervise(
    service_environment: dict[str, str], bus: Bus, clean_environment: None
) -> AsyncIterator[Callable[..., Supervisor]]:
    """`supervise(definitions, settings=...)` runs a supervisor until the end."""
    running: list[tuple[Supervisor, asyncio.Task[None]]] = []

    def start(
        definitions: list[ServiceDefinition],
        settings: dict[str, ServiceSettings] | None = None,
    ) -> Supervisor:
        supervisor = Supervisor(
            definitions, settings=settings, restart_backoff=(BACKOFF,)
        )
        running.append((supervisor, asyncio.create_task(supervisor.run())))
        return supervisor

    try:
        yield start
    finally:
        for supervisor, task in running:
            supervisor.stop()
            await asyncio.wait_for(task, 30)


async def until(condition: Callable[[], bool]) -> None:
    """Wait until `condition()` holds, a bounded number of times."""
    for _ in range(POLL_LIMIT):
        if condition():
            return
        await asyncio.sleep(POLL_INTERVAL)
    raise AssertionError("the condition never held")


@pytest.fixture
def runtime_log(caplog: pytest.LogCaptureFixture) -> Callable[[], list[str]]:
    """The runtime's warnings and errors, as messages."""
    caplog.set_level(logging.WARNING)

    def messages() -> list[str]:
        return [
            record.getMessage()
            for record in caplog.records
            if record.name == "homehost.shared.runtime"
        ]

    return messages


async def admin_connection() -> aiomysql.Connection:
    """A MariaDB connection that may create users, as `homehost up` does."""
    return await aiomysql.connect(
        host="127.0.0.1", port=3306, user="root", password="", autocommit=True
    )


async def healthy(bus: Bus, name: str) -> ServiceHealth:
    """Ask a service for its health over the bus."""
    return await bus.request(f"api.{name}.health", EmptyRequest(), ServiceHealth)


async def test_settings_that_cannot_load_are_logged_and_retried(
    supervise: Callable[..., Supervisor],
    runtime_log: Callable[[], list[str]],
    monkeypatch: pytest.MonkeyPatch,
    bus: Bus,
) -> None:
    monkeypatch.setenv("HOMEHOST_RUNTIMETEST_LISTEN_PORT", "eighty")
    supervisor = supervise([define("broken"), define("steady", SteadySettings)])

    await until(lambda: supervisor.restarts["broken"] >= 2)
    await until(lambda: "steady" in supervisor.contexts)
    monkeypatch.setenv("HOMEHOST_RUNTIMETEST_LISTEN_PORT", "8081")
    await until(lambda: "broken" in supervisor.contexts)

    assert runtime_log()[0] == (
        "service broken cannot run: HOMEHOST_RUNTIMETEST_LISTEN_PORT: Input should "
        "be a valid integer, unable to parse string as an integer; trying again "
        f"in {BACKOFF:g} s"
    )
    broken = supervisor.contexts["broken"].settings
    assert isinstance(broken, PlainSettings)
    assert broken.listen_port == 8081
    assert supervisor.restarts["steady"] == 0
    assert (await healthy(bus, "broken")).status == "ok"
    assert (await healthy(bus, "steady")).status == "ok"


@pytest.fixture
async def database_user(make_database: Callable[[str], Any]) -> AsyncIterator[str]:
    """A user name nobody has yet; dropped after the test if it was created."""
    name = f"hh_t_{uuid.uuid4().hex[:10]}"
    try:
        yield name
    finally:
        connection = await admin_connection()
        async with connection.cursor() as cursor:
            # Asked first: IF EXISTS would leave a note the driver warns of.
            await cursor.execute(
                "SELECT COUNT(*) FROM mysql.user WHERE user = %s", (name,)
            )
            (exists,) = await cursor.fetchone()
            if exists:
                await cursor.execute(f"DROP USER '{name}'@'%'")
        connection.close()


async def test_a_database_that_refuses_the_login_is_logged_and_retried(
    supervise: Callable[..., Supervisor],
    runtime_log: Callable[[], list[str]],
    make_database: Callable[[str], Any],
    database_user: str,
    bus: Bus,
) -> None:
    database = await make_database("refused")
    password = f"pw-{uuid.uuid4().hex}"
    settings = OwnDatabaseSettings(
        database_name=database,
        database_user=database_user,
        database_password=SecretStr(password),
    )
    supervisor = supervise([define("owner", OwnDatabaseSettings)], {"owner": settings})

    await until(lambda: supervisor.restarts["owner"] >= 2)
    # As `homehost up` would, late: the user appears and the service starts.
    connection = await admin_connection()
    async with connection.cursor() as cursor:
        await cursor.execute(
            f"CREATE USER '{database_user}'@'%%' IDENTIFIED BY %s", (password,)
        )
        await cursor.execute(f"GRANT ALL ON `{database}`.* TO '{database_user}'@'%'")
    connection.close()
    await until(lambda: "owner" in supervisor.contexts)

    first = runtime_log()[0]
    assert first.startswith(
        f"service owner cannot run: MariaDB at 127.0.0.1:3306 refused user "
        f"{database_user} on database {database}: Access denied for user "
        f"'{database_user}'@"
    )
    assert first.endswith(f"; trying again in {BACKOFF:g} s")
    assert password not in "\n".join(runtime_log())
    report = await healthy(bus, "owner")
    assert [(d.name, d.ok) for d in report.dependencies] == [
        ("mariadb", True),
        ("jetstream", True),
    ]


def unused_port() -> int:
    """A local TCP port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_an_unreachable_database_is_waited_for_and_stop_still_works(
    supervise: Callable[..., Supervisor],
    runtime_log: Callable[[], list[str]],
    make_database: Callable[[str], Any],
) -> None:
    port = unused_port()
    settings = OwnDatabaseSettings(
        mariadb_port=port,
        database_name=await make_database("unreachable"),
        database_user="root",
        database_password=SecretStr(""),
    )
    supervisor = supervise(
        [define("waiting", OwnDatabaseSettings)], {"waiting": settings}
    )

    await until(lambda: len(runtime_log()) >= 2)
    supervisor.stop()

    # Waited for inside the start, not failed and restarted.
    assert supervisor.restarts["waiting"] == 0
    assert runtime_log()[:2] == [
        f"MariaDB at 127.0.0.1:{port} does not answer ((2003, \"Can't connect to "
        f"MySQL server on '127.0.0.1'\")); retrying in {wait:.1f} s"
        for wait in (0.5, 1.0)
    ]


async def test_an_unreachable_nats_does_not_keep_stop_waiting(
    service_environment: dict[str, str], clean_environment: None
) -> None:
    settings = PlainSettings(nats_url=f"nats://127.0.0.1:{unused_port()}")
    supervisor = Supervisor([define("lonely")], settings={"lonely": settings})
    task = asyncio.create_task(supervisor.run())
    await asyncio.sleep(0.5)

    supervisor.stop()

    await asyncio.wait_for(task, 5)
    assert supervisor.restarts["lonely"] == 0
    assert supervisor.contexts == {}


async def test_a_taken_port_is_logged_and_retried(
    supervise: Callable[..., Supervisor],
    runtime_log: Callable[[], list[str]],
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = int(taken.getsockname()[1])

        async def serve(context: ServiceContext) -> None:
            await serve_http(context, object(), host="127.0.0.1", port=port)

        supervisor = supervise(
            [define("web", setup=serve), define("steady", SteadySettings)]
        )
        await until(lambda: supervisor.restarts["web"] >= 2)
        await until(lambda: "steady" in supervisor.contexts)

    assert runtime_log()[0] == (
        f"service web cannot run: cannot listen on 127.0.0.1:{port}: Address "
        f"already in use; trying again in {BACKOFF:g} s"
    )
    assert supervisor.restarts["steady"] == 0


async def answered_health(bus: Bus, name: str) -> ServiceHealthView:
    """The health report of `name` once someone answers for it.

    The supervisor's own connection may subscribe to failure questions
    after the service's first start has failed; until it has, the report
    says only that nobody answers.
    """
    for _ in range(POLL_LIMIT):
        (view,) = (await collect_health(bus, [name])).services
        if view.error != f"no service answers on api.{name}.health":
            return view
        await asyncio.sleep(POLL_INTERVAL)
    raise AssertionError(f"nobody ever answered for {name}")


async def test_a_taken_port_is_the_reason_in_health_until_it_is_free(
    supervise: Callable[..., Supervisor], bus: Bus
) -> None:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = int(taken.getsockname()[1])

    async def serve(context: ServiceContext) -> None:
        await serve_http(context, app, host="127.0.0.1", port=port)

    try:
        supervisor = supervise([define("web", setup=serve)])
        await until(lambda: supervisor.restarts["web"] >= 2)
        down = await answered_health(bus, "web")
    finally:
        taken.close()
    await until(lambda: "web" in supervisor.contexts)
    up = await answered_health(bus, "web")

    # Every attempt in between met the port taken: until the service is
    # ready again, its last failure is what the report says.
    assert (down.status, down.error, down.version) == (
        "down",
        f"cannot listen on 127.0.0.1:{port}: Address already in use",
        None,
    )
    assert (up.status, up.error, up.version) == ("ok", None, "1.2.3")
    assert supervisor.contexts["web"].http_port == port
    assert "web" not in supervisor.failures


async def test_uvicorn_exiting_fails_one_service_not_the_process(
    supervise: Callable[..., Supervisor],
    runtime_log: Callable[[], list[str]],
    bus: Bus,
) -> None:
    async def serve(context: ServiceContext) -> None:
        # uvicorn cannot import this app, and calls `sys.exit(1)`.
        await serve_http(
            context, "homehost_no_such_module:app", host="127.0.0.1", port=0
        )

    supervisor = supervise(
        [define("web", setup=serve), define("steady", SteadySettings)]
    )
    await until(lambda: supervisor.restarts["web"] >= 2)
    await until(lambda: "steady" in supervisor.contexts)

    web_lines = [line for line in runtime_log() if line.startswith("service web")]
    assert web_lines[0] == f"service web failed; restarting it in {BACKOFF:g} s"
    assert (await healthy(bus, "steady")).status == "ok"
    assert supervisor.restarts["steady"] == 0


async def test_an_http_server_is_served_and_its_port_reported(
    supervise: Callable[..., Supervisor],
) -> None:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def serve(context: ServiceContext) -> None:
        await serve_http(context, app, host="127.0.0.1", port=0)

    supervisor = supervise([define("web", setup=serve)])
    await until(lambda: "web" in supervisor.contexts)
    port = supervisor.contexts["web"].http_port
    assert port is not None

    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET / HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
    status_line = await reader.readline()
    writer.close()
    await writer.wait_closed()

    assert status_line == b"HTTP/1.1 204 No Content\r\n"
