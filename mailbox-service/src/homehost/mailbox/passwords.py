"""Mailbox passwords: strength, generation, and hashes Dovecot verifies.

Every hash is stored with its `{SCHEME}` prefix, so Dovecot never falls
back to `default_pass_scheme` for it, and every new hash is checked with
this Dovecot's own `doveadm pw -t` before anything is written: a hash the
running Dovecot cannot verify would lock the person out without any
error at creation time.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Sequence

from argon2 import PasswordHasher, Type
from zxcvbn import zxcvbn  # type: ignore[import-untyped]  # zxcvbn has no types.

from homehost.mailbox.adapters.doveadm import Doveadm
from homehost.mailbox.errors import (
    DovecotUnavailable,
    FieldError,
    HashNotVerified,
    UnsupportedScheme,
)

logger = logging.getLogger(__name__)

# The cost of ARGON2ID hashes, chosen so that one IMAP login stays under
# 100 ms on this kind of machine (2 cores): every login of every mail
# client pays it, and clients log in often. Dovecot's own ARGON2ID default
# (m=64 MiB, t=3) costs about 250 ms per login here. 19 MiB with two passes
# is the smallest Argon2id setting OWASP's password storage guidance
# accepts; bench/mailbox_auth.py measured a whole IMAP login through the
# SQL passdb at 71 ms with it, against 36 ms with SHA512-CRYPT. The extra
# 35 ms buys memory hardness: each guess of an attacker with a stolen
# table needs 19 MiB, which GPUs cannot supply by the thousand, whereas
# SHA512-CRYPT's 5000 rounds are cheap on a GPU. Parallelism 1: Dovecot
# verifies through libsodium, which computes one lane at a time.
ARGON2_MEMORY_KIB = 19 * 1024
ARGON2_TIME_COST = 2
ARGON2_PARALLELISM = 1
# Dovecot's auth processes need room for the hash's memory plus their own.
ARGON2_VSZ_HEADROOM = 128 * 1024 * 1024

# Schemes a new hash may use: slow, salted and verified by Dovecot 2.3.
# Others that `doveadm pw -l` lists (PLAIN, MD5, SSHA...) are too weak.
ACCEPTED_SCHEMES = frozenset({"ARGON2ID", "BLF-CRYPT", "SHA512-CRYPT"})

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200
GENERATED_PASSWORD_BYTES = 15

_argon2 = PasswordHasher(
    time_cost=ARGON2_TIME_COST,
    memory_cost=ARGON2_MEMORY_KIB,
    parallelism=ARGON2_PARALLELISM,
    type=Type.ID,
)


def generate_password() -> str:
    """A random password of 20 URL-safe characters (120 bits)."""
    return secrets.token_urlsafe(GENERATED_PASSWORD_BYTES)


def check_password(
    password: str,
    *,
    field: str,
    related: Sequence[str],
    min_score: int,
) -> None:
    """Refuse an empty, malformed or guessable password with a field error."""
    if not password:
        raise FieldError(field, "must not be empty")
    if any(ord(character) < 0x20 or ord(character) == 0x7F for character in password):
        raise FieldError(field, "must not contain control characters or newlines")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise FieldError(field, f"must have at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise FieldError(field, f"must have at most {MAX_PASSWORD_LENGTH} characters")

    verdict = zxcvbn(password, user_inputs=[word for word in related if word])
    if verdict["score"] < min_score:
        feedback = verdict["feedback"]
        hint = feedback.get("warning") or " ".join(feedback.get("suggestions", []))
        reason = f"too easy to guess (strength {verdict['score']} of 4"
        reason += f", {min_score} needed)"
        raise FieldError(field, f"{reason}{': ' + hint if hint else ''}")


class PasswordHashing:
    """Makes `{SCHEME}` hashes that the running Dovecot verifies."""

    def __init__(self, doveadm: Doveadm, *, default_scheme: str) -> None:
        self.doveadm = doveadm
        self.default_scheme = default_scheme
        self._supported: frozenset[str] | None = None
        self._memory_limit_checked = False
        self._lock = asyncio.Lock()

    async def supported_schemes(self) -> frozenset[str]:
        """Schemes both accepted here and listed by this Dovecot's `doveadm pw -l`."""
        async with self._lock:
            if self._supported is None:
                listed = await self.doveadm.supported_schemes()
                self._supported = ACCEPTED_SCHEMES & listed
                logger.info(
                    "Dovecot verifies %s of the accepted password schemes",
                    ", ".join(sorted(self._supported)) or "none",
                )
            return self._supported

    async def check_scheme(self, scheme: str | None, *, field: str) -> str:
        """Return the scheme to use, refusing one this Dovecot cannot verify."""
        chosen = (scheme or self.default_scheme).upper()
        if chosen not in ACCEPTED_SCHEMES:
            raise FieldError(
                field,
                f"scheme {chosen} is not accepted; use one of "
                f"{', '.join(sorted(ACCEPTED_SCHEMES))}",
            )
        supported = await self.supported_schemes()
        if chosen not in supported:
            raise UnsupportedScheme(field, chosen, supported)
        if chosen == "ARGON2ID":
            await self._check_auth_memory(field=field)
        return chosen

    async def hash(self, password: str, *, scheme: str) -> str:
        """Hash `password` in `scheme`, prefixed, and prove Dovecot verifies it."""
        if scheme == "ARGON2ID":
            # argon2-cffi at the cost chosen above; `doveadm pw -s` would use
            # Dovecot's much slower default.
            hashed = "{ARGON2ID}" + await asyncio.to_thread(_argon2.hash, password)
        else:
            hashed = await self.doveadm.hash_password(scheme=scheme, password=password)

        if not hashed.startswith(f"{{{scheme}}}"):
            raise HashNotVerified(f"the new hash does not carry the {scheme} prefix")
        if not await self.doveadm.verify_password(hashed=hashed, password=password):
            raise HashNotVerified(
                f"Dovecot did not verify a new {scheme} hash; nothing was stored"
            )
        return hashed

    async def _check_auth_memory(self, *, field: str) -> None:
        if self._memory_limit_checked:
            return
        try:
            limit = await self.doveadm.auth_memory_limit()
        except DovecotUnavailable as exc:
            # Dovecot may not be configured yet on a fresh box; the hash is
            # still verified by doveadm, which has no such limit.
            logger.warning("cannot read Dovecot's auth memory limit: %s", exc.detail)
            return
        needed = ARGON2_MEMORY_KIB * 1024 + ARGON2_VSZ_HEADROOM
        if limit is not None and limit < needed:
            raise FieldError(
                field,
                f"ARGON2ID needs Dovecot's auth vsz_limit of at least "
                f"{needed // 2**20} MiB; it is {limit // 2**20} MiB",
            )
        self._memory_limit_checked = True
