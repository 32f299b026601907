"""Finding or starting NATS and Redis: the real servers, on free ports."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import nats
import pytest

from homehost.cli.errors import StackError
from homehost.cli.layout import StateLayout
from homehost.cli.processes import is_running, stop_process
from homehost.cli.servers import (
    bundled_nats_server,
    ensure_mariadb,
    ensure_nats,
    ensure_redis,
    nats_server_info,
    redis_answers,
)

NATS_URL = os.environ.get("HOMEHOST_TEST_NATS_URL", "nats://127.0.0.1:4222")
MARIADB_HOST = os.environ.get("HOMEHOST_TEST_MARIADB_HOST", "127.0.0.1")
MARIADB_PORT = int(os.environ.get("HOMEHOST_TEST_MARIADB_PORT", "3306"))
REDIS_PORT = int(os.environ.get("HOMEHOST_TEST_REDIS_PORT", "6379"))


async def test_a_private_nats_with_jetstream_starts_when_none_answers(
    layout: StateLayout, free_port: int
) -> None:
    said: list[str] = []
    url = f"nats://127.0.0.1:{free_port}"

    process = ensure_nats(url, layout, say=said.append)

    assert process is not None
    try:
        assert process.name == "nats"
        assert process.argv[0] == str(bundled_nats_server())
        assert said == [
            f"NATS: started nats-server on 127.0.0.1:{free_port} (pid {process.pid})"
        ]
        client = await nats.connect(url)
        try:
            account = await client.jetstream().account_info()
        finally:
            await client.close()
        assert account.limits is not None
        assert (layout.nats_store / "jetstream").is_dir()
    finally:
        stop_process(process)
    assert not is_running(process)
    assert nats_server_info("127.0.0.1", free_port) is None


def test_a_nats_that_answers_is_used(layout: StateLayout) -> None:
    said: list[str] = []

    assert ensure_nats(NATS_URL, layout, say=said.append) is None
    assert said == [f"NATS: using the server at {NATS_URL}"]
    assert list(layout.logs.iterdir()) == []


def test_a_nats_without_jetstream_is_refused(
    layout: StateLayout, free_port: int, tmp_path: Path
) -> None:
    server = subprocess.Popen(  # noqa: S603  # The bundled binary, fixed arguments.
        [str(bundled_nats_server()), "-a", "127.0.0.1", "-p", str(free_port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while nats_server_info("127.0.0.1", free_port) is None:
            assert time.monotonic() < deadline, "nats-server did not start"
            time.sleep(0.05)

        with pytest.raises(StackError, match="has JetStream off"):
            ensure_nats(f"nats://127.0.0.1:{free_port}", layout)
    finally:
        server.terminate()
        server.wait(10)


def test_servers_are_started_on_this_machine_only(
    layout: StateLayout, free_port: int
) -> None:
    # 127.0.0.2 is this machine too, but not an address homehost binds.
    with pytest.raises(StackError, match="starts servers only on this machine"):
        ensure_nats(f"nats://127.0.0.2:{free_port}", layout)
    with pytest.raises(StackError, match="starts servers only on this machine"):
        ensure_redis("127.0.0.2", free_port, layout)
    with pytest.raises(StackError, match="starts servers only on this machine"):
        ensure_mariadb("127.0.0.2", free_port, layout)


def test_a_private_redis_starts_when_none_answers(
    layout: StateLayout, free_port: int
) -> None:
    said: list[str] = []

    process = ensure_redis("127.0.0.1", free_port, layout, say=said.append)

    assert process is not None
    try:
        assert said == [
            f"Redis: started redis-server on 127.0.0.1:{free_port} (pid {process.pid})"
        ]
        assert redis_answers("127.0.0.1", free_port)
    finally:
        stop_process(process)
    assert not redis_answers("127.0.0.1", free_port)


def test_the_machines_mariadb_and_redis_are_used(layout: StateLayout) -> None:
    said: list[str] = []

    assert ensure_mariadb(MARIADB_HOST, MARIADB_PORT, layout, say=said.append) is None
    assert ensure_redis("127.0.0.1", REDIS_PORT, layout, say=said.append) is None
    assert said == [
        f"MariaDB: using the server at {MARIADB_HOST}:{MARIADB_PORT}",
        f"Redis: using the server at 127.0.0.1:{REDIS_PORT}",
    ]
