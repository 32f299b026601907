"""Settings of the mailbox service."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from homehost.shared.settings import DatabaseServiceSettings

MEGABYTE = 1_000_000
GIGABYTE = 1_000_000_000


class MailboxSettings(DatabaseServiceSettings):
    """Environment variables start with `HOMEHOST_MAILBOX_`."""

    model_config = SettingsConfigDict(env_prefix="HOMEHOST_MAILBOX_")

    database_name: str = "homehost_mailbox"
    database_user: str = "homehost_mailbox"

    doveadm_path: str = Field(
        default="doveadm", description="The doveadm program of the running Dovecot."
    )
    dovecot_config: Path = Field(
        default_factory=lambda data: _mail_state(data) / "dovecot" / "dovecot.conf",
        description="dovecot.conf rendered from deploy/dovecot; doveadm reads it.",
    )
    mail_root: Path = Field(
        default_factory=lambda data: _mail_state(data) / "vmail",
        description="Where Dovecot keeps maildirs: <mail_root>/<domain>/<local part>.",
    )
    archive_dir: Path = Field(
        default_factory=lambda data: _mail_state(data) / "archive",
        description="Where the maildir of a deleted mailbox is moved.",
    )
    dkim_keys_dir: Path = Field(
        default_factory=lambda data: _mail_state(data) / "dkim",
        description="DKIM private keys, one 0600 file per selector.",
    )
    password_scheme: str = Field(
        default="ARGON2ID",
        pattern=r"^[A-Z0-9-]+$",
        description="Dovecot scheme of new password hashes.",
    )
    min_password_score: int = Field(
        default=3, ge=0, le=4, description="Lowest zxcvbn score a typed password needs."
    )
    default_quota_bytes: int = Field(default=5 * GIGABYTE, gt=0)
    min_quota_bytes: int = Field(default=MEGABYTE, gt=0)
    max_quota_bytes: int = Field(default=1_000 * GIGABYTE, gt=0)
    dkim_grace_days: int = Field(
        default=7,
        ge=1,
        le=365,
        description="How long a rotated-out DKIM key stays published.",
    )
    dmarc_report_address: str = Field(
        default="",
        description="rua address of DMARC reports; empty means dmarc@<domain>.",
    )
    allow_test_domains: bool = Field(
        default=False,
        description="Accept `.test` domains (RFC 2606); only tests want this.",
    )

    @model_validator(mode="after")
    def _check_quota_bounds(self) -> MailboxSettings:
        if self.min_quota_bytes > self.max_quota_bytes:
            raise ValueError("min_quota_bytes is larger than max_quota_bytes")
        return self


def _mail_state(data: dict[str, Any]) -> Path:
    return Path(data["state_dir"]) / "mail"
