"""Processes `homehost up` starts in the background, and stopping them.

Each started process is recorded with its pid and its start time as the
kernel counts it, so `homehost down` stops exactly that process and never
an unrelated one that happens to reuse the pid later.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from pydantic import BaseModel

from homehost.cli.envfile import write_private_file


class StartedProcess(BaseModel):
    """One process `homehost up` started: what it is and how to know it again."""

    name: str
    pid: int
    start_ticks: int
    argv: list[str]
    log: str


class StartedRecord(BaseModel):
    """Every process `homehost up` started and that `down` has not stopped."""

    processes: dict[str, StartedProcess] = {}


def read_started(path: Path) -> StartedRecord:
    """Return what `started.json` records; empty when there is none."""
    if not path.is_file():
        return StartedRecord()
    return StartedRecord.model_validate_json(path.read_text(encoding="utf-8"))


def write_started(path: Path, record: StartedRecord) -> None:
    """Record the started processes; remove the file once none is left."""
    if not record.processes:
        path.unlink(missing_ok=True)
        return
    write_private_file(path, record.model_dump_json(indent=2) + "\n")


def spawn_detached(
    name: str, argv: Sequence[str], *, log: Path, env: Mapping[str, str] | None = None
) -> StartedProcess:
    """Start `argv` in its own session, output appended to `log`; do not wait."""
    log.parent.mkdir(parents=True, exist_ok=True)
    pid = os.posix_spawn(
        argv[0],
        list(argv),
        dict(os.environ if env is None else env),
        file_actions=[
            (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
            (
                os.POSIX_SPAWN_OPEN,
                1,
                str(log),
                os.O_WRONLY | os.O_CREAT | os.O_APPEND,
                0o640,
            ),
            (os.POSIX_SPAWN_DUP2, 1, 2),
        ],
        setsid=True,
    )
    ticks = process_start_ticks(pid)
    if ticks is None:
        raise OSError(f"{argv[0]} exited at once; see {log}")
    return StartedProcess(
        name=name, pid=pid, start_ticks=ticks, argv=list(argv), log=str(log)
    )


def process_start_ticks(pid: int) -> int | None:
    """Return when a live process started (clock ticks since boot), else None."""
    _reap_if_child(pid)
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    except (FileNotFoundError, ProcessLookupError):
        return None
    # The command name, in parentheses, may hold spaces: fields follow the
    # last closing parenthesis, starting with the state (field 3).
    fields = stat[stat.rindex(")") + 2 :].split()
    state, start_ticks = fields[0], fields[19]
    if state in {"Z", "X"}:
        return None
    return int(start_ticks)


def _reap_if_child(pid: int) -> None:
    # A process this one spawned stays a zombie until waited for.
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def is_running(process: StartedProcess) -> bool:
    """Tell whether the recorded process, and not a pid reuser, still runs."""
    return process_start_ticks(process.pid) == process.start_ticks


def stop_process(process: StartedProcess, *, grace_seconds: float = 30.0) -> bool:
    """Stop the recorded process: TERM, then KILL after the grace period.

    Returns False when it was no longer running.
    """
    if not is_running(process):
        return False
    # It may exit on its own between the check and the signal.
    with contextlib.suppress(ProcessLookupError):
        os.kill(process.pid, signal.SIGTERM)
    if _wait_for_exit(process, grace_seconds):
        return True
    with contextlib.suppress(ProcessLookupError):
        os.kill(process.pid, signal.SIGKILL)
    _wait_for_exit(process, 5.0)
    return True


def _wait_for_exit(process: StartedProcess, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while is_running(process):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True
