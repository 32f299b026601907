"""Logging, configured once at each entrypoint.

On a terminal the lines are readable text; otherwise (a service manager, a
container, CI) each line is one JSON object. Every registered secret is
replaced by `***` before a line is written, whatever logged it.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
from datetime import UTC, datetime
from typing import Any, TextIO

REDACTED = "***"

# Every spelling of every registered secret: as given, and JSON-escaped as
# it appears inside a JSON line. Kept longest first, so that a secret which
# contains another is replaced whole.
_spellings: tuple[str, ...] = ()
_secrets_lock = threading.Lock()

# Attributes every LogRecord has; anything else was passed through `extra=`.
_STANDARD_ATTRIBUTES = frozenset(
    logging.LogRecord("", 0, "", 0, "", None, None).__dict__
) | {"message", "asctime", "taskName", "color_message"}


def register_secret(value: str) -> None:
    """Make sure `value` never appears in a log line."""
    # The tuple is swapped whole, so `redact` reads it without the lock.
    global _spellings
    # Very short values would redact ordinary words and hide nothing real.
    if len(value) < 4:
        return
    escaped = json.dumps(value, ensure_ascii=False)[1:-1]
    with _secrets_lock:
        known = set(_spellings) | {value, escaped}
        _spellings = tuple(sorted(known, key=len, reverse=True))


def redact(text: str) -> str:
    """Return `text` with every registered secret replaced."""
    for spelling in _spellings:
        if spelling in text:
            text = text.replace(spelling, REDACTED)
    return text


def _extra_fields(record: logging.LogRecord) -> dict[str, Any]:
    return {
        key: value
        for key, value in record.__dict__.items()
        if key not in _STANDARD_ATTRIBUTES and not key.startswith("_")
    }


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        """Return the record as a JSON line, secrets redacted."""
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(_extra_fields(record))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return redact(json.dumps(entry, default=str, ensure_ascii=False))


class TextFormatter(logging.Formatter):
    """Formats a record as readable text, `extra=` fields as key=value."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s")

    # The name is logging's own: this overrides it (hence no N802).
    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802
        """Return the line without its traceback, extra fields appended."""
        line = super().formatMessage(record)
        extras = " ".join(f"{k}={v}" for k, v in _extra_fields(record).items())
        return f"{line} {extras}" if extras else line

    def format(self, record: logging.LogRecord) -> str:
        """Return the record as text, secrets redacted."""
        return redact(super().format(record))


def configure_logging(
    level: str = "INFO", *, stream: TextIO | None = None, json_lines: bool | None = None
) -> None:
    """Set up the root logger once, for the process's entrypoint."""
    stream = stream or sys.stderr
    if json_lines is None:
        json_lines = not stream.isatty()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter() if json_lines else TextFormatter())
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # The NATS client logs every reconnect attempt at error level; the bus
    # module reports connection changes itself, once each.
    logging.getLogger("nats").setLevel(logging.CRITICAL)
