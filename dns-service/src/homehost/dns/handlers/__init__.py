"""Bus endpoints `api.dns.*`: parse, call the rules in service.py, reply."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from homehost.dns import service
from homehost.dns.schemas import (
    ApplyRequest,
    ApplyResult,
    EdgeSecurity,
    EdgeSetting,
    EdgeSettingChange,
    MailDnsRequest,
    Plan,
    PlanRequest,
    RecordCreate,
    RecordDelete,
    RecordDeleted,
    RecordList,
    RecordPublic,
    RecordUpdate,
    SiteRoute,
    SiteRouteRequest,
    ZoneExportRequest,
    ZoneFile,
    ZoneImportRequest,
    ZoneList,
    ZoneRef,
)
from homehost.dns.service import Dns
from homehost.shared.bus.service import BusService, EmptyRequest


class DnsEndpoints:
    """Every `api.dns.*` operation, each a thin call into service.py."""

    def __init__(self, dns: Dns) -> None:
        self.dns = dns

    async def zones_list(self, _: EmptyRequest) -> ZoneList:
        """zones.list"""
        return await service.list_zones(dns=self.dns)

    async def zones_export(self, request: ZoneExportRequest) -> ZoneFile:
        """zones.export"""
        return await service.export_zone(dns=self.dns, request=request)

    async def zones_import(self, request: ZoneImportRequest) -> ApplyResult:
        """zones.import"""
        return await service.import_zone(dns=self.dns, request=request)

    async def records_list(self, request: ZoneRef) -> RecordList:
        """records.list"""
        return await service.list_records(dns=self.dns, zone=request.zone)

    async def records_create(self, request: RecordCreate) -> RecordPublic:
        """records.create"""
        return await service.create_record(dns=self.dns, request=request)

    async def records_update(self, request: RecordUpdate) -> RecordPublic:
        """records.update"""
        return await service.update_record(dns=self.dns, request=request)

    async def records_delete(self, request: RecordDelete) -> RecordDeleted:
        """records.delete"""
        return await service.delete_record(dns=self.dns, request=request)

    async def plan(self, request: PlanRequest) -> Plan:
        """plan"""
        return await service.plan(dns=self.dns, request=request)

    async def apply(self, request: ApplyRequest) -> ApplyResult:
        """apply"""
        return await service.apply(dns=self.dns, request=request)

    async def mail_apply(self, request: MailDnsRequest) -> ApplyResult:
        """mail.apply"""
        return await service.apply_mail_dns(
            dns=self.dns, domain=request.domain, force=request.force
        )

    async def sites_route(self, request: SiteRouteRequest) -> SiteRoute:
        """sites.route"""
        return await service.route_site(dns=self.dns, hostname=request.hostname)

    async def edge_get(self, request: ZoneRef) -> EdgeSecurity:
        """edge.get"""
        return await service.edge_security(dns=self.dns, zone=request.zone)

    async def edge_set(self, request: EdgeSettingChange) -> EdgeSetting:
        """edge.set"""
        return await service.change_edge_setting(dns=self.dns, request=request)


async def register_endpoints(bus_service: BusService, dns: Dns) -> None:
    """Serve every `api.dns.*` operation."""
    endpoints = DnsEndpoints(dns)
    table: list[tuple[str, Any, type[BaseModel]]] = [
        ("zones.list", endpoints.zones_list, EmptyRequest),
        ("zones.export", endpoints.zones_export, ZoneExportRequest),
        ("zones.import", endpoints.zones_import, ZoneImportRequest),
        ("records.list", endpoints.records_list, ZoneRef),
        ("records.create", endpoints.records_create, RecordCreate),
        ("records.update", endpoints.records_update, RecordUpdate),
        ("records.delete", endpoints.records_delete, RecordDelete),
        ("plan", endpoints.plan, PlanRequest),
        ("apply", endpoints.apply, ApplyRequest),
        ("mail.apply", endpoints.mail_apply, MailDnsRequest),
        ("sites.route", endpoints.sites_route, SiteRouteRequest),
        ("edge.get", endpoints.edge_get, ZoneRef),
        ("edge.set", endpoints.edge_set, EdgeSettingChange),
    ]
    for operation, handler, request_model in table:
        await bus_service.add_endpoint(operation, handler, request_model)
