"""From a desired record set and the zone as it is, to a plan.

A plan says, record by record, what applying would do: create, update,
delete, leave unchanged, or keep (a record homehost does not own and will
not delete). It is checked as a whole before anything is sent: a CNAME
beside other records, a proxied mail host, two SPF policies, a broken SPF
or DMARC policy are refused here, each naming the request field.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal

from homehost.dns.mailcheck import ZoneResolver, check_dmarc, check_spf, presentation
from homehost.dns.records import (
    DesiredRecord,
    ExistingRecord,
    Ownership,
    Problem,
    content_key,
)

Action = Literal["create", "update", "delete", "unchanged", "kept"]


@dataclass(frozen=True)
class Change:
    """One line of a plan: what happens to one record."""

    action: Action
    desired: DesiredRecord | None = None
    existing: ExistingRecord | None = None
    changed_fields: tuple[str, ...] = ()
    reason: str = ""

    @property
    def type(self) -> str:
        """The record's type."""
        record = self.desired or self.existing
        assert record is not None  # noqa: S101 - every change has one of them.
        return record.type

    @property
    def name(self) -> str:
        """The record's name."""
        record = self.desired or self.existing
        assert record is not None  # noqa: S101 - every change has one of them.
        return record.name


@dataclass
class ZonePlan:
    """A whole plan for one zone."""

    zone: str
    zone_id: str
    existing_count: int
    changes: list[Change]
    warnings: list[str] = field(default_factory=list)

    def of(self, action: Action) -> list[Change]:
        """The changes with one action."""
        return [change for change in self.changes if change.action == action]

    @property
    def touched(self) -> int:
        """How many existing records the plan changes or deletes."""
        return len(self.of("update")) + len(self.of("delete"))

    @property
    def has_changes(self) -> bool:
        """Whether applying would send anything."""
        return any(c.action in ("create", "update", "delete") for c in self.changes)

    def exceeds_cap(self, *, share: float, min_records: int) -> bool:
        """Whether the plan touches more of the zone than `share` allows."""
        if self.existing_count < max(min_records, 1):
            return False
        return self.touched > share * self.existing_count

    def fingerprint(self) -> str:
        """A digest of every change, to pin a previewed plan to its apply."""
        lines = [
            [
                change.action,
                change.existing.id if change.existing else "",
                _desired_fields(change.desired) if change.desired else [],
            ]
            for change in self.changes
            if change.action in ("create", "update", "delete")
        ]
        digest = hashlib.sha256(json.dumps(lines, sort_keys=True).encode())
        return digest.hexdigest()


def _desired_fields(record: DesiredRecord) -> list[object]:
    return [
        record.type,
        record.name,
        record.content,
        record.ttl,
        record.proxied,
        record.priority,
        record.comment,
        list(record.tags),
    ]


def differences(existing: ExistingRecord, desired: DesiredRecord) -> tuple[str, ...]:
    """The fields in which a record at Cloudflare differs from the desired one."""
    changed = []
    if content_key(existing.type, existing.content) != desired.content:
        changed.append("content")
    if existing.priority != desired.priority and desired.type in ("MX", "SRV"):
        changed.append("priority")
    if existing.ttl != desired.ttl:
        changed.append("ttl")
    if existing.proxied != desired.proxied:
        changed.append("proxied")
    if existing.comment != desired.comment:
        changed.append("comment")
    if tuple(sorted(existing.tags)) != desired.tags:
        changed.append("tags")
    return tuple(changed)


def _txt_kind(content: str) -> str:
    lowered = content.lower()
    for kind in ("v=spf1", "v=dmarc1", "v=dkim1"):
        if lowered.startswith(kind):
            return kind
    return ""


def make_plan(
    *,
    zone: str,
    zone_id: str,
    existing: list[ExistingRecord],
    desired: list[DesiredRecord],
    ownership: Ownership,
    scope: Literal["zone", "names"],
    delete_unowned: bool,
    also_in_scope: Callable[[ExistingRecord], bool] | None = None,
) -> ZonePlan:
    """Match desired records to existing ones and decide what each needs."""
    desired_by_rrset: dict[tuple[str, str], list[DesiredRecord]] = defaultdict(list)
    for wanted_record in desired:
        desired_by_rrset[wanted_record.rrset].append(wanted_record)
    existing_by_rrset: dict[tuple[str, str], list[ExistingRecord]] = defaultdict(list)
    for present_record in existing:
        existing_by_rrset[(present_record.name, present_record.type)].append(
            present_record
        )

    changes: list[Change] = []
    for rrset, wanted in desired_by_rrset.items():
        changes.extend(
            _plan_rrset(
                wanted,
                list(existing_by_rrset.get(rrset, [])),
                ownership=ownership,
                delete_unowned=delete_unowned,
            )
        )

    for rrset, present in existing_by_rrset.items():
        if rrset in desired_by_rrset:
            continue
        for other in present:
            in_scope = scope == "zone" or (
                also_in_scope is not None and also_in_scope(other)
            )
            if not in_scope:
                continue
            changes.append(_retire(other, ownership, delete_unowned))

    changes.sort(key=lambda c: (c.name, c.type, c.action))
    return ZonePlan(
        zone=zone, zone_id=zone_id, existing_count=len(existing), changes=changes
    )


def _retire(
    record: ExistingRecord, ownership: Ownership, delete_unowned: bool
) -> Change:
    if ownership.owns(record) or delete_unowned:
        return Change("delete", existing=record)
    return Change(
        "kept",
        existing=record,
        reason="homehost does not own it; delete_unowned would delete it",
    )


