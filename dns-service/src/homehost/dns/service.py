"""The dns service's rules: records, plans, batches, mail DNS, Tunnel, edge.

Every change is checked whole before anything is sent to Cloudflare, and
is sent in as few calls as Cloudflare allows: a plan becomes batches of
at most `batch_limit` changes, each all or nothing; if a later batch is
refused, the earlier ones are undone, so an apply changes everything it
planned or nothing. Each change that did happen is published as
`dns.changed` with its diff.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from homehost.dns import __version__
from homehost.dns.adapters.cloudflare import (
    SETTINGS_EDIT,
    SETTINGS_READ,
    SSL_READ,
    WAF_EDIT,
    WAF_READ,
    BatchOutcome,
    CloudflareApi,
    RateLimitWait,
    Zone,
    describe_errors,
    existing_body,
    record_body,
)
from homehost.dns.errors import (
    CloudflareNotConfigured,
    CloudflareRejected,
    FieldProblems,
    NotConfigured,
    NotOwned,
    PermissionMissing,
    PlanOutdated,
    RecordNotFound,
    SafetyCapExceeded,
    ZoneNotFound,
)
from homehost.dns.planning import Change, ZonePlan, check_result, make_plan
from homehost.dns.records import (
    DesiredRecord,
    ExistingRecord,
    Ownership,
    Problem,
    normalise_name,
    normalise_zone,
    records_from_specs,
    txt_value,
)
from homehost.dns.schemas import (
    ApplyRequest,
    ApplyResult,
    CertificateStatus,
    EdgeSecurity,
    EdgeSetting,
    EdgeSettingChange,
    EdgeSettingId,
    MailDnsPlanView,
    MailDomainRef,
    Plan,
    PlanRequest,
    PlanSummary,
    RecordChange,
    RecordCreate,
    RecordDelete,
    RecordDeleted,
    RecordList,
    RecordPublic,
    RecordSpec,
    RecordUpdate,
    SiteRoute,
    ZoneExportRequest,
    ZoneFile,
    ZoneImportRequest,
    ZoneList,
    ZonePublic,
)
from homehost.dns.settings import DnsSettings
from homehost.dns.zonefile import ZoneFileError, from_bind, from_yaml, to_bind, to_yaml
from homehost.shared.bus.connection import Bus
from homehost.shared.bus.events import Event, EventConsumer
from homehost.shared.events.dns import (
    DnsApplyProgress,
    DnsChanged,
    DnsRecordFact,
    DnsRecordUpdate,
)
from homehost.shared.events.mail import MailDkimRotated, MailDomainCreated
from homehost.shared.events.site import SiteCreated
from homehost.shared.runtime import ServiceContext, ServiceDefinition

logger = logging.getLogger(__name__)

EDGE_SETTINGS: dict[EdgeSettingId, tuple[str, ...]] = {
    "ssl": ("off", "flexible", "full", "strict"),
    "always_use_https": ("on", "off"),
    "min_tls_version": ("1.0", "1.1", "1.2", "1.3"),
    "security_level": (
        "off",
        "essentially_off",
        "low",
        "medium",
        "high",
        "under_attack",
    ),
    # WAF managed rules: "on" when the zone's http_request_firewall_managed
    # entry point runs the Cloudflare Managed Ruleset (see _waf_setting).
    "waf": ("on", "off"),
}

# The Cloudflare Managed Ruleset, deployed by a rule that executes it from
# the zone's http_request_firewall_managed entry point ruleset
# (https://developers.cloudflare.com/ruleset-engine/managed-rulesets/deploy-managed-ruleset/).
CLOUDFLARE_MANAGED_RULESET = "efb7b8c949ac4650a09736fc376e9aee"

# A proxied CNAME to a Tunnel points at <tunnel id>.cfargotunnel.com
# (https://developers.cloudflare.com/cloudflare-one/connections/connect-networks/routing-to-tunnel/dns/).
TUNNEL_DOMAIN = "cfargotunnel.com"
CATCH_ALL = {"service": "http_status:404"}


@dataclass
class Dns:
    """What the dns service's rules work with."""

    settings: DnsSettings
    api: CloudflareApi
    publish: Callable[[Event], Awaitable[int]]
    bus: Bus | None = None
    _zone_locks: dict[str, asyncio.Lock] = field(
        default_factory=lambda: defaultdict(asyncio.Lock)
    )
    _writable: dict[tuple[str, str], bool] = field(default_factory=dict)

    @property
    def ownership(self) -> Ownership:
        """How homehost marks its records."""
        return Ownership(
            comment=self.settings.ownership_comment, tag=self.settings.ownership_tag
        )


