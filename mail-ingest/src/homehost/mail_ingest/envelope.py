"""Which envelope addresses mail-ingest takes a message for.

The check is deliberately loose about what real senders write (dots in a
row, quoted local parts, odd characters are Dovecot's to judge) and strict
about what could change the meaning of a command line on the way to
Dovecot or overflow what is kept: control characters (a CR or LF would
start a new LMTP command), angle brackets, whitespace outside a quoted
local part (no RFC 5321 path holds it, and the LMTP client would file the
message under the null sender instead), and lengths past RFC 5321's.
"""

from __future__ import annotations

import re

from homehost.mail_ingest.signing import Envelope

# RFC 5321 4.5.3.1.3: a path is at most 256 octets, angle brackets included.
MAX_ADDRESS_LENGTH = 254
# RFC 5321 4.5.3.1.8: the fewest recipients a server must take at once.
MAX_RECIPIENTS = 100


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# RFC 5321 4.1.2: a quoted string, where a backslash escapes the next character.
_QUOTED_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def has_control_character(text: str) -> bool:
    """Whether `text` holds a C0 control character or DEL (a CR, LF, NUL...)."""
    return _CONTROL.search(text) is not None


def address_problem(address: str) -> str | None:
    """Why `address` cannot be an envelope address, or None when it can."""
    if len(address) > MAX_ADDRESS_LENGTH:
        return f"is longer than {MAX_ADDRESS_LENGTH} characters"
    if has_control_character(address):
        return "holds a control character"
    if "<" in address or ">" in address:
        return "holds an angle bracket"
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        return "is not an address of the form local@domain"
    # RFC 5321 allows a space, and a quote, only inside a quoted local part
    # ("a b"@x); a stray quote would leave the address for Dovecot to refuse
    # after the sender heard yes.
    quoted = _QUOTED_STRING.fullmatch(local) is not None
    unquoted = domain if quoted else address
    if any(character.isspace() for character in unquoted):
        return "holds a space"
    if '"' in unquoted:
        return "holds a quote outside a quoted local part"
    return None


def envelope_problems(envelope: Envelope) -> list[dict[str, str]]:
    """Every field of the envelope that cannot be taken, with the reason.

    An empty sender is the null sender of bounces and is fine; an empty
    recipient is not.
    """
    problems = []
    if envelope.sender:
        reason = address_problem(envelope.sender)
        if reason is not None:
            problems.append({"field": "envelope.from", "message": reason})
    if not envelope.recipients:
        problems.append(
            {"field": "envelope.to", "message": "needs at least one recipient"}
        )
    if len(envelope.recipients) > MAX_RECIPIENTS:
        problems.append(
            {
                "field": "envelope.to",
                "message": f"has more than {MAX_RECIPIENTS} recipients",
            }
        )
        return problems
    for index, recipient in enumerate(envelope.recipients):
        reason = "is empty" if not recipient else address_problem(recipient)
        if reason is not None:
            problems.append({"field": f"envelope.to[{index}]", "message": reason})
    return problems
