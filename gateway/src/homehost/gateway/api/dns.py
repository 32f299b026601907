"""`/api/dns`: zones, records, plans, zone files and edge security.

Thin routes over the dns service's `api.dns.*`: each one checks the
caller's scope, asks the service over the bus and returns its typed
answer. The service's errors keep their codes and fields: 422 naming the
field, 404 for an unknown zone or record, 409 for the safety cap, an
outdated plan, a record homehost does not own or Cloudflare's refusal,
403 naming the Cloudflare permission the API token lacks, 503 when the
service or Cloudflare is away.
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status
from pydantic import BaseModel

from homehost.dns.schemas import (
    ApplyResult,
    EdgeSecurity,
    EdgeSetting,
    EdgeSettingId,
    Plan,
    RecordDeleted,
    RecordList,
    RecordPublic,
    ZoneFile,
    ZoneList,
)
from homehost.gateway.api.responses import errors, unavailable
from homehost.gateway.deps import GatewayState, GatewayStateDep, Reader, RequireScope
from homehost.gateway.dns_schemas import (
    DesiredApply,
    DesiredRecords,
    EdgeSettingValue,
    RecordWrite,
    ZoneFileFormat,
    ZoneImport,
)
from homehost.gateway.errors import MissingScope
from homehost.gateway.middleware import note_audit
from homehost.gateway.principal import Principal

router = APIRouter(prefix="/api/dns", tags=["dns"])

ReplyT = TypeVar("ReplyT", bound=BaseModel)

DnsWriter = Annotated[Principal, Depends(RequireScope("write:dns"))]
ZoneName = Annotated[
    str, Path(min_length=1, max_length=253, description="The zone's name.")
]
RecordId = Annotated[
    str, Path(min_length=1, max_length=32, description="Cloudflare's record id.")
]

# What a zone file is downloaded as: YAML (RFC 9512) or a DNS master file
# (RFC 4027), with the extension a file picker expects.
ZONE_FILE_TYPES: dict[str, tuple[str, str]] = {
    "yaml": ("application/yaml", "yaml"),
    "bind": ("text/dns", "zone"),
}

# The YAML form, as the export writes it and the import reads it.
YAML_ZONE_FILE: dict[str, Any] = {
    "type": "object",
    "required": ["zone", "records"],
    "properties": {
        "zone": {"type": "string"},
        "records": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["type", "name", "content"],
                "properties": {
                    "type": {"type": "string"},
                    "name": {"type": "string"},
                    "content": {"type": "string"},
                    "ttl": {"type": "integer"},
                    "proxied": {"type": "boolean"},
                    "priority": {"type": "integer"},
                    "comment": {"type": "string"},
                    "tags": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
    },
}

# The dns service answers every route, so every route may find it away.
UNAVAILABLE = unavailable(
    "The dns service, or Cloudflare, is not answering.",
    "The dns service did not answer in time; a change may "
    "still complete, so read the zone again before retrying.",
)


def _responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {**errors(404, *statuses), **UNAVAILABLE}


async def _ask(
    state: GatewayState,
    operation: str,
    payload: BaseModel | dict[str, Any],
    reply: type[ReplyT],
    *,
    slow: bool = False,
) -> ReplyT:
    settings = state.settings
    return await state.bus.request(
        f"api.dns.{operation}",
        payload,
        reply,
        timeout=settings.dns_apply_timeout if slow else settings.dns_request_timeout,
    )


def _with_zone(body: BaseModel, zone: str, **fields: Any) -> dict[str, Any]:
    return {**body.model_dump(), "zone": zone, **fields}


# Zones.


@router.get(
    "/zones", name="dns.zones_list", response_model=ZoneList, responses=UNAVAILABLE
)
async def list_zones(_: Reader, state: GatewayStateDep) -> ZoneList:
    """Return every zone the Cloudflare API token can see."""
    return await _ask(state, "zones.list", {}, ZoneList)


# Records.


@router.get(
    "/zones/{zone}/records",
    name="dns.records_list",
    response_model=RecordList,
    responses=_responses(),
)
async def list_records(zone: ZoneName, _: Reader, state: GatewayStateDep) -> RecordList:
    """Return every record of a zone, each marked if homehost owns it."""
    return await _ask(state, "records.list", {"zone": zone}, RecordList)


@router.post(
    "/zones/{zone}/records",
    name="dns.records_create",
    response_model=RecordPublic,
    status_code=status.HTTP_201_CREATED,
    responses=_responses(409),
)
async def create_record(
    zone: ZoneName,
    body: RecordWrite,
    _: DnsWriter,
    request: Request,
    state: GatewayStateDep,
) -> RecordPublic:
    """Add one record, checked against the zone as it is."""
    note_audit(
        request,
        f"dns_zone:{zone}",
        type=body.record.type,
        name=body.record.name,
        proxied=body.record.proxied,
    )
    return await _ask(state, "records.create", _with_zone(body, zone), RecordPublic)


@router.put(
    "/zones/{zone}/records/{record_id}",
    name="dns.records_update",
    response_model=RecordPublic,
    responses=_responses(409),
)
async def update_record(
    zone: ZoneName,
    record_id: RecordId,
    body: RecordWrite,
    _: DnsWriter,
    request: Request,
    state: GatewayStateDep,
) -> RecordPublic:
    """Replace one record with a new version of it; unchanged means no call."""
    note_audit(
        request,
        f"dns_record:{zone}/{record_id}",
        type=body.record.type,
        name=body.record.name,
        proxied=body.record.proxied,
    )
    return await _ask(
        state, "records.update", _with_zone(body, zone, id=record_id), RecordPublic
    )


@router.delete(
    "/zones/{zone}/records/{record_id}",
    name="dns.records_delete",
    response_model=RecordDeleted,
    responses=_responses(409),
)
async def delete_record(
    zone: ZoneName,
    record_id: RecordId,
    _: DnsWriter,
    request: Request,
    state: GatewayStateDep,
    force: Annotated[
        bool, Query(description="Delete even a record homehost does not own.")
    ] = False,
) -> RecordDeleted:
    """Delete one record; one homehost does not own is refused (409) without force."""
    note_audit(request, f"dns_record:{zone}/{record_id}", force=force)
    deleted = await _ask(
        state,
        "records.delete",
        {"zone": zone, "id": record_id, "force": force},
        RecordDeleted,
    )
    note_audit(
        request,
        f"dns_record:{zone}/{record_id}",
        force=force,
        type=deleted.record.type,
        name=deleted.record.name,
    )
    return deleted


# Plans.


@router.post(
    "/zones/{zone}/plan",
    name="dns.plan",
    response_model=Plan,
    responses=_responses(409),
)
async def preview_plan(
    zone: ZoneName, body: DesiredRecords, _: Reader, state: GatewayStateDep
) -> Plan:
    """Show what applying a desired record set would change; changes nothing."""
    return await _ask(state, "plan", _with_zone(body, zone), Plan)


@router.post(
    "/zones/{zone}/apply",
    name="dns.apply",
    response_model=ApplyResult,
    responses=_responses(409),
)
async def apply_plan(
    zone: ZoneName,
    body: DesiredApply,
    _: DnsWriter,
    request: Request,
    state: GatewayStateDep,
) -> ApplyResult:
    """Apply a desired record set in all-or-nothing batches.

    With the fingerprint of the previewed plan, a zone that changed since
    is refused (409, with the new fingerprint); past the safety cap the
    apply needs `force`.
    """
    note_audit(
        request,
        f"dns_zone:{zone}",
        records=len(body.records),
        scope=body.scope,
        force=body.force,
    )
    result = await _ask(state, "apply", _with_zone(body, zone), ApplyResult, slow=True)
    note_audit(
        request,
        f"dns_zone:{zone}",
        records=len(body.records),
        scope=body.scope,
        force=body.force,
        **result.plan.summary.model_dump(include={"create", "update", "delete"}),
    )
    return result


# Zone files.


@router.get(
    "/zones/{zone}/export",
    name="dns.zones_export",
    response_class=Response,
    responses={
        200: {
            "description": "The zone file, as a download.",
            "content": {
                "application/yaml": {"schema": YAML_ZONE_FILE},
                "text/dns": {"schema": {"type": "string"}},
            },
            "headers": {
                "X-Homehost-Records": {
                    "description": "How many records the file holds.",
                    "schema": {"type": "integer"},
                }
            },
        },
        **_responses(),
    },
)
async def export_zone(
    zone: ZoneName,
    _: Reader,
    state: GatewayStateDep,
    file_format: Annotated[
        ZoneFileFormat,
        Query(alias="format", description="YAML (homehost's form) or BIND."),
    ] = "yaml",
) -> Response:
    """Download a zone as a YAML or BIND file."""
    exported = await _ask(
        state, "zones.export", {"zone": zone, "format": file_format}, ZoneFile
    )
    media_type, extension = ZONE_FILE_TYPES[exported.format]
    return Response(
        content=exported.text,
        media_type=media_type,
        headers={
            "Content-Disposition": (
                f'attachment; filename="{exported.zone}.{extension}"'
            ),
            "X-Homehost-Records": str(exported.records),
        },
    )


@router.post(
    "/zones/{zone}/import",
    name="dns.zones_import",
    response_model=ApplyResult,
    responses=_responses(409),
)
async def import_zone(
    zone: ZoneName,
    body: ZoneImport,
    principal: Reader,
    request: Request,
    state: GatewayStateDep,
) -> ApplyResult:
    """Preview a YAML or BIND zone file as a plan, or with `apply`, apply it.

    A preview needs `read`; applying needs `write:dns`.
    """
    if body.apply and not principal.has_scope("write:dns"):
        raise MissingScope("write:dns")
    note_audit(
        request,
        f"dns_zone:{zone}",
        format=body.format,
        apply=body.apply,
        scope=body.scope,
        force=body.force,
    )
    return await _ask(
        state, "zones.import", _with_zone(body, zone), ApplyResult, slow=True
    )


# Edge security.


@router.get(
    "/zones/{zone}/edge",
    name="dns.edge_get",
    tags=["security"],
    response_model=EdgeSecurity,
    responses=_responses(),
)
async def read_edge_security(
    zone: ZoneName, _: Reader, state: GatewayStateDep
) -> EdgeSecurity:
    """Return the zone's edge settings and each hostname's certificate status.

    What the Cloudflare API token may not read or change is marked so, with
    the missing permission named.
    """
    return await _ask(state, "edge.get", {"zone": zone}, EdgeSecurity)


@router.put(
    "/zones/{zone}/edge/{setting}",
    name="dns.edge_set",
    tags=["security"],
    response_model=EdgeSetting,
    responses=_responses(409),
)
async def change_edge_setting(
    zone: ZoneName,
    setting: EdgeSettingId,
    body: EdgeSettingValue,
    _: DnsWriter,
    request: Request,
    state: GatewayStateDep,
) -> EdgeSetting:
    """Change one edge setting; 403 names the permission the API token lacks."""
    note_audit(request, f"dns_zone:{zone}", setting=setting, value=body.value)
    return await _ask(
        state,
        "edge.set",
        {"zone": zone, "setting": setting, "value": body.value},
        EdgeSetting,
    )
