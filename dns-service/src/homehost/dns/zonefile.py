"""Zone files: YAML (homehost's own form) and BIND (RFC 1035 master files).

Both turn into `RecordSpec`s, which then go through the same checks and
plan as any other desired record set. BIND has no place for Cloudflare's
proxied flag; as Cloudflare's own export does, it travels in a comment,
`; cf_tags=cf-proxied:true`.
"""

from __future__ import annotations

import re
from typing import Any

import yaml  # type: ignore[import-untyped]  # PyYAML ships no type information.
from pydantic import ValidationError

import dns.exception
import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rdtypes.ANY.TXT
import dns.zone
from homehost.dns.records import ExistingRecord, Ownership, split_txt, txt_value
from homehost.dns.schemas import RECORD_TYPES, RecordSpec

_PROXIED_MARK = "cf-proxied:true"


class ZoneFileError(ValueError):
    """A zone file that cannot be read; `line` is where, when known."""

    def __init__(self, message: str, *, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


# Export.


def _relative(name: str, zone: str) -> str:
    if name == zone:
        return "@"
    return name.removesuffix(f".{zone}")


def to_yaml(zone: str, records: list[ExistingRecord], ownership: Ownership) -> str:
    """A zone as YAML: relative names, every attribute homehost manages."""
    items: list[dict[str, Any]] = []
    for record in sorted(records, key=lambda r: (r.name, r.type, r.content)):
        item: dict[str, Any] = {
            "type": record.type,
            "name": _relative(record.name, zone),
            "content": _content_for_spec(record),
            "ttl": record.ttl,
        }
        if record.proxied:
            item["proxied"] = True
        if record.priority is not None:
            item["priority"] = record.priority
        comment = ownership.user_comment(record.comment)
        if comment:
            item["comment"] = comment
        tags = [t for t in record.tags if t != ownership.tag]
        if tags:
            item["tags"] = tags
        items.append(item)
    document = {"zone": zone, "records": items}
    return str(
        yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=1000)
    )


def _content_for_spec(record: ExistingRecord) -> str:
    if record.type == "TXT":
        # The value itself, however Cloudflare showed it.
        return txt_value(record.content)
    return record.content


def to_bind(zone: str, records: list[ExistingRecord]) -> str:
    """A zone as a BIND master file; proxied records carry Cloudflare's mark."""
    lines = [f"$ORIGIN {zone}.", ""]
    for record in sorted(records, key=lambda r: (r.name, r.type, r.content)):
        rdata = _rdata_text(record)
        if rdata is None:
            continue
        line = f"{record.name}.\t{record.ttl}\tIN\t{record.type}\t{rdata}"
        if record.proxied:
            line += f" ; cf_tags={_PROXIED_MARK}"
        lines.append(line)
    return "\n".join(lines) + "\n"


def _rdata_text(record: ExistingRecord) -> str | None:
    if record.type == "TXT":
        parts = split_txt(txt_value(record.content))
        txt = dns.rdtypes.ANY.TXT.TXT(
            dns.rdataclass.IN, dns.rdatatype.TXT, [p.encode() for p in parts]
        )
        return txt.to_text()
    if record.type in ("CNAME",):
        return f"{record.content}."
    if record.type == "MX":
        return f"{record.priority or 0} {record.content}."
    if record.type == "SRV":
        weight, port, target = record.content.split()
        return f"{record.priority or 0} {weight} {port} {target.rstrip('.')}."
    if record.type in ("A", "AAAA", "CAA"):
        return record.content
    return None


# Import.


