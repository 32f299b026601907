"""Rspamd's and clamd's files as `up` renders them, and clamd started once."""

from __future__ import annotations

import pwd
import shutil
from pathlib import Path

import pytest

from homehost.cli.layout import StateLayout
from homehost.cli.processes import StartedProcess, is_running, stop_process
from homehost.cli.scanservers import (
    DEPLOY_DIR,
    EICAR_SIGNATURE,
    ScanLayout,
    clamd_config,
    ensure_scanner,
    ensure_signatures,
    prepare_scan_root,
    rspamd_config,
    service_environment,
)
from homehost.cli.settings import StackSettings
from homehost.mail_ingest.adapters.scanservers import render_clamd, render_rspamd
from homehost.shared.runtime import discover_services


def _require_scanner_users() -> None:
    for user in ("_rspamd", "clamav"):
        try:
            pwd.getpwnam(user)
        except KeyError:
            pytest.skip(
                f"the {user} user is missing: run deploy/install-scan-packages.sh"
            )


@pytest.fixture
def scan(scratch_layout: StateLayout) -> ScanLayout:
    """The scanners' folders inside a state directory others may enter."""
    _require_scanner_users()
    scan = ScanLayout.of(scratch_layout)
    prepare_scan_root(scan)
    return scan


@pytest.fixture
def scratch_layout(scratch: Path) -> StateLayout:
    """A state directory whose parents `_rspamd` and `clamav` may traverse."""
    layout = StateLayout(scratch / "state")
    layout.create()
    return layout


def _settings() -> StackSettings:
    return StackSettings(
        rspamd_port=21333,
        rspamd_controller_port=21334,
        rspamd_proxy_port=21332,
        clamd_port=23310,
    )


def test_the_configs_carry_the_ports_and_folders(scan: ScanLayout) -> None:
    settings = _settings()
    rspamd, clamd = rspamd_config(settings, scan), clamd_config(settings, scan)
    render_rspamd(DEPLOY_DIR / "rspamd", rspamd)
    render_clamd(DEPLOY_DIR / "clamav", clamd)

    normal = (rspamd.local_confdir / "override.d" / "worker-normal.inc").read_text()
    assert 'bind_socket = "127.0.0.1:21333";' in normal
    controller = rspamd.local_confdir / "override.d" / "worker-controller.inc"
    assert 'bind_socket = "127.0.0.1:21334";' in controller.read_text()
    assert rspamd.command()[-3:] == [
        f"--var=DBDIR={scan.rspamd_db}",
        f"--var=RUNDIR={scan.rspamd / 'run'}",
        f"--var=LOGDIR={scan.logs / 'rspamd'}",
    ]
    assert pwd.getpwuid(scan.rspamd_db.stat().st_uid).pw_name == "_rspamd"

    lines = clamd.config_file.read_text().splitlines()
    assert "TCPSocket 23310" in lines
    assert "TCPAddr 127.0.0.1" in lines
    assert f"DatabaseDirectory {scan.clamd_database}" in lines

    assert service_environment(rspamd, clamd, discover_services()) == {
        "HOMEHOST_INGEST_RSPAMD_URL": "http://127.0.0.1:21333",
        "HOMEHOST_INGEST_CLAMD_HOST": "127.0.0.1",
        "HOMEHOST_INGEST_CLAMD_PORT": "23310",
    }


def test_an_empty_signature_folder_gets_the_eicar_signature_once(
    scan: ScanLayout,
) -> None:
    said: list[str] = []
    assert ensure_signatures(scan.clamd_database, say=said.append) is True
    placed = scan.clamd_database / EICAR_SIGNATURE.name
    assert placed.read_bytes() == EICAR_SIGNATURE.read_bytes()
    assert "NOT protected" in said[0]

    placed.write_text("kept as it is\n")
    assert ensure_signatures(scan.clamd_database, say=said.append) is False
    assert placed.read_text() == "kept as it is\n"
    assert said[1] == (
        "ClamAV: signatures eicar.ndb; note that freshclam cannot update them offline"
    )


def test_clamd_starts_once_and_restarts_for_a_new_config(
    scan: ScanLayout, free_port: int
) -> None:
    if shutil.which("clamd") is None:
        pytest.skip("clamd is missing: run deploy/install-scan-packages.sh")
    settings = StackSettings(clamd_port=free_port)
    clamd = clamd_config(settings, scan)
    render_clamd(DEPLOY_DIR / "clamav", clamd)
    ensure_signatures(scan.clamd_database, say=lambda _: None)
    said: list[str] = []

    def ensure(changed: bool, recorded: StartedProcess | None) -> StartedProcess | None:
        return ensure_scanner(
            "clamd",
            clamd.command(),
            config_changed=changed,
            recorded=recorded,
            port=free_port,
            log=scan.logs / "clamd-start.log",
            timeout=60.0,
            say=said.append,
        )

    first = ensure(False, None)
    assert first is not None
    try:
        assert ensure(False, first) is None
        assert said[-1] == f"clamd: already running (pid {first.pid})"
        second = ensure(True, first)
        assert second is not None
        assert not is_running(first)
        assert is_running(second)
        stop_process(second)
    finally:
        stop_process(first)
