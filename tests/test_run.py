"""Every service in one process, seen through the gateway and `homehost status`.

Real NATS and MariaDB: each service gets a database of its own for the
test (as root, which development allows) and the whole run lives in the
test's bus namespace.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import socket
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any, get_args

import httpx
import pytest
from pydantic import SecretStr
from typer.testing import CliRunner

from homehost.cli.main import app
from homehost.shared.bus import Bus
from homehost.shared.runtime import Supervisor, discover_services, service_names
from homehost.shared.settings import DatabaseServiceSettings, ServiceSettings

# Seconds the supervisor waits before restarting a failed service: short
# for the test, yet long enough for the gateway to see the service down.
RESTART_BACKOFF = 1.5
# Bounds of every wait: polls happen this often, this many times at most.
POLL_INTERVAL = 0.05
POLL_LIMIT = 400

# Where services listen for HTTP; everything else named `*_port` is a port
# a service connects to.
LISTEN_PORT_FIELDS = ("port", "http_port")

HOMEHOST_COMMAND = str(Path(sys.executable).with_name("homehost"))

Health = dict[str, Any]


def secret_fields(settings_class: type[ServiceSettings]) -> list[str]:
    """The fields of a settings class that hold a secret."""
    return [
        name
        for name, field in settings_class.model_fields.items()
        if field.annotation is SecretStr or SecretStr in get_args(field.annotation)
    ]


async def settings_for_every_service(
    make_database: Callable[[str], Awaitable[str]], state_dir: Path
) -> dict[str, ServiceSettings]:
    """Settings that give each service its own test database.

    Every secret a service needs (a signing key, an API token) gets a
    random value; the databases are reached as root, as development allows;
    each service keeps its files under `state_dir` and listens on a port
    the system picks.
    """
    settings: dict[str, ServiceSettings] = {}
    for name, definition in discover_services().items():
        values: dict[str, Any] = {
            field: secrets.token_urlsafe(24)
            for field in secret_fields(definition.settings_class)
        }
        values["state_dir"] = state_dir / name
        for field in LISTEN_PORT_FIELDS:
            if field in definition.settings_class.model_fields:
                values[field] = 0
        if issubclass(definition.settings_class, DatabaseServiceSettings):
            values["database_name"] = await make_database(name)
            values["database_user"] = "root"
            values["database_password"] = ""
        settings[name] = definition.settings_class(**values)
    return settings


@pytest.fixture
async def supervisor(
    service_environment: dict[str, str],
    make_database: Callable[[str], Awaitable[str]],
    bus: Bus,
    tmp_path: Path,
) -> AsyncIterator[Supervisor]:
    """Every discovered service running under one supervisor, until the end."""
    definitions = discover_services()
    running = Supervisor(
        definitions.values(),
        settings=await settings_for_every_service(make_database, tmp_path),
        restart_backoff=(RESTART_BACKOFF,),
    )
    task = asyncio.create_task(running.run())
    try:
        for _ in range(POLL_LIMIT):
            if set(running.contexts) == set(definitions) or task.done():
                break
            await asyncio.sleep(POLL_INTERVAL)
        assert sorted(running.contexts) == sorted(definitions), running.failures
        yield running
    finally:
        running.stop()
        await asyncio.wait_for(task, 60)


@pytest.fixture
async def gateway(supervisor: Supervisor) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client for the gateway the supervisor runs."""
    port = supervisor.contexts["gateway"].http_port
    assert port is not None
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", timeout=10
    ) as client:
        yield client


async def read_health(client: httpx.AsyncClient) -> tuple[Health, dict[str, Health]]:
    """GET /api/health: the whole answer, and each service's part by name."""
    response = await client.get("/api/health")
    assert response.status_code == 200, response.text
    body: Health = response.json()
    return body, {view["service"]: view for view in body["services"]}


async def health_until(
    client: httpx.AsyncClient,
    condition: Callable[[dict[str, Health]], bool],
    seen: list[dict[str, Health]],
) -> dict[str, Health]:
    """Poll /api/health until `condition` holds; every answer goes to `seen`."""
    for _ in range(POLL_LIMIT):
        _, services = await read_health(client)
        seen.append(services)
        if condition(services):
            return services
        await asyncio.sleep(POLL_INTERVAL)
    raise AssertionError(f"/api/health never got there; last answer: {seen[-1]}")


def expected_dependencies(supervisor: Supervisor, name: str) -> set[str]:
    """What each service must report: JetStream, and MariaDB if it has one."""
    settings = supervisor.settings[name]
    if isinstance(settings, DatabaseServiceSettings):
        return {"jetstream", "mariadb"}
    return {"jetstream"}


