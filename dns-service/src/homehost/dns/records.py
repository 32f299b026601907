"""Records as homehost reasons about them: normalised, compared, checked.

Everything here runs before any call to Cloudflare. Every equivalent way
of writing a value normalises to one form (a TXT value given raw, quoted,
or split into 255-octet strings is the same value), so a record that is
already right compares equal and is never written again.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import dns.exception
import dns.name
from homehost.dns.schemas import RecordSpec

PROXIABLE = frozenset({"A", "AAAA", "CNAME"})
AUTOMATIC_TTL = 1
# Cloudflare: "Must be between 60 and 86400, or 1 for 'automatic'"
# (https://developers.cloudflare.com/api/resources/dns/subresources/records/).
MIN_TTL, MAX_TTL = 60, 86400
# A TXT character-string holds at most 255 octets (RFC 1035 section 3.3).
TXT_STRING_OCTETS = 255
# Cloudflare refuses TXT content longer than this.
TXT_CONTENT_LIMIT = 2048

_LABEL = re.compile(r"^(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)$")
_CAA_TAGS = frozenset({"issue", "issuewild", "iodef", "issuemail", "issuevmc"})


@dataclass(frozen=True)
class Problem:
    """One field that is wrong, and why."""

    field: str
    message: str

    def as_dict(self) -> dict[str, str]:
        """The problem as it travels in an error's details."""
        return {"field": self.field, "message": self.message}


@dataclass(frozen=True)
class DesiredRecord:
    """A record as it must be at Cloudflare, normalised; `index` is its request slot."""

    index: int
    type: str
    name: str
    content: str
    ttl: int
    proxied: bool
    priority: int | None
    comment: str
    tags: tuple[str, ...]

    @property
    def rrset(self) -> tuple[str, str]:
        """The name and type this record shares with its siblings."""
        return (self.name, self.type)


@dataclass(frozen=True)
class ExistingRecord:
    """A record as Cloudflare holds it."""

    id: str
    type: str
    name: str
    content: str
    ttl: int
    proxied: bool
    priority: int | None = None
    comment: str = ""
    tags: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Ownership:
    """How homehost marks the records it owns: a comment prefix, a tag, or both."""

    comment: str
    tag: str = ""

    def owns(self, record: ExistingRecord) -> bool:
        """Whether `record` carries homehost's mark."""
        if self.tag and self.tag in record.tags:
            return True
        return record.comment == self.comment or record.comment.startswith(
            f"{self.comment}: "
        )

    def comment_for(self, user_comment: str) -> str:
        """The comment stored at Cloudflare: the mark, then the user's words."""
        return f"{self.comment}: {user_comment}" if user_comment else self.comment

    def user_comment(self, stored: str) -> str:
        """The user's part of a stored comment."""
        if stored == self.comment:
            return ""
        return stored.removeprefix(f"{self.comment}: ")

    def tags_for(self, user_tags: Iterable[str]) -> tuple[str, ...]:
        """The tags stored at Cloudflare: the user's, plus the mark if any."""
        tags = set(user_tags)
        if self.tag:
            tags.add(self.tag)
        return tuple(sorted(tags))


# Names.


def normalise_zone(value: str) -> str:
    """A zone name in lower-case ASCII without the trailing dot."""
    return value.strip().rstrip(".").lower()


def normalise_name(value: str, *, zone: str) -> str:
    """A record name, fully qualified inside `zone`; relative names are completed.

    Raises ValueError with the reason when the name is not a valid host name.
    """
    text = value.strip().lower()
    if text in ("", "@"):
        return zone
    text = text.rstrip(".")
    try:
        ascii_name = dns.name.from_unicode(text).to_text(omit_final_dot=True)
    except (dns.exception.DNSException, UnicodeError) as exc:
        raise ValueError(f"{value!r} is not a valid DNS name ({exc})") from exc
    ascii_name = ascii_name.lower()
    if ascii_name != zone and not ascii_name.endswith(f".{zone}"):
        ascii_name = f"{ascii_name}.{zone}"
    _check_labels(ascii_name, allow_wildcard=True)
    return ascii_name


def normalise_target(value: str) -> str:
    """A host name a CNAME, MX or SRV record points at (always fully qualified)."""
    text = value.strip().lower().rstrip(".")
    if not text:
        raise ValueError("a host name is required")
    try:
        ipaddress.ip_address(text)
    except ValueError:
        pass
    else:
        raise ValueError(f"{value} is an IP address; a host name is required here")
    try:
        ascii_name = dns.name.from_unicode(text).to_text(omit_final_dot=True)
    except (dns.exception.DNSException, UnicodeError) as exc:
        raise ValueError(f"{value!r} is not a valid host name ({exc})") from exc
    _check_labels(ascii_name.lower(), allow_wildcard=False)
    if "." not in ascii_name:
        raise ValueError(f"{value!r} is not fully qualified")
    return ascii_name.lower()


