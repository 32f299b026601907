"""Rspamd and clamd for mail-ingest, brought up by `homehost up`.

`up` installs the Debian packages (deploy/install-scan-packages.sh),
renders both configurations from the templates mail-ingest ships into
`<state_dir>/scan/`, and starts both in the foreground of their own
sessions, recorded in `started.json`. clamd refuses an empty signature
folder and freshclam cannot reach ClamAV's mirrors from a box without
internet, so an empty folder gets deploy/clamav/eicar.ndb, with a warning.
Run again, a server whose configuration is unchanged is left alone and one
whose configuration changed is restarted.
"""

from __future__ import annotations

import os
import shutil
import socket
import stat
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from homehost.cli.errors import StackError
from homehost.cli.layout import DEPLOY_DIR, StateLayout
from homehost.cli.processes import (
    StartedProcess,
    is_running,
    spawn_detached,
    stop_process,
)
from homehost.cli.settings import StackSettings
from homehost.mail_ingest.adapters.scanservers import (
    ClamdConfig,
    RspamdConfig,
    render_clamd,
    render_rspamd,
)
from homehost.shared.runtime import ServiceDefinition
from homehost.shared.settings import variable_name

INSTALL_SCRIPT = DEPLOY_DIR / "install-scan-packages.sh"
EICAR_SIGNATURE = DEPLOY_DIR / "clamav" / "eicar.ndb"
CLAMD_START_TIMEOUT_SECONDS = 60.0
# Both take the usual TERM; Rspamd waits for its workers.
STOP_GRACE_SECONDS = 30.0

Say = Callable[[str], None]


@dataclass(frozen=True)
class ScanLayout:
    """Where Rspamd and clamd keep their files, under `<state_dir>/scan/`."""

    root: Path
    logs: Path

    @classmethod
    def of(cls, layout: StateLayout) -> ScanLayout:
        """The scanners' layout inside homehost's state directory."""
        return cls(root=layout.root / "scan", logs=layout.logs)

    @property
    def rspamd(self) -> Path:
        """Rspamd's local config, and its state folders owned by `_rspamd`."""
        return self.root / "rspamd"

    @property
    def rspamd_db(self) -> Path:
        """Rspamd's DBDIR: kept between runs, it spares a 20 s compile."""
        return self.rspamd / "db"

    @property
    def clamd(self) -> Path:
        """clamd.conf, its run folder and its signatures."""
        return self.root / "clamd"

    @property
    def clamd_database(self) -> Path:
        """clamd's DatabaseDirectory."""
        return self.clamd / "db"


def rspamd_config(settings: StackSettings, scan: ScanLayout) -> RspamdConfig:
    """Rspamd's values: every worker on loopback, at the configured ports."""
    return RspamdConfig(
        local_confdir=scan.rspamd / "conf",
        db_dir=scan.rspamd_db,
        run_dir=scan.rspamd / "run",
        log_dir=scan.logs / "rspamd",
        normal_port=settings.rspamd_port,
        controller_port=settings.rspamd_controller_port,
        proxy_port=settings.rspamd_proxy_port,
    )


def clamd_config(settings: StackSettings, scan: ScanLayout) -> ClamdConfig:
    """clamd's values: INSTREAM over TCP on loopback at the configured port."""
    return ClamdConfig(
        config_dir=scan.clamd / "conf",
        database_dir=scan.clamd_database,
        run_dir=scan.clamd / "run",
        log_path=scan.logs / "clamd.log",
        port=settings.clamd_port,
    )


def install_scan_packages(*, say: Say) -> None:
    """Run deploy/install-scan-packages.sh (it does nothing when all is there)."""
    finished = subprocess.run(  # noqa: S603 - our own script, no arguments.
        ["/bin/sh", str(INSTALL_SCRIPT)],
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
    )
    if finished.returncode != 0:
        tail = "\n".join(finished.stdout.splitlines()[-15:])
        raise StackError(f"{INSTALL_SCRIPT.name} failed:\n{tail}")
    say(f"scanners: {finished.stdout.strip().splitlines()[-1]}")


def prepare_scan_root(scan: ScanLayout) -> None:
    """Create the scanners' folders where `_rspamd` and `clamav` may enter."""
    for folder in (scan.root, scan.rspamd, scan.clamd, scan.clamd_database):
        folder.mkdir(mode=0o755, parents=True, exist_ok=True)
        folder.chmod(0o755)
    for parent in scan.root.parents:
        if not parent.stat().st_mode & stat.S_IXOTH:
            raise StackError(
                f"{parent} is closed to other users, so Rspamd's _rspamd user "
                f"cannot reach {scan.rspamd_db}: chmod o+x {parent}"
            )


def ensure_signatures(database_dir: Path, *, say: Say) -> bool:
    """Put the EICAR test signature in an empty folder; return whether it did.

    A warning is said either way: freshclam cannot update signatures here.
    """
    placed = not any(database_dir.iterdir())
    if placed:
        target = database_dir / EICAR_SIGNATURE.name
        shutil.copyfile(EICAR_SIGNATURE, target)
        target.chmod(0o644)
        say(
            f"[yellow]ClamAV: warning: {database_dir} had no signatures; it now "
            f"holds only {EICAR_SIGNATURE.name} (the EICAR test string). This box "
            "is NOT protected against viruses: freshclam cannot update signatures "
            "offline. Put real signatures (main.cvd, daily.cvd) there.[/yellow]"
        )
    else:
        names = sorted(path.name for path in database_dir.iterdir())
        say(
            f"ClamAV: signatures {', '.join(names)}; note that freshclam cannot "
            "update them offline"
        )
    return placed


