"""The env file `homehost up` writes and every command reads."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from homehost.cli.envfile import (
    load_env_file,
    load_state_environment,
    render_env_file,
    write_env_file,
)
from homehost.cli.layout import StateLayout

pytestmark = pytest.mark.usefixtures("clean_environ")


def test_loading_sets_only_variables_the_environment_lacks(tmp_path: Path) -> None:
    path = tmp_path / "homehost.env"
    write_env_file(
        path,
        {"HOMEHOST_TEST_FROM_FILE": "from the file", "HOMEHOST_TEST_GIVEN": "file"},
    )
    os.environ["HOMEHOST_TEST_GIVEN"] = "environment"

    applied = load_env_file(path)

    assert applied == {"HOMEHOST_TEST_FROM_FILE": "from the file"}
    assert os.environ["HOMEHOST_TEST_FROM_FILE"] == "from the file"
    assert os.environ["HOMEHOST_TEST_GIVEN"] == "environment"


def test_a_secret_given_in_the_environment_keeps_out_its_other_form(
    tmp_path: Path,
) -> None:
    path = tmp_path / "homehost.env"
    write_env_file(
        path,
        {
            "HOMEHOST_TEST_DATABASE_PASSWORD_FILE": "/state/secrets/password",
            "HOMEHOST_TEST_TOKEN": "from the file",
            "HOMEHOST_TEST_OTHER_FILE": "/state/secrets/other",
        },
    )
    os.environ["HOMEHOST_TEST_DATABASE_PASSWORD"] = "given"
    os.environ["HOMEHOST_TEST_TOKEN_FILE"] = "/given/token"
    os.environ.pop("HOMEHOST_TEST_OTHER_FILE", None)

    applied = load_env_file(path)

    assert applied == {"HOMEHOST_TEST_OTHER_FILE": "/state/secrets/other"}
    assert "HOMEHOST_TEST_DATABASE_PASSWORD_FILE" not in os.environ
    assert "HOMEHOST_TEST_TOKEN" not in os.environ


def test_the_state_directory_names_the_env_file(tmp_path: Path) -> None:
    layout = StateLayout(tmp_path)
    write_env_file(layout.env_file, {"HOMEHOST_TEST_LOADED": "yes"})
    os.environ["HOMEHOST_STATE_DIR"] = str(tmp_path)
    os.environ.pop("HOMEHOST_TEST_LOADED", None)

    load_state_environment()

    assert os.environ["HOMEHOST_TEST_LOADED"] == "yes"


def test_a_missing_env_file_changes_nothing(tmp_path: Path) -> None:
    os.environ["HOMEHOST_STATE_DIR"] = str(tmp_path / "never-up")
    before = dict(os.environ)

    load_state_environment()

    assert dict(os.environ) == before


def test_the_file_is_private_and_rewritten_only_when_it_changes(
    tmp_path: Path,
) -> None:
    path = tmp_path / "homehost.env"

    first = write_env_file(path, {"HOMEHOST_B": "2", "HOMEHOST_A": "1"})
    again = write_env_file(path, {"HOMEHOST_A": "1", "HOMEHOST_B": "2"})
    changed = write_env_file(path, {"HOMEHOST_A": "3"})

    assert (first, again, changed) == (True, False, True)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text(encoding="utf-8").splitlines()[1:] == ["HOMEHOST_A='3'"]


def test_values_that_would_break_the_file_are_refused() -> None:
    with pytest.raises(ValueError, match="quote or a newline"):
        render_env_file({"HOMEHOST_A": "it's"})
    with pytest.raises(ValueError, match="not an environment variable name"):
        render_env_file({"homehost a": "1"})
