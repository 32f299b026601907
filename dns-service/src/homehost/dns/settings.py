"""Settings of the dns service."""

from __future__ import annotations

from typing import Any

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from homehost.shared.settings import ServiceSettings

CLOUDFLARE_API = "https://api.cloudflare.com/client/v4"


class DnsSettings(ServiceSettings):
    """Environment variables start with `HOMEHOST_DNS_`."""

    model_config = SettingsConfigDict(env_prefix="HOMEHOST_DNS_")

    cloudflare_api_token: SecretStr | None = Field(
        default=None,
        description="API token limited to the zones and permissions homehost uses; "
        "unset on a new box, where the service runs and reports Cloudflare as not "
        "configured.",
    )
    cloudflare_base_url: str = Field(
        default=CLOUDFLARE_API, description="Base URL of the Cloudflare v4 API."
    )
    account_id: str = Field(
        default="", description="Cloudflare account that owns the Tunnel."
    )
    tunnel_id: str = Field(
        default="", description="The remotely managed Tunnel sites are published on."
    )
    tunnel_origin: str = Field(
        default="http://127.0.0.1:80",
        description="Where the Tunnel sends a site's requests (the local Nginx).",
    )
    batch_limit: int = Field(
        default=200,
        ge=1,
        le=3500,
        description="Changes per /dns_records/batch call: 200 on Free, 3500 above.",
    )
    safety_cap_share: float = Field(
        default=0.33,
        gt=0,
        le=1,
        description="Largest share of a zone's records one apply may change or "
        "delete without `force`.",
    )
    safety_cap_min_records: int = Field(
        default=10,
        ge=0,
        description="Zones with fewer records than this are not held to the cap.",
    )
    ownership_comment: str = Field(
        default="managed by homehost",
        min_length=3,
        max_length=40,
        description="Comment prefix that marks a record as homehost's.",
    )
    ownership_tag: str = Field(
        default="",
        pattern=r"^$|^[a-z0-9_-]+:[A-Za-z0-9_.-]+$",
        description="Tag (name:value) that also marks a record as homehost's; "
        "tags need a paid plan, so none by default.",
    )
    comment_limit: int = Field(
        default=100,
        ge=40,
        le=500,
        description="Longest record comment the zone's plan allows (Free: 100).",
    )
    page_size: int = Field(
        default=5000, ge=5, le=5_000_000, description="Records asked for per page."
    )
    rate_limit_attempts: int = Field(
        default=6, ge=1, description="Tries of one call that Cloudflare answers 429."
    )
    rate_limit_max_wait: float = Field(
        default=300.0,
        gt=0,
        description="Longest wait for one retry-after; Cloudflare blocks for five "
        "minutes at most.",
    )
    cloudflare_timeout: float = Field(
        default=30.0, gt=0, description="Seconds one Cloudflare call may take."
    )

    @field_validator("cloudflare_api_token", mode="before")
    @classmethod
    def _empty_token_is_unset(cls, value: Any) -> Any:
        # An empty variable means "no token yet", not a placeholder secret.
        if value == "" or (
            isinstance(value, SecretStr) and not value.get_secret_value()
        ):
            return None
        return value