# Zones.


async def list_zones(*, dns: Dns) -> ZoneList:
    """Every zone the token can see."""
    zones = await dns.api.list_zones()
    return ZoneList(
        zones=[
            ZonePublic(id=z.id, name=z.name, status=z.status, plan=z.plan)
            for z in zones
        ]
    )


async def find_zone(*, dns: Dns, name: str) -> Zone:
    """The zone called `name`, or ZoneNotFound."""
    wanted = normalise_zone(name)
    zones = await dns.api.list_zones(name=wanted)
    for zone in zones:
        if zone.name == wanted:
            return zone
    raise ZoneNotFound(wanted)


async def zone_for_host(*, dns: Dns, hostname: str) -> Zone:
    """The zone a host name belongs to: the longest zone name it ends with."""
    host = normalise_zone(hostname)
    candidates = [
        zone
        for zone in await dns.api.list_zones()
        if host == zone.name or host.endswith(f".{zone.name}")
    ]
    if not candidates:
        raise ZoneNotFound(host)
    return max(candidates, key=lambda zone: len(zone.name))


# Records one at a time.


def _public(record: ExistingRecord, ownership: Ownership) -> RecordPublic:
    return RecordPublic(
        id=record.id,
        type=record.type,
        name=record.name,
        content=txt_value(record.content) if record.type == "TXT" else record.content,
        ttl=record.ttl,
        proxied=record.proxied,
        priority=record.priority,
        comment=record.comment,
        tags=list(record.tags),
        owned=ownership.owns(record),
    )


async def list_records(*, dns: Dns, zone: str) -> RecordList:
    """Every record of a zone, every page of it."""
    found = await find_zone(dns=dns, name=zone)
    records = await dns.api.list_records(found.id)
    return RecordList(
        zone=found.name,
        records=[
            _public(r, dns.ownership)
            for r in sorted(records, key=lambda r: (r.name, r.type, r.content))
        ],
    )


def _checked_single(
    dns: Dns,
    zone: Zone,
    existing: list[ExistingRecord],
    spec: RecordSpec,
    *,
    replacing: ExistingRecord | None,
) -> DesiredRecord:
    desired, problems, _ = records_from_specs(
        [spec],
        zone=zone.name,
        ownership=dns.ownership,
        comment_limit=dns.settings.comment_limit,
    )
    _raise_for(problems, prefix="record")
    record = desired[0]
    change = (
        Change("create", desired=record)
        if replacing is None
        else Change("update", desired=record, existing=replacing)
    )
    plan = ZonePlan(
        zone=zone.name, zone_id=zone.id, existing_count=len(existing), changes=[change]
    )
    problems, _ = check_result(plan, existing)
    _raise_for(problems, prefix="record")
    return record


def _raise_for(problems: list[Problem], *, prefix: str = "") -> None:
    if not problems:
        return
    fields = [p.as_dict() for p in problems]
    if prefix:
        for item in fields:
            item["field"] = item["field"].replace("records[0]", prefix, 1)
    raise FieldProblems(fields)


async def create_record(*, dns: Dns, request: RecordCreate) -> RecordPublic:
    """Add one record, checked against the zone as it is."""
    zone = await find_zone(dns=dns, name=request.zone)
    existing = await dns.api.list_records(zone.id)
    desired = _checked_single(dns, zone, existing, request.record, replacing=None)

    created = await dns.api.create_record(zone.id, desired)
    logger.info("created %s %s in %s", created.type, created.name, zone.name)

    await dns.publish(
        DnsChanged(
            zone=zone.name,
            trigger="api",
            created=[_fact(created)],
            updated=[],
            deleted=[],
        )
    )
    return _public(created, dns.ownership)


