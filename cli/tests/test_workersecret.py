"""The Email Worker's shared secret: made once by `up`, kept after that."""

from __future__ import annotations

import os
import stat

import pytest

from homehost.cli.layout import StateLayout
from homehost.cli.workersecret import SECRET_FILE_NAME, ensure_worker_secret

pytestmark = pytest.mark.usefixtures("clean_environ")


def _forget_given_secret() -> None:
    for name in ("HOMEHOST_INGEST_WORKER_SECRET", "HOMEHOST_INGEST_WORKER_SECRET_FILE"):
        os.environ.pop(name, None)


def test_the_secret_is_made_once_private_and_kept(layout: StateLayout) -> None:
    _forget_given_secret()
    path = layout.secrets / SECRET_FILE_NAME

    first = ensure_worker_secret(layout.secrets)
    assert (first.path, first.created) == (path, True)
    assert first.environment == {"HOMEHOST_INGEST_WORKER_SECRET_FILE": str(path)}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    value = path.read_text(encoding="utf-8")
    # 32 random bytes as URL-safe base64: 43 characters and a newline.
    assert len(value) == 44
    assert value.endswith("\n")

    second = ensure_worker_secret(layout.secrets)
    assert (second.path, second.created) == (path, False)
    assert path.read_text(encoding="utf-8") == value


def test_a_secret_given_in_the_environment_wins(layout: StateLayout) -> None:
    _forget_given_secret()
    os.environ["HOMEHOST_INGEST_WORKER_SECRET"] = "given-by-the-operator"

    given = ensure_worker_secret(layout.secrets)

    assert (given.path, given.created, given.environment) == (None, False, {})
    assert list(layout.secrets.iterdir()) == []


def test_a_secret_file_given_in_the_environment_is_named_again(
    layout: StateLayout,
) -> None:
    _forget_given_secret()
    own = layout.root / "my-secret"
    own.write_text("mine\n", encoding="utf-8")
    os.environ["HOMEHOST_INGEST_WORKER_SECRET_FILE"] = str(own)

    given = ensure_worker_secret(layout.secrets)

    assert (given.path, given.created) == (own, False)
    assert given.environment == {"HOMEHOST_INGEST_WORKER_SECRET_FILE": str(own)}
    assert list(layout.secrets.iterdir()) == []
