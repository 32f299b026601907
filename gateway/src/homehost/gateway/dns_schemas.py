"""What the gateway's DNS routes take, beside the dns service's own models.

The dns service's models (homehost.dns.schemas) are the answers. The
bodies here are its requests without the zone, which the path names; the
field names stay the service's, so an error naming `record.proxied` or
`records[0].proxied` names a field of the body the client sent.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from homehost.dns.schemas import RecordSpec, Scope

ZoneFileFormat = Literal["yaml", "bind"]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class RecordWrite(_Body):
    """One record as it should be: a new one, or the new version of one."""

    record: RecordSpec


class DesiredRecords(_Body):
    """A desired record set for the zone the path names.

    `scope="zone"` says the set is the whole zone: records outside it are
    deleted (homehost's own only, unless `delete_unowned`). `scope="names"`
    touches only the names and types the set mentions.
    """

    records: list[RecordSpec] = Field(max_length=20_000)
    scope: Scope = "names"
    delete_unowned: StrictBool = False


class DesiredApply(DesiredRecords):
    """Apply a desired record set; `fingerprint` pins the plan that was previewed."""

    force: StrictBool = Field(
        default=False, description="Apply even past the safety cap of the zone."
    )
    fingerprint: str | None = Field(
        default=None,
        max_length=64,
        description="The previewed plan's fingerprint; refused (409) if it changed.",
    )


class ZoneImport(_Body):
    """A YAML or BIND zone file to preview, or with `apply`, to apply."""

    format: ZoneFileFormat = "yaml"
    text: str = Field(max_length=5_000_000)
    scope: Scope = "names"
    delete_unowned: StrictBool = False
    apply: StrictBool = Field(
        default=False, description="Apply the plan (needs write:dns); else preview."
    )
    force: StrictBool = False
    fingerprint: str | None = Field(default=None, max_length=64)


class EdgeSettingValue(_Body):
    """The new value of one edge setting."""

    value: str = Field(max_length=32)