async def update_record(*, dns: Dns, request: RecordUpdate) -> RecordPublic:
    """Replace one record with a new version of it; unchanged means no call."""
    zone = await find_zone(dns=dns, name=request.zone)
    existing = await dns.api.list_records(zone.id)
    current = next((r for r in existing if r.id == request.id), None)
    if current is None:
        raise RecordNotFound(
            f"zone {zone.name} has no record {request.id}",
            details={"zone": zone.name, "id": request.id},
        )
    desired = _checked_single(dns, zone, existing, request.record, replacing=current)
    change = make_plan(
        zone=zone.name,
        zone_id=zone.id,
        existing=[current],
        desired=[desired],
        ownership=dns.ownership,
        scope="names",
        delete_unowned=False,
    )
    if not change.has_changes and desired.rrset == (current.name, current.type):
        return _public(current, dns.ownership)

    updated = await dns.api.update_record(zone.id, current.id, desired)
    logger.info("updated %s %s in %s", updated.type, updated.name, zone.name)

    await dns.publish(
        DnsChanged(
            zone=zone.name,
            trigger="api",
            created=[],
            updated=[
                DnsRecordUpdate(
                    before=_fact(current),
                    after=_fact(updated),
                    changed_fields=_changed(current, updated),
                )
            ],
            deleted=[],
        )
    )
    return _public(updated, dns.ownership)


async def delete_record(*, dns: Dns, request: RecordDelete) -> RecordDeleted:
    """Delete one record; one homehost does not own needs `force`."""
    zone = await find_zone(dns=dns, name=request.zone)
    existing = await dns.api.list_records(zone.id)
    current = next((r for r in existing if r.id == request.id), None)
    if current is None:
        raise RecordNotFound(
            f"zone {zone.name} has no record {request.id}",
            details={"zone": zone.name, "id": request.id},
        )
    if not dns.ownership.owns(current) and not request.force:
        raise NotOwned(
            f"{current.type} {current.name} is not homehost's record; delete it "
            "with force if you mean it",
            details={"zone": zone.name, "id": current.id},
        )

    await dns.api.delete_record(zone.id, current.id)
    logger.info("deleted %s %s in %s", current.type, current.name, zone.name)

    await dns.publish(
        DnsChanged(
            zone=zone.name,
            trigger="api",
            created=[],
            updated=[],
            deleted=[_fact(current)],
        )
    )
    return RecordDeleted(zone=zone.name, record=_public(current, dns.ownership))


def _fact(record: ExistingRecord | DesiredRecord) -> DnsRecordFact:
    content = record.content
    if record.type == "TXT":
        content = txt_value(content)
    return DnsRecordFact(
        type=record.type,
        name=record.name,
        content=content,
        ttl=record.ttl,
        proxied=record.proxied,
        priority=record.priority,
    )


def _changed(before: ExistingRecord, after: ExistingRecord) -> list[str]:
    return [
        name
        for name in ("content", "ttl", "proxied", "priority", "comment", "tags")
        if getattr(before, name) != getattr(after, name)
    ]


# Plans.


@dataclass
class Prepared:
    """A checked plan with the zone and records it was made from."""

    zone: Zone
    existing: list[ExistingRecord]
    plan: ZonePlan


async def prepare_plan(
    dns: Dns,
    *,
    zone_name: str,
    specs: list[RecordSpec],
    scope: Literal["zone", "names"],
    delete_unowned: bool,
    also_in_scope: Callable[[ExistingRecord], bool] | None = None,
) -> Prepared:
    """Check a desired record set and plan it against the zone as it is."""
    # Each record is checked on its own before any call to Cloudflare.
    desired, problems, warnings = records_from_specs(
        specs,
        zone=normalise_zone(zone_name),
        ownership=dns.ownership,
        comment_limit=dns.settings.comment_limit,
    )
    _raise_for(problems)
    zone = await find_zone(dns=dns, name=zone_name)
    existing = await dns.api.list_records(zone.id)

    plan = make_plan(
        zone=zone.name,
        zone_id=zone.id,
        existing=existing,
        desired=desired,
        ownership=dns.ownership,
        scope=scope,
        delete_unowned=delete_unowned,
        also_in_scope=also_in_scope,
    )
    problems, result_warnings = check_result(plan, existing)
    _raise_for(problems)
    plan.warnings = warnings + result_warnings
    return Prepared(zone=zone, existing=existing, plan=plan)


