"""The secret mail-ingest shares with the Cloudflare Email Worker.

The Worker signs each message it forwards with HMAC-SHA256 under this key
and the ingest service refuses a message whose signature does not match.
`homehost up` makes one, once, in `<state_dir>/secrets/`, and the env file
names that file; the same value must be given to the Worker.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from homehost.cli.envfile import write_private_file
from homehost.cli.provision import read_password

SECRET_FILE_NAME = "ingest-worker-secret"  # noqa: S105 - a file's name.
VARIABLE = "HOMEHOST_INGEST_WORKER_SECRET"
SECRET_BYTES = 32


@dataclass(frozen=True)
class WorkerSecret:
    """Where the secret is, and whether this run made it."""

    path: Path | None
    created: bool
    environment: dict[str, str]


def ensure_worker_secret(secrets_dir: Path) -> WorkerSecret:
    """Return the worker secret's file, made now if there is none yet.

    A secret set in the environment (the variable or its `_FILE`) wins and
    nothing is made: the env file then names no file of its own.
    """
    if VARIABLE in os.environ:
        return WorkerSecret(path=None, created=False, environment={})
    if f"{VARIABLE}_FILE" in os.environ:
        given = os.environ[f"{VARIABLE}_FILE"]
        return WorkerSecret(
            path=Path(given), created=False, environment={f"{VARIABLE}_FILE": given}
        )
    path = secrets_dir / SECRET_FILE_NAME
    created = read_password(path) is None
    if created:
        write_private_file(path, secrets.token_urlsafe(SECRET_BYTES) + "\n")
    return WorkerSecret(
        path=path, created=created, environment={f"{VARIABLE}_FILE": str(path)}
    )