def _plan_rrset(
    wanted: list[DesiredRecord],
    present: list[ExistingRecord],
    *,
    ownership: Ownership,
    delete_unowned: bool,
) -> list[Change]:
    changes: list[Change] = []
    # Owned records first, so that a match prefers homehost's own record.
    present.sort(key=lambda r: (not ownership.owns(r), r.id))
    unmatched: list[DesiredRecord] = []
    for record in wanted:
        match = next(
            (
                e
                for e in present
                if content_key(e.type, e.content) == record.content
                and (record.type not in ("MX", "SRV") or e.priority == record.priority)
            ),
            None,
        )
        if match is None:
            unmatched.append(record)
            continue
        present.remove(match)
        changes.append(_compare(match, record))

    still_unmatched: list[DesiredRecord] = []
    for record in unmatched:
        match = next((e for e in present if _may_take_over(e, record, ownership)), None)
        if match is None:
            still_unmatched.append(record)
            continue
        present.remove(match)
        changes.append(_compare(match, record))

    changes.extend(Change("create", desired=record) for record in still_unmatched)
    changes.extend(_retire(record, ownership, delete_unowned) for record in present)
    return changes


def _may_take_over(
    existing: ExistingRecord, desired: DesiredRecord, ownership: Ownership
) -> bool:
    # A TXT name holds unrelated values side by side (site verifications,
    # SPF, DKIM): only homehost's own or one of the same kind is rewritten.
    if desired.type != "TXT" or ownership.owns(existing):
        return True
    kind = _txt_kind(desired.content)
    return bool(kind) and _txt_kind(existing.content) == kind


def _compare(existing: ExistingRecord, desired: DesiredRecord) -> Change:
    changed = differences(existing, desired)
    if not changed:
        return Change("unchanged", desired=desired, existing=existing)
    return Change("update", desired=desired, existing=existing, changed_fields=changed)


# Checking the zone as it would be.


@dataclass(frozen=True)
class _Result:
    type: str
    name: str
    content: str
    proxied: bool
    priority: int | None
    index: int | None  # The request slot, for records the request asks for.


def resulting_records(
    plan: ZonePlan, existing: Iterable[ExistingRecord]
) -> list[_Result]:
    """The zone's records as they would be after the plan."""
    replaced = {
        change.existing.id
        for change in plan.changes
        if change.existing is not None and change.action in ("update", "delete")
    }
    asked = {
        change.existing.id: change.desired.index
        for change in plan.changes
        if change.existing is not None
        and change.desired is not None
        and change.action == "unchanged"
    }
    result = [
        _Result(
            e.type,
            e.name,
            content_key(e.type, e.content),
            e.proxied,
            e.priority,
            asked.get(e.id),
        )
        for e in existing
        if e.id not in replaced
    ]
    result.extend(
        _Result(d.type, d.name, d.content, d.proxied, d.priority, d.index)
        for change in plan.changes
        if change.action in ("create", "update") and (d := change.desired) is not None
    )
    return result


def check_result(
    plan: ZonePlan, existing: Iterable[ExistingRecord]
) -> tuple[list[Problem], list[str]]:
    """Check the zone as the plan would leave it; return problems and warnings."""
    result = resulting_records(plan, existing)
    problems: list[Problem] = []
    warnings: list[str] = []
    by_name: dict[str, list[_Result]] = defaultdict(list)
    for record in result:
        by_name[record.name].append(record)

    for name, records in by_name.items():
        cnames = [r for r in records if r.type == "CNAME"]
        if not cnames or len(records) == 1:
            continue
        others = [r for r in records if r is not cnames[0]]
        for record in records:
            if record.index is None:
                continue
            if record.type == "CNAME":
                kinds = ", ".join(sorted({o.type for o in others}))
                problems.append(
                    Problem(
                        f"records[{record.index}].type",
                        f"a CNAME cannot share its name with other records; {name} "
                        f"also has {kinds}",
                    )
                )
            else:
                problems.append(
                    Problem(
                        f"records[{record.index}].name",
                        f"{name} has a CNAME record; no other record may share "
                        "its name",
                    )
                )

    mail_hosts = {r.content for r in result if r.type == "MX"}
    for record in result:
        if record.name in mail_hosts and record.proxied:
            message = (
                f"{record.name} is the target of an MX record; mail must reach it "
                "directly, so it must be DNS-only (proxied: false)"
            )
            if record.index is not None:
                problems.append(Problem(f"records[{record.index}].proxied", message))
            else:
                warnings.append(message)

    resolver = ZoneResolver(
        zone=plan.zone,
        records=[
            (r.name, r.type, value)
            for r in result
            if (value := presentation(r.type, r.content, r.priority)) is not None
        ],
    )
    for name, records in by_name.items():
        spf = [
            r for r in records if r.type == "TXT" and _txt_kind(r.content) == "v=spf1"
        ]
        if len(spf) > 1:
            for record in spf:
                if record.index is not None:
                    problems.append(
                        Problem(
                            f"records[{record.index}].content",
                            f"{name} would have {len(spf)} SPF policies; a name "
                            "may have only one (RFC 7208 section 3.2)",
                        )
                    )
        for record in records:
            if record.index is None or record.type != "TXT":
                continue
            kind = _txt_kind(record.content)
            try:
                if kind == "v=spf1":
                    warnings.extend(
                        check_spf(record.content, name=name, resolver=resolver)
                    )
                elif kind == "v=dmarc1" or name.startswith("_dmarc."):
                    if not name.startswith("_dmarc."):
                        raise ValueError("a DMARC policy belongs at _dmarc.<domain>")
                    warnings.extend(
                        check_dmarc(record.content, name=name, resolver=resolver)
                    )
            except ValueError as exc:
                problems.append(Problem(f"records[{record.index}].content", str(exc)))
    return problems, warnings