def _plan_public(dns: Dns, plan: ZonePlan) -> Plan:
    ownership = dns.ownership
    changes = []
    for change in plan.changes:
        after = None
        if change.desired is not None:
            d = change.desired
            after = RecordSpec(
                type=d.type,
                name=d.name,
                content=d.content,
                ttl=d.ttl,
                proxied=d.proxied,
                priority=d.priority,
                comment=ownership.user_comment(d.comment),
                tags=[t for t in d.tags if t != ownership.tag],
            )
        changes.append(
            RecordChange(
                action=change.action,
                type=change.type,
                name=change.name,
                before=_public(change.existing, ownership) if change.existing else None,
                after=after,
                changed_fields=list(change.changed_fields),
                reason=change.reason,
            )
        )
    summary = PlanSummary(
        create=len(plan.of("create")),
        update=len(plan.of("update")),
        delete=len(plan.of("delete")),
        unchanged=len(plan.of("unchanged")),
        kept=len(plan.of("kept")),
    )
    return Plan(
        zone=plan.zone,
        zone_id=plan.zone_id,
        existing=plan.existing_count,
        changes=changes,
        summary=summary,
        warnings=plan.warnings,
        fingerprint=plan.fingerprint(),
        exceeds_safety_cap=plan.exceeds_cap(
            share=dns.settings.safety_cap_share,
            min_records=dns.settings.safety_cap_min_records,
        ),
    )


async def plan(*, dns: Dns, request: PlanRequest) -> Plan:
    """What applying a desired record set would do; nothing is changed."""
    prepared = await prepare_plan(
        dns,
        zone_name=request.zone,
        specs=request.records,
        scope=request.scope,
        delete_unowned=request.delete_unowned,
    )
    return _plan_public(dns, prepared.plan)


async def apply(
    *,
    dns: Dns,
    request: ApplyRequest,
    trigger: str = "api",
    also_in_scope: Callable[[ExistingRecord], bool] | None = None,
) -> ApplyResult:
    """Apply a desired record set in as few batch calls as the limit allows."""
    async with dns._zone_locks[normalise_zone(request.zone)]:
        prepared = await prepare_plan(
            dns,
            zone_name=request.zone,
            specs=request.records,
            scope=request.scope,
            delete_unowned=request.delete_unowned,
            also_in_scope=also_in_scope,
        )
        zone_plan = prepared.plan
        public = _plan_public(dns, zone_plan)
        if (
            request.fingerprint is not None
            and request.fingerprint != public.fingerprint
        ):
            raise PlanOutdated(
                f"zone {zone_plan.zone} changed since the plan was shown; look at "
                "the new plan before applying",
                details={"zone": zone_plan.zone, "fingerprint": public.fingerprint},
            )
        if public.exceeds_safety_cap and not request.force:
            raise SafetyCapExceeded(
                zone=zone_plan.zone,
                touched=zone_plan.touched,
                existing=zone_plan.existing_count,
                cap=dns.settings.safety_cap_share,
            )
        if not zone_plan.has_changes:
            logger.info("zone %s is already as asked; nothing to apply", zone_plan.zone)
            return ApplyResult(
                plan=public, applied=False, batches=0, rate_limit_waits=0
            )

        batches, waits, created = await _send_batches(dns, zone_plan)

    await dns.publish(_changed_event(zone_plan, created, trigger=trigger))
    return ApplyResult(
        plan=public, applied=True, batches=batches, rate_limit_waits=waits
    )


@dataclass
class _Operation:
    kind: Literal["delete", "patch", "post"]
    change: Change


def _chunks(plan: ZonePlan, limit: int) -> list[list[_Operation]]:
    # Deletes first, then patches, then posts, as Cloudflare runs them inside
    # one batch: a record that replaces a deleted one never lands in an
    # earlier batch than the delete.
    operations = (
        [_Operation("delete", c) for c in plan.of("delete")]
        + [_Operation("patch", c) for c in plan.of("update")]
        + [_Operation("post", c) for c in plan.of("create")]
    )
    return [operations[i : i + limit] for i in range(0, len(operations), limit)]


