"""The Email Worker's request signature, shared by the endpoint and the CLI.

A signed request carries four headers: the Unix time, the envelope as
base64url JSON, the SHA-256 of the body in hex, and an HMAC-SHA256 over
all three (with the method and path) under the secret the Worker holds.
The signature covers the body only through its digest, so it can be
checked before a single body byte is read; the digest is compared once
the body has arrived.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from dataclasses import dataclass

TIMESTAMP_HEADER = "X-Homehost-Timestamp"
ENVELOPE_HEADER = "X-Homehost-Envelope"
DIGEST_HEADER = "X-Homehost-Body-Sha256"
SIGNATURE_HEADER = "X-Homehost-Signature"
SCHEME = "v1"
INBOUND_PATH = "/v1/inbound"
# Unix time has ten digits until the year 2286; the bound keeps a number
# too large for a float from ever reaching the window's arithmetic.
MAX_TIMESTAMP_DIGITS = 12


@dataclass(frozen=True)
class Envelope:
    """The SMTP envelope: who sent the message and whom it is for."""

    sender: str
    recipients: tuple[str, ...]


class SignatureError(Exception):
    """The request's signature headers are missing, malformed or wrong.

    `field` names the part of the envelope at fault, when one is.
    """

    def __init__(self, reason: str, *, field: str = "envelope") -> None:
        super().__init__(reason)
        self.reason = reason
        self.field = field


def encode_envelope(envelope: Envelope) -> str:
    """The envelope as the header carries it: base64url of compact JSON."""
    data = json.dumps(
        {"from": envelope.sender, "to": list(envelope.recipients)},
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def decode_envelope(value: str) -> Envelope:
    """Parse the envelope header; raise `SignatureError` when malformed.

    Only the shape is checked here; `envelope_problems` judges the addresses,
    an empty recipient list included, field by field.
    """
    try:
        data = json.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))
    except (ValueError, binascii.Error, RecursionError) as exc:
        # JSON nested thousands deep exhausts the parser's recursion.
        raise SignatureError("the envelope header is not base64url JSON") from exc
    if not isinstance(data, dict):
        raise SignatureError("the envelope header is not a JSON object")
    sender, recipients = data.get("from"), data.get("to")
    if not isinstance(sender, str):
        raise SignatureError("is missing or not text", field="envelope.from")
    if not isinstance(recipients, list):
        raise SignatureError("is missing or not a list", field="envelope.to")
    for index, recipient in enumerate(recipients):
        if not isinstance(recipient, str):
            raise SignatureError("is not text", field=f"envelope.to[{index}]")
    return Envelope(sender=sender, recipients=tuple(recipients))


def signed_text(
    *, timestamp: str, method: str, path: str, envelope: str, digest: str
) -> bytes:
    """The bytes the HMAC covers."""
    return "\n".join((SCHEME, timestamp, method, path, envelope, digest)).encode()


def sign(
    secret: bytes,
    *,
    timestamp: str,
    method: str = "POST",
    path: str = INBOUND_PATH,
    envelope: str = "",
    digest: str = "",
) -> str:
    """The signature header's value for these fields."""
    text = signed_text(
        timestamp=timestamp, method=method, path=path, envelope=envelope, digest=digest
    )
    return f"{SCHEME}=" + hmac.new(secret, text, hashlib.sha256).hexdigest()


def signed_headers(
    secret: bytes,
    *,
    body: bytes,
    envelope: Envelope,
    now: float | None = None,
) -> dict[str, str]:
    """Every header of a signed POST to /v1/inbound, as the Worker sends them."""
    timestamp = str(int(time.time() if now is None else now))
    encoded = encode_envelope(envelope)
    digest = hashlib.sha256(body).hexdigest()
    return {
        TIMESTAMP_HEADER: timestamp,
        ENVELOPE_HEADER: encoded,
        DIGEST_HEADER: digest,
        SIGNATURE_HEADER: sign(
            secret, timestamp=timestamp, envelope=encoded, digest=digest
        ),
    }


def signed_read_headers(
    secret: bytes, *, path: str, now: float | None = None
) -> dict[str, str]:
    """Headers of a signed GET (a message's state)."""
    timestamp = str(int(time.time() if now is None else now))
    return {
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(secret, timestamp=timestamp, method="GET", path=path),
    }


def verify(
    secret: bytes,
    *,
    headers: dict[str, str],
    method: str,
    path: str,
    window_seconds: int,
    now: float | None = None,
) -> None:
    """Raise `SignatureError` unless the headers carry a fresh, valid signature.

    `headers` is keyed in lower case. The HMAC is compared in constant time.
    """
    timestamp = headers.get(TIMESTAMP_HEADER.lower(), "")
    signature = headers.get(SIGNATURE_HEADER.lower(), "")
    envelope = headers.get(ENVELOPE_HEADER.lower(), "")
    digest = headers.get(DIGEST_HEADER.lower(), "")
    if not timestamp or not signature:
        raise SignatureError("the request is not signed")
    # `str.isdigit` takes "²" and other digits `int` refuses: ASCII only.
    if not timestamp.isascii() or not timestamp.isdigit():
        raise SignatureError("the timestamp is not a Unix time in ASCII digits")
    if len(timestamp) > MAX_TIMESTAMP_DIGITS:
        raise SignatureError(
            f"the timestamp is longer than {MAX_TIMESTAMP_DIGITS} digits"
        )
    current = time.time() if now is None else now
    if abs(current - int(timestamp)) > window_seconds:
        raise SignatureError("the timestamp is outside the allowed window")
    expected = sign(
        secret,
        timestamp=timestamp,
        method=method,
        path=path,
        envelope=envelope,
        digest=digest,
    )
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        raise SignatureError("the signature does not match")
