"""When `up` rebuilds the portal: decided from file times alone."""

from __future__ import annotations

import os
from pathlib import Path

from homehost.cli.portal import build_is_stale, modules_are_stale


def _touch(path: Path, at: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()
    os.utime(path, (at, at))


def _portal(root: Path, *, built_at: float | None) -> Path:
    portal = root / "portal"
    _touch(portal / "src" / "main.tsx", 1000.0)
    _touch(portal / "src" / "pages" / "Login.tsx", 1000.0)
    _touch(portal / "index.html", 1000.0)
    _touch(portal / "package.json", 1000.0)
    if built_at is not None:
        _touch(portal / "dist" / "index.html", built_at)
    return portal


def test_a_missing_build_is_stale(tmp_path: Path) -> None:
    assert build_is_stale(_portal(tmp_path, built_at=None)) is True


def test_a_build_newer_than_every_source_is_fresh(tmp_path: Path) -> None:
    assert build_is_stale(_portal(tmp_path, built_at=2000.0)) is False


def test_a_source_changed_after_the_build_makes_it_stale(tmp_path: Path) -> None:
    for changed in ("src/pages/Login.tsx", "index.html", "package.json"):
        portal = _portal(tmp_path / changed.replace("/", "_"), built_at=2000.0)
        _touch(portal / changed, 3000.0)
        assert build_is_stale(portal) is True, changed


def test_other_files_do_not_make_the_build_stale(tmp_path: Path) -> None:
    portal = _portal(tmp_path, built_at=2000.0)
    _touch(portal / "README.md", 3000.0)
    _touch(portal / "e2e" / "login.spec.ts", 3000.0)
    assert build_is_stale(portal) is False


def test_node_modules_missing_or_older_than_the_lock_file(tmp_path: Path) -> None:
    portal = tmp_path / "portal"
    _touch(portal / "package-lock.json", 2000.0)
    assert modules_are_stale(portal) is True

    (portal / "node_modules").mkdir()
    os.utime(portal / "node_modules", (1000.0, 1000.0))
    assert modules_are_stale(portal) is True

    os.utime(portal / "node_modules", (3000.0, 3000.0))
    assert modules_are_stale(portal) is False
