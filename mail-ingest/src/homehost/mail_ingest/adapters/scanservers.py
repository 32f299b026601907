"""Rendering Rspamd's and clamd's configuration from deploy/ templates.

The same templates serve `homehost up` and the tests, which start real
Rspamd and clamd from what this module writes.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import jinja2
from pydantic import BaseModel

MiB = 1024 * 1024


class RspamdConfig(BaseModel):
    """Values of deploy/rspamd/**/*.j2, and where Rspamd keeps its state."""

    local_confdir: Path
    db_dir: Path
    run_dir: Path
    log_dir: Path
    address: str = "127.0.0.1"
    normal_port: int = 11333
    controller_port: int = 11334
    proxy_port: int = 11332
    dns_timeout: str = "1s"
    dns_retransmits: int = 2
    # host:port of the resolvers Rspamd asks; empty: the system's.
    dns_nameservers: list[str] = []
    enable_test_patterns: bool = False
    reject_score: float = 15
    add_header_score: float = 6

    def command(self, user: str = "_rspamd") -> list[str]:
        """The command that runs Rspamd in the foreground with this config."""
        return [
            "rspamd",
            "-f",
            "-u",
            user,
            "-g",
            user,
            f"--var=LOCAL_CONFDIR={self.local_confdir}",
            f"--var=DBDIR={self.db_dir}",
            f"--var=RUNDIR={self.run_dir}",
            f"--var=LOGDIR={self.log_dir}",
        ]


class ClamdConfig(BaseModel):
    """Values of deploy/clamav/clamd.conf.j2."""

    config_dir: Path
    database_dir: Path
    run_dir: Path
    log_path: Path
    user: str = "clamav"
    address: str = "127.0.0.1"
    port: int = 3310
    stream_max_bytes: int = 64 * MiB
    max_scan_bytes: int = 128 * MiB
    max_threads: int = 4

    @property
    def config_file(self) -> Path:
        """The rendered clamd.conf."""
        return self.config_dir / "clamd.conf"

    def command(self) -> list[str]:
        """The command that runs clamd in the foreground with this config."""
        return ["clamd", "-c", str(self.config_file)]


def _environment(templates: Path) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,  # noqa: S701 - server configs, not HTML.
    )


def render_rspamd(templates: Path, config: RspamdConfig) -> None:
    """Write Rspamd's local config; its state folders belong to `_rspamd`."""
    environment = _environment(templates)
    values = config.model_dump()
    for template in sorted(templates.rglob("*.j2")):
        relative = template.relative_to(templates)
        target = config.local_confdir / str(relative).removesuffix(".j2")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(environment.get_template(str(relative)).render(**values))
    for folder in (config.db_dir, config.run_dir, config.log_dir):
        folder.mkdir(parents=True, exist_ok=True)
        shutil.chown(folder, "_rspamd", "_rspamd")


def render_clamd(templates: Path, config: ClamdConfig) -> None:
    """Write clamd.conf; its run folder and log belong to clamd's user."""
    environment = _environment(templates)
    values = {
        **config.model_dump(),
        "socket_path": config.run_dir / "clamd.sock",
        "pid_path": config.run_dir / "clamd.pid",
    }
    config.config_dir.mkdir(parents=True, exist_ok=True)
    config.config_file.write_text(
        environment.get_template("clamd.conf.j2").render(**values)
    )
    config.run_dir.mkdir(parents=True, exist_ok=True)
    shutil.chown(config.run_dir, config.user, config.user)
    config.log_path.touch()
    shutil.chown(config.log_path, config.user, config.user)
