"""Settings of the ingest service."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from homehost.shared.settings import DatabaseServiceSettings

MiB = 1024 * 1024

# Attachment extensions refused by default: programs and scripts that run
# on a double click, as the big mail providers refuse them.
DEFAULT_BLOCKED_EXTENSIONS = [
    "ade",
    "adp",
    "app",
    "bat",
    "chm",
    "cmd",
    "com",
    "cpl",
    "exe",
    "hta",
    "ins",
    "isp",
    "jar",
    "js",
    "jse",
    "lib",
    "lnk",
    "mde",
    "msc",
    "msi",
    "msp",
    "mst",
    "pif",
    "scr",
    "sct",
    "shb",
    "sys",
    "vb",
    "vbe",
    "vbs",
    "vxd",
    "wsc",
    "wsf",
    "wsh",
]

UnscannedPolicy = Literal["deliver", "defer", "reject"]


class IngestSettings(DatabaseServiceSettings):
    """Environment variables start with `HOMEHOST_INGEST_`."""

    model_config = SettingsConfigDict(env_prefix="HOMEHOST_INGEST_")

    database_name: str = "homehost_ingest"
    database_user: str = "homehost_ingest"

    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8025, ge=0, le=65535)
    worker_secret: SecretStr = Field(
        default=SecretStr(""),
        description="HMAC-SHA256 key shared with the Email Worker.",
    )
    signature_window_seconds: int = Field(default=300, ge=10)
    hostname: str = Field(
        default="homehost", description="Names this host in Received headers."
    )
    spool_dir: Path | None = Field(
        default=None, description="Message bytes; <state_dir>/ingest/spool if unset."
    )

    max_message_bytes: int = Field(default=25 * MiB, ge=1024)
    max_mime_depth: int = Field(default=50, ge=1)
    max_mime_parts: int = Field(default=1000, ge=1)
    blocked_extensions: list[str] = Field(
        default_factory=lambda: list(DEFAULT_BLOCKED_EXTENSIONS)
    )

    rspamd_url: str = "http://127.0.0.1:11333"
    clamd_host: str = "127.0.0.1"
    clamd_port: int = 3310
    scan_timeout_seconds: float = Field(default=60.0, gt=0)
    unscanned_policy: UnscannedPolicy = Field(
        default="deliver",
        description="What happens to mail a scanner could not check: deliver "
        "it marked as not scanned, defer it (the Worker retries) or reject it.",
    )

    lmtp_host: str = "127.0.0.1"
    lmtp_port: int = 24
    lmtp_timeout_seconds: float = Field(default=120.0, gt=0)
    delivery_concurrency: int = Field(default=8, ge=1)
    answer_within_seconds: float = Field(
        default=5.0,
        ge=0,
        description="How long a POST waits for delivery before it answers 202.",
    )
    retry_for_seconds: float = Field(default=5 * 24 * 3600.0, gt=0)
    retry_first_seconds: float = Field(default=60.0, gt=0)
    retry_longest_seconds: float = Field(default=3600.0, gt=0)
    retry_unreachable_seconds: float = Field(
        default=20.0,
        gt=0,
        description="Longest wait while the LMTP server does not answer at all, "
        "so mail flows soon after Dovecot is back.",
    )
    lease_seconds: float = Field(
        default=300.0,
        gt=0,
        description="How long a delivery attempt may take before another copy "
        "of the service, or this one restarted, takes it over.",
    )
    dovecot_config: Path | None = Field(
        default=None,
        description="Dovecot's config, for doveadm: after a crash it tells "
        "whether an interrupted delivery reached the mailbox.",
    )
    doveadm_path: str = "doveadm"

    @property
    def spool_path(self) -> Path:
        """Where message bytes are kept until every recipient has them."""
        return self.spool_dir or self.state_dir / "ingest" / "spool"