def _check_labels(name: str, *, allow_wildcard: bool) -> None:
    if len(name) > 253:
        raise ValueError("a DNS name has at most 253 characters")
    labels = name.split(".")
    for position, label in enumerate(labels):
        if label == "*" and allow_wildcard and position == 0:
            continue
        if not label:
            raise ValueError(f"{name!r} has an empty label")
        if len(label) > 63:
            raise ValueError(f"label {label!r} is longer than 63 characters")
        if not _LABEL.match(label):
            raise ValueError(
                f"label {label!r} may hold only letters, digits, '-' and '_', "
                "and may not start or end with '-'"
            )


# TXT values.


def txt_strings(content: str) -> list[bytes]:
    """The character-strings a TXT content stands for.

    Content that starts with a double quote is read as quoted strings
    (`"a" "b"`, `"a""b"`, with backslash escapes); anything else is one raw
    value. Raises ValueError for an unterminated quote.
    """
    text = content.strip()
    if not text.startswith('"'):
        return [content.encode()]
    strings: list[bytes] = []
    position = 0
    while position < len(text):
        if text[position] in " \t":
            position += 1
            continue
        if text[position] != '"':
            raise ValueError(
                "quoted TXT content must be only quoted strings; found text "
                f"outside quotes at character {position + 1}"
            )
        position += 1
        current = bytearray()
        while True:
            if position >= len(text):
                raise ValueError("a quoted TXT string is not closed")
            char = text[position]
            if char == "\\":
                escaped, position = _txt_escape(text, position)
                current.extend(escaped)
                continue
            if char == '"':
                position += 1
                break
            current.extend(char.encode())
            position += 1
        strings.append(bytes(current))
    return strings


def _txt_escape(text: str, position: int) -> tuple[bytes, int]:
    digits = text[position + 1 : position + 4]
    if len(digits) == 3 and digits.isascii() and digits.isdigit():
        return bytes([int(digits) % 256]), position + 4
    if position + 1 >= len(text):
        raise ValueError("a TXT string ends with a lone backslash")
    return text[position + 1].encode(), position + 2


def txt_value(content: str) -> str:
    """The one value a TXT content means, however it was quoted or split."""
    return b"".join(txt_strings(content)).decode("utf-8", errors="replace")


def split_txt(value: str) -> list[str]:
    """A TXT value cut into strings of at most 255 octets, as DNS serves it."""
    data = value.encode()
    return [
        data[start : start + TXT_STRING_OCTETS].decode("utf-8", errors="replace")
        for start in range(0, len(data), TXT_STRING_OCTETS)
    ] or [""]


# Content per type.


def normalise_content(record_type: str, content: str) -> str:
    """The canonical form of a record's content; raises ValueError naming why."""
    if record_type == "A":
        return _address(content, ipaddress.IPv4Address, "A", "IPv4")
    if record_type == "AAAA":
        return _address(content, ipaddress.IPv6Address, "AAAA", "IPv6")
    if record_type in ("CNAME", "MX"):
        return normalise_target(content)
    if record_type == "TXT":
        value = txt_value(content)
        if len(value) > TXT_CONTENT_LIMIT:
            raise ValueError(
                f"TXT content has {len(value)} characters; Cloudflare takes at "
                f"most {TXT_CONTENT_LIMIT}"
            )
        return value
    if record_type == "SRV":
        return _srv(content)
    if record_type == "CAA":
        return _caa(content)
    raise ValueError(f"record type {record_type} is not supported")


def _address(
    content: str,
    family: type[ipaddress.IPv4Address] | type[ipaddress.IPv6Address],
    record_type: str,
    family_name: str,
) -> str:
    text = content.strip()
    try:
        address = ipaddress.ip_address(text)
    except ValueError as exc:
        raise ValueError(f"{text!r} is not an IP address") from exc
    if not isinstance(address, family):
        other = "IPv6" if family_name == "IPv4" else "IPv4"
        raise ValueError(
            f"an {record_type} record needs an {family_name} address; {text} is {other}"
        )
    return address.compressed


def _srv(content: str) -> str:
    parts = content.split()
    if len(parts) != 3:
        raise ValueError("SRV content is `weight port target`")
    weight, port, target = parts
    for label, value in (("weight", weight), ("port", port)):
        if not (value.isascii() and value.isdigit()) or int(value) > 65535:
            raise ValueError(f"SRV {label} must be a number from 0 to 65535")
    target_name = "." if target == "." else normalise_target(target)
    return f"{int(weight)} {int(port)} {target_name}"


def _caa(content: str) -> str:
    match = re.fullmatch(r'\s*(\d{1,3})\s+([A-Za-z0-9]+)\s+"?([^"]*)"?\s*', content)
    if match is None:
        raise ValueError('CAA content is `flags tag "value"`')
    flags, tag, value = int(match.group(1)), match.group(2).lower(), match.group(3)
    if flags > 255:
        raise ValueError("CAA flags must be from 0 to 255")
    if tag not in _CAA_TAGS:
        raise ValueError(f"CAA tag must be one of {', '.join(sorted(_CAA_TAGS))}")
    return f'{flags} {tag} "{value}"'


