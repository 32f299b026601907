"""TOTP second factor (RFC 6238, through pyotp) and recovery codes."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time

import pyotp
import segno

from homehost.gateway.adapters.database import (
    Pool,
    Row,
    execute,
    execute_many,
    utc_now,
)

ISSUER = "homehost"
RECOVERY_CODE_COUNT = 10
# A recovery code has 16 characters of base32: 80 random bits. Codes this
# random cannot be guessed from their hashes, so a plain SHA-256 is enough
# and lets a login find the matching code with one indexed query.
_RECOVERY_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"
_TOTP_CODE = re.compile(r"^\d{6}$")


def new_secret() -> str:
    """Return a fresh random base32 TOTP secret."""
    return pyotp.random_base32()


def provisioning_uri(secret: str, *, username: str) -> str:
    """Return the otpauth:// URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """Return the URI as a QR code in SVG, ready to put in a page."""
    svg: str = segno.make(uri, error="m").svg_inline(scale=4, border=2)
    return svg


def looks_like_totp(code: str) -> bool:
    """Whether `code` has the shape of a TOTP code (six digits)."""
    return _TOTP_CODE.match(code.strip().replace(" ", "")) is not None


def matching_step(secret: str, code: str, *, at: float | None = None) -> int | None:
    """Return the time step `code` belongs to (now, or one step either side)."""
    code = code.strip().replace(" ", "")
    if not _TOTP_CODE.match(code):
        return None
    totp = pyotp.TOTP(secret)
    now = time.time() if at is None else at
    current = int(now // totp.interval)
    found = None
    # Every candidate is compared, so the time taken does not reveal which.
    for offset in (-1, 0, 1):
        expected = totp.generate_otp(current + offset)
        if hmac.compare_digest(expected, code):
            found = current + offset
    return found


async def use_totp_code(pool: Pool, admin: Row, code: str) -> bool:
    """Check a TOTP code of an enrolled admin; a code is accepted only once."""
    secret = admin["totp_secret"]
    if secret is None:
        return False
    step = matching_step(secret, code)
    if step is None:
        return False
    # The stored step moves forward only: replaying a code that already
    # logged in, or an older one, fails, even on another gateway copy.
    changed, _ = await execute(
        pool,
        "UPDATE admins SET totp_last_step = %s WHERE id = %s"
        " AND (totp_last_step IS NULL OR totp_last_step < %s)",
        (step, admin["id"], step),
    )
    return changed == 1


def new_recovery_codes() -> list[str]:
    """Return fresh recovery codes, written as four groups of four."""
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(16))
        codes.append("-".join(raw[i : i + 4] for i in range(0, 16, 4)))
    return codes


def recovery_code_hash(code: str) -> str:
    """Return the stored form of a recovery code, ignoring case and dashes."""
    normal = re.sub(r"[\s-]", "", code).lower()
    return hashlib.sha256(normal.encode()).hexdigest()


async def replace_recovery_codes(pool: Pool, *, admin_id: int) -> list[str]:
    """Store new recovery codes for an admin (the old ones end); return them."""
    codes = new_recovery_codes()
    await execute(pool, "DELETE FROM recovery_codes WHERE admin_id = %s", (admin_id,))
    await execute_many(
        pool,
        "INSERT INTO recovery_codes (admin_id, code_hash) VALUES (%s, %s)",
        [(admin_id, recovery_code_hash(code)) for code in codes],
    )
    return codes


async def use_recovery_code(pool: Pool, *, admin_id: int, code: str) -> bool:
    """Spend one recovery code; False when it is unknown or already used."""
    changed, _ = await execute(
        pool,
        "UPDATE recovery_codes SET used_at = %s"
        " WHERE admin_id = %s AND code_hash = %s AND used_at IS NULL",
        (utc_now(), admin_id, recovery_code_hash(code)),
    )
    return changed == 1


async def use_second_factor(pool: Pool, admin: Row, code: str) -> bool:
    """Check a TOTP code or spend a recovery code of an enrolled admin."""
    if looks_like_totp(code):
        return await use_totp_code(pool, admin, code)
    return await use_recovery_code(pool, admin_id=admin["id"], code=code)


async def start_enrolment(pool: Pool, admin: Row) -> tuple[str, str, str]:
    """Make a pending secret for an admin; return secret, URI and QR SVG."""
    secret = new_secret()
    await execute(
        pool,
        "UPDATE admins SET totp_pending_secret = %s WHERE id = %s",
        (secret, admin["id"]),
    )
    uri = provisioning_uri(secret, username=admin["username"])
    return secret, uri, qr_svg(uri)


async def confirm_enrolment(pool: Pool, admin: Row, code: str) -> list[str] | None:
    """Activate the pending secret if `code` matches; return recovery codes."""
    pending = admin["totp_pending_secret"]
    step = matching_step(pending, code) if pending else None
    if step is None:
        return None
    changed, _ = await execute(
        pool,
        "UPDATE admins SET totp_secret = totp_pending_secret,"
        " totp_pending_secret = NULL, totp_last_step = %s"
        " WHERE id = %s AND totp_pending_secret = %s",
        (step, admin["id"], pending),
    )
    if changed != 1:
        return None
    return await replace_recovery_codes(pool, admin_id=admin["id"])


async def disable(pool: Pool, *, admin_id: int) -> None:
    """Switch an admin's second factor off and drop its recovery codes."""
    await execute(
        pool,
        "UPDATE admins SET totp_secret = NULL, totp_pending_secret = NULL,"
        " totp_last_step = NULL WHERE id = %s",
        (admin_id,),
    )
    await execute(pool, "DELETE FROM recovery_codes WHERE admin_id = %s", (admin_id,))
