"""Where `homehost up` keeps its files: one state directory, laid out here."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from homehost.shared.settings import default_state_dir

ENV_FILE_NAME = "homehost.env"

# The checkout's folders beside the service packages: this file is
# cli/src/homehost/cli/layout.py, four levels below the checkout.
CHECKOUT_DIR = Path(__file__).resolve().parents[4]
DEPLOY_DIR = CHECKOUT_DIR / "deploy"


def state_dir_from_environment() -> Path:
    """Return the state directory `HOMEHOST_STATE_DIR` names, or the default.

    Read straight from the environment: the env file that configures the
    rest lives inside this directory, so it must be known first.
    """
    configured = os.environ.get("HOMEHOST_STATE_DIR")
    return Path(configured) if configured else default_state_dir()


@dataclass(frozen=True)
class StateLayout:
    """The files and folders under homehost's state directory."""

    root: Path

    @property
    def env_file(self) -> Path:
        """Variables `homehost up` sets for every later command and service."""
        return self.root / ENV_FILE_NAME

    @property
    def secrets(self) -> Path:
        """Secret files, one per password, readable by root only."""
        return self.root / "secrets"

    @property
    def run(self) -> Path:
        """What is running now: `started.json`."""
        return self.root / "run"

    @property
    def started_file(self) -> Path:
        """The processes `homehost up` started, so `down` stops only those."""
        return self.run / "started.json"

    @property
    def logs(self) -> Path:
        """One log file per process `homehost up` started."""
        return self.root / "logs"

    @property
    def homehost_log(self) -> Path:
        """The log of the background `homehost run` process."""
        return self.logs / "homehost.log"

    @property
    def nats_store(self) -> Path:
        """JetStream's data of a NATS server that `up` started itself."""
        return self.root / "nats"

    @property
    def redis_dir(self) -> Path:
        """The working directory of a Redis that `up` started itself."""
        return self.root / "redis"

    def create(self) -> None:
        """Create the folders that are missing; secrets stay private."""
        for folder in (self.root, self.run, self.logs):
            folder.mkdir(parents=True, exist_ok=True)
        self.secrets.mkdir(mode=0o700, exist_ok=True)
        self.secrets.chmod(0o700)


def current_layout() -> StateLayout:
    """Return the layout of the state directory the environment selects."""
    return StateLayout(state_dir_from_environment())