def content_key(record_type: str, content: str) -> str:
    """What identifies a record's value when comparing; lenient on odd input."""
    try:
        return normalise_content(record_type, content)
    except ValueError:
        return content.strip()


# Mail-specific checks, offline.


def check_dkim(value: str) -> None:
    """Refuse a DKIM key record that no verifier could use."""
    if '"' in value:
        raise ValueError(
            "a DKIM value must not contain quote characters; give the value raw "
            "or as quoted strings, not both"
        )
    tags: dict[str, str] = {}
    for part in value.split(";"):
        if not part.strip():
            continue
        name, separator, tag_value = part.partition("=")
        if not separator:
            raise ValueError(f"DKIM tag {part.strip()!r} has no '='")
        tags[name.strip()] = "".join(tag_value.split())
    if "p" not in tags:
        raise ValueError("a DKIM key record needs a p= tag")
    if tags["p"]:
        try:
            base64.b64decode(tags["p"], validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ValueError("the DKIM p= tag is not valid base64") from exc


def records_from_specs(
    specs: list[RecordSpec], *, zone: str, ownership: Ownership, comment_limit: int
) -> tuple[list[DesiredRecord], list[Problem], list[str]]:
    """Normalise and check each record on its own; return records, problems, warnings."""
    desired: list[DesiredRecord] = []
    problems: list[Problem] = []
    warnings: list[str] = []
    for index, spec in enumerate(specs):
        where = f"records[{index}]"
        before = len(problems)
        try:
            name = normalise_name(spec.name, zone=zone)
        except ValueError as exc:
            problems.append(Problem(f"{where}.name", str(exc)))
            name = spec.name
        try:
            content = normalise_content(spec.type, spec.content)
        except ValueError as exc:
            problems.append(Problem(f"{where}.content", str(exc)))
            content = spec.content
        if spec.proxied and spec.type not in PROXIABLE:
            problems.append(
                Problem(
                    f"{where}.proxied",
                    f"{spec.type} records cannot be proxied; only A, AAAA and "
                    "CNAME records can",
                )
            )
        ttl = spec.ttl
        if ttl != AUTOMATIC_TTL and not MIN_TTL <= ttl <= MAX_TTL:
            problems.append(
                Problem(
                    f"{where}.ttl",
                    f"must be 1 (automatic) or from {MIN_TTL} to {MAX_TTL} seconds",
                )
            )
        if spec.proxied and spec.type in PROXIABLE and ttl != AUTOMATIC_TTL:
            warnings.append(
                f"{where}: {spec.type} {name} is proxied, so its TTL is automatic "
                f"(1), not {ttl}"
            )
            ttl = AUTOMATIC_TTL
        priority = spec.priority
        if spec.type in ("MX", "SRV"):
            if priority is None or not 0 <= priority <= 65535:
                problems.append(
                    Problem(
                        f"{where}.priority",
                        f"{spec.type} records need a priority from 0 to 65535",
                    )
                )
        elif priority is not None:
            problems.append(
                Problem(f"{where}.priority", f"{spec.type} records have no priority")
            )
        if spec.type == "SRV" and not name.split(".")[0].startswith("_"):
            problems.append(
                Problem(f"{where}.name", "an SRV name starts with _service._proto")
            )
        comment = ownership.comment_for(spec.comment)
        if len(comment) > comment_limit:
            problems.append(
                Problem(
                    f"{where}.comment",
                    f"at most {comment_limit - len(ownership.comment_for(''))} "
                    "characters fit beside homehost's mark",
                )
            )
        for tag in spec.tags:
            if not re.fullmatch(r"[a-z0-9_-]+:[^\s]+", tag):
                problems.append(Problem(f"{where}.tags", f"{tag!r} is not name:value"))
        if len(problems) == before and spec.type == "TXT":
            problems.extend(_check_mail_txt(name, content, zone=zone, where=where))
        if len(problems) > before:
            continue
        desired.append(
            DesiredRecord(
                index=index,
                type=spec.type,
                name=name,
                content=content,
                ttl=ttl,
                proxied=spec.proxied,
                priority=priority if spec.type in ("MX", "SRV") else None,
                comment=comment,
                tags=ownership.tags_for(spec.tags),
            )
        )

    seen: dict[tuple[str, str, str, int | None], int] = {}
    for record in desired:
        key = (record.type, record.name, record.content, record.priority)
        if key in seen:
            problems.append(
                Problem(
                    f"records[{record.index}]",
                    f"the same {record.type} record as records[{seen[key]}]",
                )
            )
        seen.setdefault(key, record.index)
    return desired, problems, warnings


def _check_mail_txt(name: str, value: str, *, zone: str, where: str) -> list[Problem]:
    # SPF and DMARC are checked against the set as a whole once the plan
    # is known (their lookups may reach other names); DKIM stands alone.
    is_dkim = value.lower().startswith("v=dkim1") or (
        "._domainkey." in f".{name}" and "p=" in value
    )
    if is_dkim:
        try:
            check_dkim(value)
        except ValueError as exc:
            return [Problem(f"{where}.content", str(exc))]
    return []
