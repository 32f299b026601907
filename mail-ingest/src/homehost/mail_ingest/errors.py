"""Errors of the ingest service; adapters translate library errors into these."""

from __future__ import annotations

from homehost.shared.errors import HomehostError


class IngestError(HomehostError):
    """Base of every error mail-ingest raises on purpose."""

    code = "ingest"


class ScannerUnavailable(IngestError):
    """A scanner did not answer, or could not scan this message."""

    code = "scanner_unavailable"

    def __init__(self, scanner: str, reason: str) -> None:
        super().__init__(f"{scanner}: {reason}", details={"scanner": scanner})
        self.scanner = scanner
        self.reason = reason


class LmtpUnavailable(IngestError):
    """The LMTP server could not be reached or broke off before DATA ended."""

    code = "lmtp_unavailable"


class LmtpInterrupted(IngestError):
    """The connection broke after the message was sent, before every reply.

    The server may have stored the message for some recipients: whoever
    retries must first find out whether it did.
    """

    code = "lmtp_interrupted"