async def _send_batches(
    dns: Dns, plan: ZonePlan
) -> tuple[int, int, list[ExistingRecord]]:
    chunks = _chunks(plan, dns.settings.batch_limit)
    waits = 0

    async def on_wait(wait: RateLimitWait) -> None:
        nonlocal waits
        waits += 1
        await dns.publish(
            DnsApplyProgress(
                zone=plan.zone,
                stage="rate_limited",
                batch=number,
                batches=len(chunks),
                wait_seconds=wait.seconds,
                attempt=wait.attempt,
            )
        )

    done: list[tuple[list[_Operation], BatchOutcome]] = []
    created: list[ExistingRecord] = []
    number = 0
    for number, chunk in enumerate(chunks, start=1):
        try:
            outcome = await dns.api.batch(
                plan.zone_id,
                deletes=[
                    op.change.existing.id
                    for op in chunk
                    if op.kind == "delete" and op.change.existing is not None
                ],
                patches=[
                    (op.change.existing.id, record_body(op.change.desired))
                    for op in chunk
                    if op.kind == "patch"
                    and op.change.existing is not None
                    and op.change.desired is not None
                ],
                posts=[
                    record_body(op.change.desired)
                    for op in chunk
                    if op.kind == "post" and op.change.desired is not None
                ],
                on_wait=on_wait,
            )
        except CloudflareRejected as exc:
            await _undo(dns, plan, done, failed=number, total=len(chunks))
            raise CloudflareRejected(
                f"Cloudflare refused batch {number} of {len(chunks)} for "
                f"{plan.zone} ({_codes(exc)}); "
                + (f"the {len(done)} batches before it were undone; " if done else "")
                + "nothing was changed",
                errors=exc.errors,
                zone=plan.zone,
                batch=number,
                batches=len(chunks),
            ) from exc
        except Exception:
            await _undo(dns, plan, done, failed=number, total=len(chunks))
            raise
        done.append((chunk, outcome))
        created.extend(outcome.created)
        logger.info(
            "applied batch %d of %d to %s (%d changes)",
            number,
            len(chunks),
            plan.zone,
            len(chunk),
        )
        await dns.publish(
            DnsApplyProgress(
                zone=plan.zone, stage="batch_applied", batch=number, batches=len(chunks)
            )
        )
    return len(chunks), waits, created


def _codes(error: CloudflareRejected) -> str:
    return describe_errors(error.errors)


async def _undo(
    dns: Dns,
    plan: ZonePlan,
    done: list[tuple[list[_Operation], BatchOutcome]],
    *,
    failed: int,
    total: int,
) -> None:
    """Undo applied batches, newest first, so the zone is as it was."""
    for chunk, outcome in reversed(done):
        posted_ids = [record.id for record in outcome.created]
        restores = [
            (op.change.existing.id, existing_body(op.change.existing))
            for op in chunk
            if op.kind == "patch" and op.change.existing is not None
        ]
        recreate = [
            existing_body(op.change.existing)
            for op in chunk
            if op.kind == "delete" and op.change.existing is not None
        ]
        try:
            await dns.api.batch(
                plan.zone_id, deletes=posted_ids, patches=restores, posts=recreate
            )
        except Exception:
            logger.exception(
                "could not undo an applied batch in %s; the zone is partly "
                "changed and needs a look",
                plan.zone,
            )
            raise
    if done:
        logger.warning(
            "batch %d of %d to %s was refused; undid the %d before it",
            failed,
            total,
            plan.zone,
            len(done),
        )
        await dns.publish(
            DnsApplyProgress(
                zone=plan.zone, stage="rolled_back", batch=failed, batches=total
            )
        )


def _changed_event(
    plan: ZonePlan, created: list[ExistingRecord], *, trigger: str
) -> DnsChanged:
    return DnsChanged(
        zone=plan.zone,
        trigger=trigger,
        created=[_fact(record) for record in created],
        updated=[
            DnsRecordUpdate(
                before=_fact(change.existing),
                after=_fact(change.desired),
                changed_fields=list(change.changed_fields),
            )
            for change in plan.of("update")
            if change.existing is not None and change.desired is not None
        ],
        deleted=[
            _fact(change.existing)
            for change in plan.of("delete")
            if change.existing is not None
        ],
    )


# Zone files.


async def export_zone(*, dns: Dns, request: ZoneExportRequest) -> ZoneFile:
    """A zone as YAML or BIND text."""
    zone = await find_zone(dns=dns, name=request.zone)
    records = await dns.api.list_records(zone.id)
    if request.format == "bind":
        text = to_bind(zone.name, records)
    else:
        text = to_yaml(zone.name, records, dns.ownership)
    return ZoneFile(
        zone=zone.name, format=request.format, text=text, records=len(records)
    )


