"""Requests and replies of `api.dns.*`.

A `RecordSpec` is a record as someone wants it; a `RecordPublic` is one
as Cloudflare holds it. Names are fully qualified, lower case, without the
trailing dot. TTL 1 means Cloudflare's "automatic"; proxied records always
have it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

RecordType = Literal["A", "AAAA", "CNAME", "MX", "TXT", "SRV", "CAA"]
RECORD_TYPES: tuple[RecordType, ...] = ("A", "AAAA", "CNAME", "MX", "TXT", "SRV", "CAA")


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# Zones.


class ZonePublic(BaseModel):
    """A zone the token can see."""

    id: str
    name: str
    status: str
    plan: str = ""


class ZoneList(BaseModel):
    """Every zone the token can see."""

    zones: list[ZonePublic]


class ZoneRef(_Request):
    """Names one zone."""

    zone: str = Field(max_length=253)


# Records.


class RecordSpec(_Request):
    """A record as someone wants it to be.

    SRV content is `weight port target` with the priority apart, and CAA
    content is `flags tag "value"`, as Cloudflare shows them. A TXT value
    may be given raw or as quoted strings (`"a" "b"`): both mean the same.
    """

    type: RecordType
    name: str = Field(max_length=253)
    content: str = Field(max_length=4096)
    ttl: int = 1
    proxied: StrictBool = False
    priority: int | None = None
    comment: str = Field(default="", max_length=500)
    tags: list[str] = Field(default_factory=list, max_length=20)


class RecordPublic(BaseModel):
    """A record as Cloudflare holds it."""

    id: str
    type: str
    name: str
    content: str
    ttl: int
    proxied: bool
    priority: int | None = None
    comment: str = ""
    tags: list[str] = Field(default_factory=list)
    owned: bool = Field(description="Marked as homehost's (by comment or tag).")


class RecordList(BaseModel):
    """Every record of a zone."""

    zone: str
    records: list[RecordPublic]


class RecordCreate(_Request):
    """Add one record."""

    zone: str = Field(max_length=253)
    record: RecordSpec


class RecordUpdate(_Request):
    """Replace one record (by id) with a new version of it."""

    zone: str = Field(max_length=253)
    id: str = Field(max_length=32)
    record: RecordSpec


class RecordDelete(_Request):
    """Delete one record; one homehost does not own needs `force`."""

    zone: str = Field(max_length=253)
    id: str = Field(max_length=32)
    force: bool = False


class RecordDeleted(BaseModel):
    """The record that was deleted."""

    zone: str
    record: RecordPublic


# Plans.

Scope = Literal["zone", "names"]


class PlanRequest(_Request):
    """A desired record set for one zone.

    `scope="zone"` says the set is the whole zone: records outside it are
    deleted (homehost's own only, unless `delete_unowned`). `scope="names"`
    touches only the names and types the set mentions.
    """

    zone: str = Field(max_length=253)
    records: list[RecordSpec] = Field(max_length=20_000)
    scope: Scope = "names"
    delete_unowned: bool = False


class ApplyRequest(PlanRequest):
    """Apply a desired record set; `fingerprint` pins the previewed plan."""

    force: bool = False
    fingerprint: str | None = Field(
        default=None,
        max_length=64,
        description="The previewed plan's fingerprint; refused if the plan changed.",
    )


class RecordChange(BaseModel):
    """One line of a plan."""

    action: Literal["create", "update", "delete", "unchanged", "kept"]
    type: str
    name: str
    before: RecordPublic | None = None
    after: RecordSpec | None = None
    changed_fields: list[str] = Field(default_factory=list)
    reason: str = ""


class PlanSummary(BaseModel):
    """How many records each action touches."""

    create: int = 0
    update: int = 0
    delete: int = 0
    unchanged: int = 0
    kept: int = 0


class Plan(BaseModel):
    """What applying a desired record set would do, shown before it happens."""

    zone: str
    zone_id: str
    existing: int
    changes: list[RecordChange]
    summary: PlanSummary
    warnings: list[str]
    fingerprint: str
    exceeds_safety_cap: bool


class ApplyResult(BaseModel):
    """What was applied, in how many batch calls."""

    plan: Plan
    applied: bool
    batches: int
    rate_limit_waits: int


# Zone files.


class ZoneExportRequest(_Request):
    """Export a zone as YAML or BIND."""

    zone: str = Field(max_length=253)
    format: Literal["yaml", "bind"] = "yaml"


class ZoneFile(BaseModel):
    """A zone as text."""

    zone: str
    format: Literal["yaml", "bind"]
    text: str
    records: int


class ZoneImportRequest(_Request):
    """Plan (or, with `apply`, apply) a YAML or BIND zone file."""

    zone: str = Field(max_length=253)
    format: Literal["yaml", "bind"] = "yaml"
    text: str = Field(max_length=5_000_000)
    scope: Scope = "names"
    delete_unowned: bool = False
    apply: bool = False
    force: bool = False
    fingerprint: str | None = Field(default=None, max_length=64)


# Mail DNS.


class MailDnsRequest(_Request):
    """Apply a hosted mail domain's DNS plan (MX, SPF, DKIM, DMARC)."""

    domain: str = Field(max_length=253)
    force: bool = False


# Sites.


class SiteRouteRequest(_Request):
    """Publish a host through the Tunnel: proxied CNAME plus ingress rule."""

    hostname: str = Field(max_length=253)


class SiteRoute(BaseModel):
    """A host published through the Tunnel."""

    hostname: str
    zone: str
    cname_target: str
    ingress_service: str
    dns_changed: bool
    ingress_changed: bool


# Edge security.

EdgeSettingId = Literal[
    "ssl", "always_use_https", "min_tls_version", "security_level", "waf"
]


class EdgeSetting(BaseModel):
    """One zone setting at Cloudflare's edge, and whether homehost may change it."""

    id: EdgeSettingId
    value: str | None
    allowed_values: list[str]
    readable: bool
    writable: bool
    missing_permission: str | None = None


class CertificateStatus(BaseModel):
    """The edge certificate of one hostname."""

    hostname: str
    status: str
    validation_method: str | None = None
    certificate_authority: str | None = None


class EdgeSecurity(BaseModel):
    """A zone's edge settings and certificates."""

    zone: str
    settings: list[EdgeSetting]
    certificates: list[CertificateStatus]
    certificates_readable: bool
    certificates_missing_permission: str | None = None


class EdgeSettingChange(_Request):
    """Change one edge setting."""

    zone: str = Field(max_length=253)
    setting: EdgeSettingId
    value: str = Field(max_length=32)


# What mailbox-service answers on `api.mailbox.dns_plan`.


class MailDnsRecordView(BaseModel):
    """One record of a mail domain's DNS plan, as mailbox-service sends it."""

    model_config = ConfigDict(extra="ignore")

    type: Literal["MX", "TXT"]
    name: str
    content: str
    priority: int | None = None
    ttl: int = 1
    purpose: str = ""


class MailDnsPlanView(BaseModel):
    """A mail domain's DNS plan, as mailbox-service sends it."""

    model_config = ConfigDict(extra="ignore")

    domain: str
    records: list[MailDnsRecordView]


class MailDomainRef(BaseModel):
    """The request `api.mailbox.dns_plan` takes."""

    name: str
