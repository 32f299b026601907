"""Fixtures of the `homehost` command's tests: temp state, free ports, cleanup."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from homehost.cli.layout import StateLayout


@pytest.fixture
def layout(tmp_path: Path) -> StateLayout:
    """A state directory of the test's own, laid out as `up` lays it out."""
    state = StateLayout(tmp_path / "state")
    state.create()
    return state


@pytest.fixture
def clean_environ() -> Iterator[None]:
    """Put the process environment back as it was, whatever the test set."""
    saved = dict(os.environ)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def find_free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    return find_free_port()


@pytest.fixture
def other_free_port(free_port: int) -> int:
    """A second free port, not the same as `free_port`."""
    while (port := find_free_port()) == free_port:
        pass
    return port


@pytest.fixture
def unique_name() -> str:
    """A database and user name no other test uses."""
    return f"hh_test_{uuid.uuid4().hex[:10]}"