async def import_zone(*, dns: Dns, request: ZoneImportRequest) -> ApplyResult:
    """Plan a zone file, or apply it when `apply` is set."""
    zone_name = normalise_zone(request.zone)
    try:
        if request.format == "bind":
            specs = from_bind(request.text, zone=zone_name)
        else:
            specs = from_yaml(request.text, zone=zone_name)
    except ZoneFileError as exc:
        where = f"text (line {exc.line})" if exc.line else "text"
        raise FieldProblems([{"field": where, "message": str(exc)}]) from exc
    desired = ApplyRequest(
        zone=zone_name,
        records=specs,
        scope=request.scope,
        delete_unowned=request.delete_unowned,
        force=request.force,
        fingerprint=request.fingerprint,
    )
    if request.apply:
        return await apply(dns=dns, request=desired, trigger="import")
    previewed = await plan(dns=dns, request=desired)
    return ApplyResult(plan=previewed, applied=False, batches=0, rate_limit_waits=0)


# Mail DNS.


async def apply_mail_dns(
    *, dns: Dns, domain: str, force: bool = False, trigger: str = "api"
) -> ApplyResult:
    """Apply a hosted mail domain's MX, SPF, DKIM and DMARC records."""
    if dns.bus is None:
        raise NotConfigured("the dns service has no bus to ask mailbox-service")
    mail_plan = await dns.bus.request(
        "api.mailbox.dns_plan", MailDomainRef(name=domain), MailDnsPlanView
    )
    zone = await zone_for_host(dns=dns, hostname=mail_plan.domain)
    specs = [
        RecordSpec(
            type=record.type,
            name=record.name,
            content=record.content,
            ttl=record.ttl,
            priority=record.priority,
            comment=f"mail {record.purpose}".strip(),
        )
        for record in mail_plan.records
    ]
    dkim_suffix = f"._domainkey.{mail_plan.domain}"

    def retired_dkim(record: ExistingRecord) -> bool:
        # A selector that left the plan (rotated out, grace over) is deleted,
        # if it is homehost's; the plan names only the published ones.
        return record.type == "TXT" and record.name.endswith(dkim_suffix)

    return await apply(
        dns=dns,
        request=ApplyRequest(zone=zone.name, records=specs, scope="names", force=force),
        trigger=trigger,
        also_in_scope=retired_dkim,
    )


# Sites through the Tunnel.


async def route_site(*, dns: Dns, hostname: str, trigger: str = "api") -> SiteRoute:
    """Publish a host: a proxied CNAME to the Tunnel and its ingress rule."""
    settings = dns.settings
    if not settings.tunnel_id or not settings.account_id:
        raise NotConfigured(
            "HOMEHOST_DNS_TUNNEL_ID and HOMEHOST_DNS_ACCOUNT_ID must be set to "
            "publish sites through the Tunnel"
        )
    zone = await zone_for_host(dns=dns, hostname=hostname)
    try:
        host = normalise_name(hostname, zone=zone.name)
    except ValueError as exc:
        raise FieldProblems([{"field": "hostname", "message": str(exc)}]) from exc
    target = f"{settings.tunnel_id}.{TUNNEL_DOMAIN}"
    result = await apply(
        dns=dns,
        request=ApplyRequest(
            zone=zone.name,
            records=[
                RecordSpec(
                    type="CNAME",
                    name=host,
                    content=target,
                    proxied=True,
                    comment="site",
                )
            ],
            scope="names",
        ),
        trigger=trigger,
    )

    rules = await dns.api.tunnel_ingress()
    wanted = {"hostname": host, "service": settings.tunnel_origin}
    ingress_changed = not any(
        r.get("hostname") == host and r.get("service") == settings.tunnel_origin
        for r in rules
    )
    if ingress_changed:
        named = [r for r in rules if r.get("hostname") and r.get("hostname") != host]
        catch_all = [r for r in rules if not r.get("hostname")] or [dict(CATCH_ALL)]
        await dns.api.put_tunnel_ingress([*named, wanted, catch_all[-1]])
        logger.info("the Tunnel now routes %s to %s", host, settings.tunnel_origin)
    return SiteRoute(
        hostname=host,
        zone=zone.name,
        cname_target=target,
        ingress_service=settings.tunnel_origin,
        dns_changed=result.applied,
        ingress_changed=ingress_changed,
    )


# Edge security.


async def edge_security(*, dns: Dns, zone: str) -> EdgeSecurity:
    """A zone's edge settings, what the token may change, and certificates."""
    found = await find_zone(dns=dns, name=zone)
    settings = [await _edge_setting(dns, found, setting) for setting in EDGE_SETTINGS]
    certificates: list[CertificateStatus] = []
    readable, missing = True, None
    try:
        for item in await dns.api.certificates(found.id):
            certificates.append(
                CertificateStatus(
                    hostname=str(item.get("hostname", "")),
                    status=str(item.get("certificate_status", "unknown")),
                    validation_method=item.get("validation_method"),
                    certificate_authority=item.get("certificate_authority"),
                )
            )
    except PermissionMissing:
        readable, missing = False, SSL_READ
    return EdgeSecurity(
        zone=found.name,
        settings=settings,
        certificates=certificates,
        certificates_readable=readable,
        certificates_missing_permission=missing,
    )


