"""A bounded look at a message's MIME structure, never a re-serialisation.

The message is walked line by line from the spool: each part's header
block is parsed on its own (Python's `compat32` policy, which never
raises on 8-bit bytes), boundaries are tracked on a stack, and the walk
stops at a depth or part-count limit instead of recursing. It yields the
attachment names (RFC 2231 continuations joined, RFC 2047 words decoded)
and the decoded Subject and From for display; the message itself is
never rebuilt from what was parsed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from email import policy
from email.header import Header, decode_header, make_header
from email.message import Message
from email.parser import BytesHeaderParser
from email.utils import collapse_rfc2231_value
from pathlib import Path

logger = logging.getLogger(__name__)

# A part's header block larger than this is not parsed (nor kept).
MAX_HEADER_BYTES = 256 * 1024
# Lines are read at most this long; boundary lines are far shorter.
MAX_LINE_BYTES = 64 * 1024

_PARSER = BytesHeaderParser(policy=policy.compat32)


@dataclass
class MimeReport:
    """What the walk found; `limit` says why it stopped early, if it did."""

    parts: int = 0
    depth: int = 0
    attachment_names: list[str] = field(default_factory=list)
    subject: str = ""
    header_from: str = ""
    limit: str | None = None


def display_text(value: object) -> str:
    """A header value for people: encoded words decoded, raw 8-bit as UTF-8."""
    if value is None:
        return ""
    try:
        if isinstance(value, Header):
            # compat32 wraps a value holding raw 8-bit bytes in a Header.
            text = "".join(
                _decode_chunk(chunk, charset) for chunk, charset in decode_header(value)
            )
        else:
            # compat32 keeps undecodable bytes as surrogates: UTF-8, mostly.
            text = (
                str(value).encode("utf-8", "surrogateescape").decode("utf-8", "replace")
            )
            if "=?" in text:
                text = str(make_header(decode_header(text)))
    except (ValueError, LookupError, UnicodeError, TypeError):
        # Malformed words are shown as they came; display is best effort.
        text = str(value).encode("utf-8", "replace").decode("utf-8", "replace")
    return " ".join(text.split())


def _decode_chunk(chunk: bytes | str, charset: str | None) -> str:
    if isinstance(chunk, str):
        return chunk
    if charset in (None, "unknown-8bit"):
        charset = "utf-8"
    return chunk.decode(charset, "replace")


def attachment_names(part: Message) -> list[str]:
    """Every name a part carries: `filename` of the disposition, `name` of the type."""
    names: list[str] = []
    candidates: list[object] = [part.get_filename()]
    name = part.get_param("name")
    candidates.append(collapse_rfc2231_value(name) if name is not None else None)
    for candidate in candidates:
        if not isinstance(candidate, str) or not candidate:
            continue
        text = display_text(candidate)
        if text and text not in names:
            names.append(text)
    return names


def blocked_names(names: list[str], extensions: list[str]) -> list[str]:
    """The names whose last extension is in `extensions` (any case, trailing dots)."""
    blocked = {extension.lower().lstrip(".") for extension in extensions}
    found = []
    for name in names:
        cleaned = name.strip().rstrip(". ").lower()
        if "." in cleaned and cleaned.rsplit(".", 1)[1] in blocked:
            found.append(name)
    return found


def walk(path: Path, *, max_depth: int, max_parts: int) -> MimeReport:
    """Walk the spooled message at `path` within the limits."""
    report = MimeReport()
    boundaries: list[bytes] = []
    header = bytearray()
    in_headers = True
    at_line_start = True
    top_level = True
    with path.open("rb") as file:
        while line := file.readline(MAX_LINE_BYTES):
            starts_line = at_line_start
            at_line_start = line.endswith(b"\n")
            if in_headers:
                if starts_line and line in (b"\r\n", b"\n"):
                    in_headers = False
                    report.parts += 1
                    if report.parts > max_parts:
                        report.limit = f"more than {max_parts} MIME parts"
                        return report
                    part = _PARSER.parsebytes(bytes(header))
                    header.clear()
                    if top_level:
                        report.subject = display_text(part.get("Subject"))
                        report.header_from = display_text(part.get("From"))
                        top_level = False
                    report.attachment_names.extend(
                        name
                        for name in attachment_names(part)
                        if name not in report.attachment_names
                    )
                    boundary = (
                        part.get_boundary()
                        if part.get_content_maintype() == "multipart"
                        else None
                    )
                    if boundary:
                        boundaries.append(boundary.encode("ascii", "surrogateescape"))
                        report.depth = max(report.depth, len(boundaries))
                        if len(boundaries) > max_depth:
                            report.limit = f"MIME nesting deeper than {max_depth}"
                            return report
                    elif part.get_content_type() == "message/rfc822":
                        in_headers = True
                elif len(header) + len(line) <= MAX_HEADER_BYTES:
                    header += line
                continue
            if not boundaries:
                # A body outside any multipart holds no further parts.
                break
            if not (starts_line and line.startswith(b"--")):
                continue
            marker = line.rstrip(b"\r\n \t")
            for index in range(len(boundaries) - 1, -1, -1):
                if marker == b"--" + boundaries[index] + b"--":
                    del boundaries[index:]
                    break
                if marker == b"--" + boundaries[index]:
                    del boundaries[index + 1 :]
                    in_headers = True
                    break
    if in_headers and header and top_level:
        # A message that is headers only, without the blank line.
        part = _PARSER.parsebytes(bytes(header))
        report.subject = display_text(part.get("Subject"))
        report.header_from = display_text(part.get("From"))
        report.parts += 1
    return report