async def test_health_reports_every_service_with_version_uptime_and_dependencies(
    supervisor: Supervisor, gateway: httpx.AsyncClient
) -> None:
    definitions = discover_services()

    body, services = await read_health(gateway)

    assert body["status"] == "ok"
    assert sorted(services) == sorted(definitions)
    for name, view in services.items():
        assert view["status"] == "ok", view
        assert view["version"] == definitions[name].version
        assert view["instance_id"] == supervisor.contexts[name].service.instance_id
        assert isinstance(view["uptime_seconds"], float)
        assert view["uptime_seconds"] >= 0
        assert view["error"] is None
        reported = {dependency["name"] for dependency in view["dependencies"]}
        assert expected_dependencies(supervisor, name) <= reported
        assert all(dependency["ok"] for dependency in view["dependencies"]), view


async def test_a_service_whose_task_dies_is_down_then_up_after_its_restart(
    supervisor: Supervisor, gateway: httpx.AsyncClient
) -> None:
    _, before = await read_health(gateway)
    others = sorted(name for name in before if name != "dns")
    seen: list[dict[str, Health]] = []

    supervisor.contexts["dns"].fail(RuntimeError("the dns task died"))
    down = await health_until(
        gateway, lambda services: services["dns"]["status"] == "down", seen
    )
    up = await health_until(
        gateway, lambda services: services["dns"]["status"] == "ok", seen
    )

    # Down with the reason its supervisor gives, or (when the request met it
    # while it stopped) silent.
    reasons = {view["dns"]["error"] for view in seen if view["dns"]["status"] == "down"}
    assert "RuntimeError: the dns task died" in reasons
    assert reasons <= {
        "RuntimeError: the dns task died",
        "no service answers on api.dns.health",
        "no answer on api.dns.health within 2 s",
    }
    assert down["dns"]["version"] is None
    assert up["dns"]["version"] == before["dns"]["version"]
    assert up["dns"]["instance_id"] != before["dns"]["instance_id"]
    assert up["dns"]["started_at"] > before["dns"]["started_at"]
    assert supervisor.restarts == {name: int(name == "dns") for name in before}
    # The others never blinked: every answer had them up, as the same copy.
    for services in seen:
        assert [services[name]["status"] for name in others] == ["ok"] * len(others)
        assert [services[name]["instance_id"] for name in others] == [
            before[name]["instance_id"] for name in others
        ]


async def run_homehost(*arguments: str, **environment: str) -> tuple[int, str, str]:
    """Run the `homehost` command; return its exit code, stdout and stderr."""
    process = await asyncio.create_subprocess_exec(
        HOMEHOST_COMMAND,
        *arguments,
        env={**os.environ, "COLUMNS": "200", **environment},
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        stdout, stderr = await asyncio.wait_for(process.communicate(), 60)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    assert process.returncode is not None
    return process.returncode, stdout.decode(), stderr.decode()


async def test_status_lists_every_service_when_all_are_up(
    supervisor: Supervisor, tmp_path: Path
) -> None:
    code, stdout, stderr = await run_homehost(
        "status", HOMEHOST_STATE_DIR=str(tmp_path)
    )

    assert code == 0, stderr
    assert "homehost: ok" in stdout
    for name, definition in discover_services().items():
        row = re.search(rf"│ {name} +│ ok +│ {re.escape(definition.version)} ", stdout)
        assert row is not None, f"no healthy row for {name} in:\n{stdout}"


def unused_port() -> int:
    """A local TCP port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_status_exits_1_when_nats_is_unreachable(
    service_environment: dict[str, str], tmp_path: Path
) -> None:
    url = f"nats://127.0.0.1:{unused_port()}"

    code, stdout, stderr = await run_homehost(
        "status", HOMEHOST_NATS_URL=url, HOMEHOST_STATE_DIR=str(tmp_path)
    )

    assert code == 1
    assert stdout == ""
    assert f"NATS at {url} does not answer" in " ".join(stderr.split())
    assert "Traceback" not in stderr


def test_run_with_an_unknown_service_exits_2_naming_it(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["run", "dns", "nosuchservice"], env={"HOMEHOST_STATE_DIR": str(tmp_path)}
    )

    assert result.exit_code == 2
    assert result.stdout == ""
    assert "unknown service nosuchservice" in " ".join(result.stderr.split())


def test_services_are_found_by_name_and_only_those_asked_for_are_loaded() -> None:
    picked = discover_services(["ingest", "mailbox"])

    assert service_names() == [
        "backup",
        "container",
        "database",
        "dns",
        "gateway",
        "ingest",
        "mailbox",
        "site",
    ]
    assert sorted(picked) == ["ingest", "mailbox"]
    assert [picked[name].name for name in ("ingest", "mailbox")] == [
        "ingest",
        "mailbox",
    ]
