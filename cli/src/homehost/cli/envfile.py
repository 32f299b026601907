"""The env file `homehost up` writes and every later command reads.

`<state_dir>/homehost.env` names the database users, the files holding
their passwords and the servers `up` found or started. It never holds a
secret itself, only paths to secret files. Loading it sets only the
variables the environment does not already set, so a variable given on
the command line always wins; a secret given as `X` in the environment
also keeps the file's `X_FILE` out (and `X_FILE` keeps out `X`).
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from pathlib import Path

from dotenv import dotenv_values

from homehost.cli.layout import current_layout

logger = logging.getLogger(__name__)

_VARIABLE_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")


def load_env_file(path: Path) -> dict[str, str]:
    """Set the file's variables that the environment lacks; return those set."""
    file_values = {
        name: value for name, value in dotenv_values(path).items() if value is not None
    }
    applied = values_to_apply(os.environ, file_values)
    os.environ.update(applied)
    return applied


def values_to_apply(
    environ: Mapping[str, str], file_values: Mapping[str, str]
) -> dict[str, str]:
    """Return which of an env file's values loading it sets over `environ`.

    A variable the environment sets wins over the file's, and so does its
    other form: `X` in the environment skips the file's `X_FILE`, and
    `X_FILE` skips `X`, as a secret may be given one way only.
    """
    applied: dict[str, str] = {}
    for name, value in file_values.items():
        other = name.removesuffix("_FILE") if name.endswith("_FILE") else f"{name}_FILE"
        if name in environ or other in environ:
            continue
        applied[name] = value
    return applied


def load_state_environment() -> None:
    """Load `<state_dir>/homehost.env` when `homehost up` has written one."""
    path = current_layout().env_file
    try:
        if path.is_file():
            load_env_file(path)
    except PermissionError:
        # A user who is not root may still run `status` against a bus named
        # in their own environment; the file is root's.
        logger.warning("cannot read %s; using the environment alone", path)


def render_env_file(values: Mapping[str, str]) -> str:
    """Return the text of an env file that sets `values`, sorted by name."""
    lines = ["# Written by `homehost up`; variables set in the environment win."]
    for name in sorted(values):
        value = values[name]
        if not _VARIABLE_NAME.match(name):
            raise ValueError(f"{name!r} is not an environment variable name")
        if "'" in value or "\n" in value:
            raise ValueError(f"{name}: a value may not hold a quote or a newline")
        lines.append(f"{name}='{value}'")
    return "\n".join(lines) + "\n"


def write_env_file(path: Path, values: Mapping[str, str]) -> bool:
    """Write the env file unless it already says the same; return if it changed."""
    text = render_env_file(values)
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    write_private_file(path, text)
    return True


def write_private_file(path: Path, text: str) -> None:
    """Replace `path` with `text` in one step, readable by its owner only."""
    partial = path.with_name(f".{path.name}.partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    # A partial file left by a crash keeps its old mode unless set again.
    os.fchmod(descriptor, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, path)