def ensure_scanner(
    name: str,
    argv: list[str],
    *,
    config_changed: bool,
    recorded: StartedProcess | None,
    port: int,
    log: Path,
    timeout: float,
    say: Say,
) -> StartedProcess | None:
    """Start a scanner, or restart it when its config changed; None if kept."""
    if recorded is not None and is_running(recorded):
        if not config_changed:
            say(f"{name}: already running (pid {recorded.pid})")
            return None
        stop_process(recorded, grace_seconds=STOP_GRACE_SECONDS)
        say(f"{name}: stopped (pid {recorded.pid}) to take its new configuration")
    if _answers(port):
        raise StackError(
            f"{name}: something else listens on 127.0.0.1:{port}; stop it or "
            "choose another port"
        )
    program = shutil.which(argv[0])
    if program is None:
        raise StackError(f"{name}: {argv[0]} is not installed")
    process = spawn_detached(name.lower(), [program, *argv[1:]], log=log)
    started = time.monotonic()
    wait_for_port(port, process, log=log, timeout=timeout)
    say(
        f"{name}: started (pid {process.pid}) on 127.0.0.1:{port}, ready in "
        f"{time.monotonic() - started:.1f} s"
    )
    return process


def wait_for_port(
    port: int, process: StartedProcess, *, log: Path, timeout: float
) -> None:
    """Wait until 127.0.0.1:`port` accepts, while `process` runs, within timeout."""
    deadline = time.monotonic() + timeout
    while not _answers(port):
        if not is_running(process):
            raise StackError(f"{process.name} exited at start; see {log}")
        if time.monotonic() > deadline:
            raise StackError(
                f"{process.name} does not answer on 127.0.0.1:{port} after "
                f"{timeout:g} s; see {log}"
            )
        time.sleep(0.2)


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0):
            return True
    except OSError:
        return False


def _snapshot(folder: Path) -> dict[str, bytes]:
    if not folder.is_dir():
        return {}
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def service_environment(
    rspamd: RspamdConfig, clamd: ClamdConfig, definitions: dict[str, ServiceDefinition]
) -> dict[str, str]:
    """What the ingest service must know of the scanners, as env file variables."""
    definition = definitions.get("ingest")
    if definition is None:
        return {}
    wanted: dict[str, Any] = {
        "rspamd_url": f"http://{rspamd.address}:{rspamd.normal_port}",
        "clamd_host": clamd.address,
        "clamd_port": clamd.port,
    }
    settings_class = definition.settings_class
    return {
        variable_name(settings_class, field): str(value)
        for field, value in wanted.items()
        if field in settings_class.model_fields
    }


def bring_up_scan_servers(
    settings: StackSettings,
    layout: StateLayout,
    *,
    definitions: dict[str, ServiceDefinition],
    recorded: dict[str, StartedProcess],
    keep: Callable[[StartedProcess | None], None],
    say: Say,
) -> dict[str, str]:
    """Install, configure and start Rspamd and clamd; return the env values."""
    if "ingest" not in definitions:
        say("scanners: the ingest service is not installed; no Rspamd or clamd")
        return {}
    if os.geteuid() != 0:
        raise StackError(
            "Rspamd and clamd need root (they drop to their own users): run "
            "`./homehost up` as root, or set HOMEHOST_SCAN_SERVERS=false"
        )
    install_scan_packages(say=say)
    scan = ScanLayout.of(layout)
    prepare_scan_root(scan)

    clamd = clamd_config(settings, scan)
    before = _snapshot(clamd.config_dir)
    render_clamd(DEPLOY_DIR / "clamav", clamd)
    ensure_signatures(clamd.database_dir, say=say)
    keep(
        ensure_scanner(
            "clamd",
            clamd.command(),
            config_changed=_snapshot(clamd.config_dir) != before,
            recorded=recorded.get("clamd"),
            port=clamd.port,
            log=scan.logs / "clamd-start.log",
            timeout=CLAMD_START_TIMEOUT_SECONDS,
            say=say,
        )
    )

    rspamd = rspamd_config(settings, scan)
    before = _snapshot(rspamd.local_confdir)
    render_rspamd(DEPLOY_DIR / "rspamd", rspamd)
    cold = not any(rspamd.db_dir.iterdir())
    if cold and (recorded.get("rspamd") is None):
        say(
            "Rspamd: first start; it compiles the public-suffix list, about "
            f"20 s (waiting at most {settings.scan_start_timeout:g} s)"
        )
    keep(
        ensure_scanner(
            "Rspamd",
            rspamd.command(),
            config_changed=_snapshot(rspamd.local_confdir) != before,
            recorded=recorded.get("rspamd"),
            port=rspamd.normal_port,
            log=scan.logs / "rspamd-start.log",
            timeout=settings.scan_start_timeout,
            say=say,
        )
    )
    return service_environment(rspamd, clamd, definitions)
