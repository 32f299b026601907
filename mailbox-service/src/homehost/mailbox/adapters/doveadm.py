"""Dovecot's own tools: `doveadm pw` for hashes, `doveadm quota`, `doveconf`.

Passwords reach doveadm on standard input, never on its command line
(where any local user could read them in the process list): with no
controlling terminal, which a new session guarantees, doveadm reads the
password from standard input.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from homehost.mailbox.errors import DovecotUnavailable

logger = logging.getLogger(__name__)


def _unavailable(detail: str) -> DovecotUnavailable:
    # The detail goes to the log only: it names sockets and paths.
    logger.warning("Dovecot does not answer: %s", detail)
    return DovecotUnavailable(detail)


# `doveadm pw -t` exits 75 (EX_TEMPFAIL) on a mismatch and on a hash it
# cannot decode; the message tells the two apart.
_MISMATCH = "Password mismatch"
# `doveadm auth test` exits 77 (EX_NOPERM) when the passdb refuses the login.
_AUTH_REFUSED = 77
_KIBIBYTE = 1024
_SIZE = re.compile(r"^\s*(\d+)\s*([KMGT]?)\s*$")
_SIZE_UNITS = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}


@dataclass(frozen=True)
class QuotaUsage:
    """What Dovecot's quota plugin counts for one user."""

    used_bytes: int
    messages: int


@dataclass(frozen=True)
class _Result:
    returncode: int
    stdout: str
    stderr: str


class Doveadm:
    """Runs doveadm (and doveconf) against one Dovecot configuration."""

    def __init__(self, *, program: str, config: Path) -> None:
        self.program = program
        self.config = config

    async def supported_schemes(self) -> frozenset[str]:
        """The password schemes this Dovecot can verify (`doveadm pw -l`)."""
        result = await self._run(["pw", "-l"])
        if result.returncode != 0:
            raise _unavailable(f"doveadm pw -l failed: {result.stderr.strip()[:200]}")
        return frozenset(result.stdout.split())

    async def hash_password(self, *, scheme: str, password: str) -> str:
        """Hash with Dovecot itself (`doveadm pw -s`); returns `{SCHEME}...`."""
        # Without a terminal doveadm asks twice on standard input, as a
        # person retyping the password would.
        typed = f"{password}\n{password}\n"
        result = await self._run(["pw", "-s", scheme], stdin=typed)
        hashed = result.stdout.strip()
        if result.returncode != 0 or not hashed.startswith("{"):
            raise _unavailable(
                f"doveadm pw -s {scheme} failed: {result.stderr.strip()[:200]}"
            )
        return hashed

    async def verify_password(self, *, hashed: str, password: str) -> bool:
        """Whether this Dovecot accepts `password` for `hashed` (`doveadm pw -t`)."""
        result = await self._run(["pw", "-t", hashed], stdin=f"{password}\n")
        if result.returncode == 0 and "(verified)" in result.stdout:
            return True
        if _MISMATCH in result.stderr:
            return False
        raise _unavailable(
            f"doveadm pw -t failed: {result.stderr.strip()[:200] or result.returncode}"
        )

    async def authenticate(self, *, user: str, password: str) -> bool:
        """Whether the running Dovecot lets `user` log in (`doveadm auth test`).

        The login goes through Dovecot's own passdb, so it is refused exactly
        when an IMAP login would be: wrong password, disabled mailbox,
        inactive domain. A refusal comes after Dovecot's failure delay.
        """
        result = await self._run(
            ["-c", str(self.config), "auth", "test", user], stdin=f"{password}\n"
        )
        if result.returncode == 0:
            return True
        if result.returncode == _AUTH_REFUSED:
            return False
        raise _unavailable(
            "doveadm auth test failed: "
            f"{result.stderr.strip()[:200] or result.returncode}"
        )

    async def quota(self, *, user: str) -> QuotaUsage:
        """Current usage of one user, as Dovecot's quota plugin counts it."""
        result = await self._run(
            ["-c", str(self.config), "-f", "tab", "quota", "get", "-u", user]
        )
        if result.returncode != 0:
            raise _unavailable(
                f"doveadm quota get failed: {result.stderr.strip()[:200]}"
            )
        used_kibibytes = messages = 0
        for line in result.stdout.splitlines()[1:]:
            fields = line.split("\t")
            if len(fields) < 3:
                continue
            if fields[1] == "STORAGE":
                used_kibibytes = int(fields[2])
            elif fields[1] == "MESSAGE":
                messages = int(fields[2])
        return QuotaUsage(used_bytes=used_kibibytes * _KIBIBYTE, messages=messages)

    async def auth_memory_limit(self) -> int | None:
        """The smaller vsz_limit of auth and auth-worker in bytes; None if unset."""
        limits = []
        for service in ("auth", "auth-worker"):
            result = await self._run_program(
                "doveconf",
                ["-c", str(self.config), "-h", f"service/{service}/vsz_limit"],
            )
            if result.returncode != 0:
                raise _unavailable(f"doveconf failed: {result.stderr.strip()[:200]}")
            limits.append(_parse_size(result.stdout))
        known = [limit for limit in limits if limit]
        return min(known) if known else None

    async def _run(self, arguments: list[str], *, stdin: str = "") -> _Result:
        return await self._run_program(self.program, arguments, stdin=stdin)

    async def _run_program(
        self, program: str, arguments: list[str], *, stdin: str = ""
    ) -> _Result:
        # Only the command's words: its values may be a hash or an address.
        words = [
            word for word in arguments if word.isalpha() or word in ("-l", "-s", "-t")
        ]
        logger.info("running %s %s", program, " ".join(words))
        try:
            process = await asyncio.create_subprocess_exec(
                program,
                *arguments,
                # Nothing to say: no pipe a program that ends early leaves
                # half-written (uvloop raises where asyncio would not).
                stdin=asyncio.subprocess.PIPE if stdin else asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                # No controlling terminal: doveadm reads passwords from stdin.
                start_new_session=True,
            )
        except OSError as exc:
            raise _unavailable(f"cannot run {program}: {exc.strerror}") from exc
        stdout, stderr = await process.communicate(
            stdin.encode("utf-8") if stdin else None
        )
        return _Result(
            returncode=process.returncode or 0,
            stdout=stdout.decode("utf-8", "replace"),
            stderr=stderr.decode("utf-8", "replace"),
        )


def _parse_size(text: str) -> int | None:
    match = _SIZE.match(text.replace(" ", ""))
    if match is None:
        return None
    value = int(match[1]) * _SIZE_UNITS[match[2]]
    return value or None