async def _edge_setting(dns: Dns, zone: Zone, setting: EdgeSettingId) -> EdgeSetting:
    if setting == "waf":
        return await _waf_setting(dns, zone)
    allowed = list(EDGE_SETTINGS[setting])
    try:
        current = await dns.api.get_setting(zone.id, setting)
    except PermissionMissing:
        return EdgeSetting(
            id=setting,
            value=None,
            allowed_values=allowed,
            readable=False,
            writable=False,
            missing_permission=SETTINGS_READ,
        )
    value = _setting_value(current.get("value"))
    writable = await _may_write(dns, zone, setting, value, current)
    return EdgeSetting(
        id=setting,
        value=value,
        allowed_values=allowed,
        readable=True,
        writable=writable,
        missing_permission=None if writable else SETTINGS_EDIT,
    )


def _managed_rule(ruleset: dict[str, Any] | None) -> dict[str, Any] | None:
    """The rule that executes the Cloudflare Managed Ruleset, if there is one."""
    for rule in (ruleset or {}).get("rules") or []:
        parameters = rule.get("action_parameters") or {}
        if (
            rule.get("action") == "execute"
            and parameters.get("id") == CLOUDFLARE_MANAGED_RULESET
        ):
            return cast(dict[str, Any], rule)
    return None


def _waf_value(ruleset: dict[str, Any] | None) -> str:
    # A rule is enabled unless it says otherwise (`enabled` defaults to true).
    rule = _managed_rule(ruleset)
    return "on" if rule is not None and rule.get("enabled", True) else "off"


async def _waf_setting(dns: Dns, zone: Zone) -> EdgeSetting:
    allowed = list(EDGE_SETTINGS["waf"])
    try:
        ruleset = await dns.api.managed_entrypoint(zone.id)
    except PermissionMissing:
        return EdgeSetting(
            id="waf",
            value=None,
            allowed_values=allowed,
            readable=False,
            writable=False,
            missing_permission=WAF_READ,
        )
    key = (zone.id, "waf")
    if key not in dns._writable:
        # Sending the rules back as a dry run changes nothing and tells
        # whether the token may change them; remembered after that.
        try:
            await dns.api.put_managed_entrypoint(
                zone.id, list((ruleset or {}).get("rules") or []), dry_run=True
            )
        except PermissionMissing:
            dns._writable[key] = False
        else:
            dns._writable[key] = True
    writable = dns._writable[key]
    return EdgeSetting(
        id="waf",
        value=_waf_value(ruleset),
        allowed_values=allowed,
        readable=True,
        writable=writable,
        missing_permission=None if writable else WAF_EDIT,
    )


async def _change_waf(dns: Dns, zone: Zone, value: str) -> EdgeSetting:
    """Turn the Cloudflare Managed Ruleset on or off, keeping every other rule."""
    ruleset = await dns.api.managed_entrypoint(zone.id)
    rules = [dict(rule) for rule in (ruleset or {}).get("rules") or []]
    current = _managed_rule({"rules": rules})
    wanted = value == "on"
    if current is None and wanted:
        rules.append(
            {
                "action": "execute",
                "action_parameters": {"id": CLOUDFLARE_MANAGED_RULESET},
                "expression": "true",
                "description": "Cloudflare Managed Ruleset (homehost)",
                "enabled": True,
            }
        )
    elif current is not None:
        current["enabled"] = wanted
    # Already off with no rule to turn off: a dry run still asks whether the
    # token could have changed it, and changes nothing.
    unchanged = current is None and not wanted
    try:
        changed = await dns.api.put_managed_entrypoint(
            zone.id, rules, dry_run=unchanged
        )
    except PermissionMissing:
        dns._writable[(zone.id, "waf")] = False
        raise
    if unchanged:
        changed = ruleset
    dns._writable[(zone.id, "waf")] = True
    logger.info("turned WAF managed rules of %s %s", zone.name, value)
    return EdgeSetting(
        id="waf",
        value=_waf_value(changed),
        allowed_values=list(EDGE_SETTINGS["waf"]),
        readable=True,
        writable=True,
    )


