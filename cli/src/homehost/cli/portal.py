"""Building the portal for `homehost up`, when its build is missing or stale.

The gateway serves `portal/dist`. `up` rebuilds it when `dist/index.html`
is missing or older than any file under `portal/src`, `portal/index.html`
or `portal/package.json`, after `npm ci` when `node_modules` is missing or
older than `package-lock.json`. Without a Node.js that Vite accepts the
portal is left as it is, with a warning: the API works without it.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from rich.markup import escape

from homehost.cli.layout import CHECKOUT_DIR

# portal/ beside the service folders: cli/src/homehost/cli/ is four levels below.
PORTAL_DIR = CHECKOUT_DIR / "portal"
BUILD_TIMEOUT_SECONDS = 900.0

Say = Callable[[str], None]


@dataclass(frozen=True)
class PortalBuild:
    """What `up` did about the portal, and whether it can be served."""

    built: bool
    servable: bool
    note: str


def newest_change(paths: Iterable[Path]) -> float:
    """The latest modification time of the given files and every file under them."""
    newest = 0.0
    for path in paths:
        if path.is_dir():
            times = [f.stat().st_mtime for f in path.rglob("*") if f.is_file()]
            newest = max([newest, *times])
        elif path.is_file():
            newest = max(newest, path.stat().st_mtime)
    return newest


def build_is_stale(portal: Path) -> bool:
    """Tell whether `dist/` is missing or older than any source of it."""
    built = portal / "dist" / "index.html"
    if not built.is_file():
        return True
    sources = [portal / "src", portal / "index.html", portal / "package.json"]
    return newest_change(sources) > built.stat().st_mtime


def modules_are_stale(portal: Path) -> bool:
    """Tell whether `node_modules` is missing or older than package-lock.json."""
    modules = portal / "node_modules"
    if not modules.is_dir():
        return True
    lock = portal / "package-lock.json"
    return lock.is_file() and lock.stat().st_mtime > modules.stat().st_mtime


def node_problem(portal: Path) -> str | None:
    """Why this box's Node.js cannot build the portal, or None when it can."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        missing = " and ".join(
            name for name, found in (("node", node), ("npm", npm)) if found is None
        )
        return f"{missing} not installed"
    wanted = _minimum_node(portal)
    if wanted is None:
        return None
    finished = subprocess.run(  # noqa: S603 - the node found on PATH.
        [node, "--version"], capture_output=True, text=True, check=False
    )
    found = _version(finished.stdout)
    if found is None or found < wanted:
        shown = ".".join(str(part) for part in wanted)
        return f"Node.js {finished.stdout.strip() or '?'} is older than {shown}"
    return None


def _minimum_node(portal: Path) -> tuple[int, ...] | None:
    try:
        package = json.loads((portal / "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    wanted = str(package.get("engines", {}).get("node", ""))
    # Only the ">=X.Y" form the portal uses; any other range is not checked.
    match = re.fullmatch(r"\s*>=\s*v?(\d+(?:\.\d+)*)\s*", wanted)
    return _version(match.group(1)) if match else None


def _version(text: str) -> tuple[int, ...] | None:
    match = re.search(r"(\d+)(?:\.(\d+))?(?:\.(\d+))?", text)
    if match is None:
        return None
    return tuple(int(part) for part in match.groups() if part is not None)


def ensure_portal(*, say: Say, portal: Path = PORTAL_DIR) -> PortalBuild:
    """Build the portal when it is missing or stale; never fail `up` over it."""
    served = (portal / "dist" / "index.html").is_file()
    if not portal.is_dir():
        return _warn(say, served, f"there is no {portal}")
    if not build_is_stale(portal):
        say("portal: the build is up to date")
        return PortalBuild(built=False, servable=True, note="up to date")
    problem = node_problem(portal)
    if problem is not None:
        return _warn(say, served, problem)
    npm = shutil.which("npm") or "npm"
    if modules_are_stale(portal):
        say("portal: npm ci (its packages are missing or older than the lock file)")
        failure = _npm([npm, "ci", "--no-audit", "--no-fund"], portal)
        if failure is not None:
            return _warn(say, served, f"npm ci failed:\n{failure}")
    say("portal: npm run build (its build is missing or older than its sources)")
    failure = _npm([npm, "run", "build"], portal)
    if failure is not None:
        return _warn(say, served, f"npm run build failed:\n{failure}")
    say(f"portal: built into {portal / 'dist'}")
    return PortalBuild(built=True, servable=True, note="built")


def _npm(argv: list[str], portal: Path) -> str | None:
    try:
        finished = subprocess.run(  # noqa: S603 - npm from PATH, fixed arguments.
            argv,
            cwd=portal,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=BUILD_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return f"no end after {BUILD_TIMEOUT_SECONDS:g} s"
    if finished.returncode == 0:
        return None
    return "\n".join(finished.stdout.strip().splitlines()[-15:])


def _warn(say: Say, served: bool, problem: str) -> PortalBuild:
    state = (
        "the gateway serves the older build"
        if served
        else "the portal is not built; the API still works"
    )
    say(f"[yellow]portal: warning: {escape(problem)}.\n  {state}.[/yellow]")
    return PortalBuild(built=False, servable=served, note=problem)