def from_yaml(text: str, *, zone: str) -> list[RecordSpec]:
    """Records from homehost's YAML form; raises ZoneFileError naming the item."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        line = None
        mark = getattr(exc, "problem_mark", None)
        if mark is not None:
            line = int(mark.line) + 1
        raise ZoneFileError(f"not valid YAML: {exc}", line=line) from exc
    if not isinstance(document, dict) or not isinstance(document.get("records"), list):
        raise ZoneFileError("a zone file is a mapping with a `records` list")
    named = str(document.get("zone") or zone).rstrip(".").lower()
    if named != zone:
        raise ZoneFileError(f"the file is for zone {named}, not {zone}")
    specs: list[RecordSpec] = []
    for index, item in enumerate(document["records"]):
        if not isinstance(item, dict):
            raise ZoneFileError(f"records[{index}] is not a mapping")
        try:
            specs.append(RecordSpec.model_validate(item))
        except ValidationError as exc:
            problem = exc.errors(include_url=False)[0]
            where = ".".join(str(p) for p in problem["loc"])
            raise ZoneFileError(f"records[{index}].{where}: {problem['msg']}") from exc
    return specs


def from_bind(text: str, *, zone: str) -> list[RecordSpec]:
    """Records from a BIND master file; types homehost does not manage are skipped."""
    proxied = _proxied_owners(text, zone=zone)
    try:
        parsed = dns.zone.from_text(
            text, origin=f"{zone}.", relativize=False, check_origin=False
        )
    except dns.exception.DNSException as exc:
        line = getattr(exc, "line_number", None)
        raise ZoneFileError(f"not a valid zone file: {exc}", line=line) from exc
    specs: list[RecordSpec] = []
    for owner, rdataset in parsed.iterate_rdatasets():
        record_type = dns.rdatatype.to_text(rdataset.rdtype)
        if record_type not in RECORD_TYPES:
            continue
        name = owner.to_text(omit_final_dot=True).lower()
        for rdata in rdataset:
            specs.append(
                _spec_from_rdata(
                    name,
                    record_type,
                    rdata,
                    ttl=rdataset.ttl,
                    proxied=(name, record_type) in proxied,
                )
            )
    return specs


def _spec_from_rdata(
    name: str, record_type: str, rdata: dns.rdata.Rdata, *, ttl: int, proxied: bool
) -> RecordSpec:
    priority: int | None = None
    if record_type == "TXT":
        content = b"".join(rdata.strings).decode(errors="replace")  # type: ignore[attr-defined]  # TXT rdata has strings.
    elif record_type == "MX":
        priority = int(rdata.preference)  # type: ignore[attr-defined]  # MX rdata.
        content = rdata.exchange.to_text(omit_final_dot=True)  # type: ignore[attr-defined]  # MX rdata.
    elif record_type == "SRV":
        priority = int(rdata.priority)  # type: ignore[attr-defined]  # SRV rdata.
        target = rdata.target.to_text(omit_final_dot=True)  # type: ignore[attr-defined]  # SRV rdata.
        content = f"{rdata.weight} {rdata.port} {target}"  # type: ignore[attr-defined]  # SRV rdata.
    elif record_type == "CNAME":
        content = rdata.target.to_text(omit_final_dot=True)  # type: ignore[attr-defined]  # CNAME rdata.
    else:
        content = rdata.to_text()
    return RecordSpec(
        type=record_type,
        name=name,
        content=content,
        ttl=ttl if ttl >= 1 else 1,
        proxied=proxied,
        priority=priority,
    )


def _proxied_owners(text: str, *, zone: str) -> set[tuple[str, str]]:
    """(name, type) of every line that carries Cloudflare's proxied mark."""
    marked: set[tuple[str, str]] = set()
    for line in text.splitlines():
        if _PROXIED_MARK not in line:
            continue
        fields = line.split(";", 1)[0].split()
        if len(fields) < 3:
            continue
        owner = fields[0].rstrip(".").lower()
        if owner == "@":
            owner = zone
        elif owner != zone and not owner.endswith(f".{zone}"):
            owner = f"{owner}.{zone}"
        record_type = next(
            (f.upper() for f in fields[1:] if f.upper() in RECORD_TYPES), ""
        )
        if record_type and re.fullmatch(r"[a-z0-9_.*-]+", owner):
            marked.add((owner, record_type))
    return marked