def _setting_value(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)


async def _may_write(
    dns: Dns, zone: Zone, setting: str, value: str | None, current: dict[str, Any]
) -> bool:
    # Cloudflare says nothing about a token's own permissions, so the
    # answer comes from writing the current value back (which changes
    # nothing) once per zone and setting; it is remembered after that.
    key = (zone.id, setting)
    if key in dns._writable:
        return dns._writable[key]
    if current.get("editable") is False or value is None:
        dns._writable[key] = False
        return False
    try:
        await dns.api.edit_setting(zone.id, setting, value)
    except PermissionMissing:
        dns._writable[key] = False
    else:
        dns._writable[key] = True
    return dns._writable[key]


async def change_edge_setting(*, dns: Dns, request: EdgeSettingChange) -> EdgeSetting:
    """Change one edge setting; refused with the missing permission if need be."""
    allowed = EDGE_SETTINGS[request.setting]
    if request.value not in allowed:
        raise FieldProblems(
            [{"field": "value", "message": f"must be one of {', '.join(allowed)}"}]
        )
    zone = await find_zone(dns=dns, name=request.zone)
    if request.setting == "waf":
        return await _change_waf(dns, zone, request.value)
    try:
        changed = await dns.api.edit_setting(zone.id, request.setting, request.value)
    except PermissionMissing:
        dns._writable[(zone.id, request.setting)] = False
        raise
    dns._writable[(zone.id, request.setting)] = True
    logger.info("set %s of %s to %s", request.setting, zone.name, request.value)
    return EdgeSetting(
        id=request.setting,
        value=_setting_value(changed.get("value")),
        allowed_values=list(allowed),
        readable=True,
        writable=True,
    )


# Events in.


async def handle_event(dns: Dns, event: Event) -> None:
    """Act on a mail domain or DKIM key that appeared, or a new site."""
    try:
        if isinstance(event, MailDomainCreated | MailDkimRotated):
            result = await apply_mail_dns(
                dns=dns, domain=event.domain, trigger=event.subject
            )
            logger.info(
                "mail DNS of %s: %d created, %d updated, %d deleted",
                event.domain,
                result.plan.summary.create,
                result.plan.summary.update,
                result.plan.summary.delete,
            )
        elif isinstance(event, SiteCreated):
            for hostname in event.hostnames:
                await route_site(dns=dns, hostname=hostname, trigger=event.subject)
    except (
        FieldProblems,
        SafetyCapExceeded,
        ZoneNotFound,
        NotConfigured,
        CloudflareNotConfigured,
    ) as exc:
        # Trying again cannot help; a person must look. Retrying is for
        # what passes (rate limits, Cloudflare or mailbox-service away).
        logger.error(
            "cannot act on %s %s: %s", event.subject, event.event_id, exc.message
        )


# The service as the runtime starts it.


async def setup(context: ServiceContext) -> None:
    """Wire the dns service to Cloudflare and the bus: endpoints and consumer."""
    from homehost.dns.handlers import register_endpoints

    settings = context.settings
    if not isinstance(settings, DnsSettings):
        raise TypeError("the dns service needs DnsSettings")
    api = CloudflareApi(
        api_token=(
            None
            if settings.cloudflare_api_token is None
            else settings.cloudflare_api_token.get_secret_value()
        ),
        base_url=settings.cloudflare_base_url,
        account_id=settings.account_id,
        tunnel_id=settings.tunnel_id,
        timeout=settings.cloudflare_timeout,
        page_size=settings.page_size,
        rate_limit_attempts=settings.rate_limit_attempts,
        rate_limit_max_wait=settings.rate_limit_max_wait,
    )
    context.on_stop(api.close)
    context.add_health_check("cloudflare", api.check_configured)
    dns = Dns(settings=settings, api=api, publish=context.publish, bus=context.bus)
    await register_endpoints(context.service, dns)

    async def handle(event: Event) -> None:
        await handle_event(dns, event)

    consumer = EventConsumer(
        context.bus,
        durable="dns",
        events=[MailDomainCreated, MailDkimRotated, SiteCreated],
        handler=handle,
    )
    context.spawn(consumer.run(), name="events")


definition = ServiceDefinition(
    name="dns",
    version=__version__,
    description="Zones, DNS records, Tunnel routes and edge settings at Cloudflare.",
    settings_class=DnsSettings,
    setup=setup,
)
