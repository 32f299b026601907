"""Password rules and argon2id hashing.

Hashing takes tens of milliseconds of CPU on purpose, so it runs in a
worker thread and never blocks the event loop.
"""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn  # type: ignore[import-untyped]  # zxcvbn ships no types.

MIN_LENGTH = 12
MAX_LENGTH = 256
# zxcvbn's scale runs 0-4; 3 means "safely unguessable" against an
# attacker who has the hashes but pays for each guess.
MIN_STRENGTH = 3

# argon2-cffi's defaults are argon2id with the RFC 9106 low-memory profile.
_hasher = PasswordHasher()
# Checked against when no admin has the name given, so an unknown name
# takes as long to refuse as a wrong password.
_DUMMY_HASH = _hasher.hash("homehost-no-such-admin-placeholder")


def password_problem(password: str, *, username: str = "") -> str | None:
    """Return why `password` is too weak, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return f"must be at least {MIN_LENGTH} characters long"
    if len(password) > MAX_LENGTH:
        return f"must be at most {MAX_LENGTH} characters long"
    if username and username.lower() in password.lower():
        return "must not contain the username"
    # zxcvbn only reads the first 100 characters; longer ones are strong.
    verdict = zxcvbn(password[:100], user_inputs=[username, "homehost"])
    if verdict["score"] < MIN_STRENGTH:
        warning = str(verdict["feedback"].get("warning") or "")
        reason = warning.rstrip(".") or "is too easy to guess"
        return f"is too weak: {reason[0].lower()}{reason[1:]}"
    return None


async def hash_password(password: str) -> str:
    """Return the argon2id hash of `password`."""
    return await asyncio.to_thread(_hasher.hash, password)


async def verify_password(password: str, password_hash: str | None) -> bool:
    """Check `password` against a hash; with no hash, spend the same time."""

    def verify() -> bool:
        try:
            return _hasher.verify(password_hash or _DUMMY_HASH, password) and (
                password_hash is not None
            )
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(verify)
