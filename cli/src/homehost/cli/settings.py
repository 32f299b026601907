"""Settings of `homehost up` and `down`: where the machine's servers are."""

from __future__ import annotations

import socket
from pathlib import Path

from pydantic import Field, SecretStr, model_validator

from homehost.shared.settings import ServiceSettings


class StackSettings(ServiceSettings):
    """The servers `homehost up` finds or starts, and how it reaches them."""

    redis_host: str = Field(default="127.0.0.1", validation_alias="HOMEHOST_REDIS_HOST")
    redis_port: int = Field(
        default=6379, ge=1, le=65535, validation_alias="HOMEHOST_REDIS_PORT"
    )
    mariadb_socket: Path = Field(
        default=Path("/run/mysqld/mysqld.sock"),
        validation_alias="HOMEHOST_MARIADB_SOCKET",
        description="MariaDB's unix socket, tried as root when TCP is refused.",
    )
    # Optional, so not a plain SecretStr: the shared `_FILE` reading and the
    # placeholder check apply to plain SecretStr fields, and an empty root
    # password is what a fresh Debian MariaDB has (it trusts the socket).
    mariadb_root_password: SecretStr | None = Field(
        default=None, validation_alias="HOMEHOST_MARIADB_ROOT_PASSWORD"
    )
    mariadb_root_password_file: Path | None = Field(
        default=None, validation_alias="HOMEHOST_MARIADB_ROOT_PASSWORD_FILE"
    )
    mariadb_account_host: str | None = Field(
        default=None,
        validation_alias="HOMEHOST_MARIADB_ACCOUNT_HOST",
        pattern=r"^[A-Za-z0-9_.:%-]{1,255}$",
        description=(
            "Host part of the services' MariaDB accounts; 127.0.0.1 when "
            "MariaDB is local, else %."
        ),
    )

    # Dovecot and Postfix for the mail accounts (see mailservers.py).
    mail_servers: bool = Field(
        default=True,
        validation_alias="HOMEHOST_MAIL_SERVERS",
        description="Install and start Dovecot and Postfix with the rest.",
    )
    mail_hostname: str = Field(
        default_factory=socket.gethostname,
        validation_alias="HOMEHOST_MAIL_HOSTNAME",
        pattern=r"^[A-Za-z0-9.-]{1,253}$",
        description="The name mail clients use: the box's Tailscale (MagicDNS) name.",
    )
    mail_listen_address: str = Field(
        default="127.0.0.1",
        validation_alias="HOMEHOST_MAIL_LISTEN_ADDRESS",
        pattern=r"^[0-9A-Fa-f.:]{2,45}$",
        description=(
            "Where IMAP, POP3 and submission listen: the Tailscale address in "
            "production, loopback until it is set."
        ),
    )
    mail_imap_port: int = Field(
        default=143, ge=1, le=65535, validation_alias="HOMEHOST_MAIL_IMAP_PORT"
    )
    mail_pop3_port: int = Field(
        default=110, ge=1, le=65535, validation_alias="HOMEHOST_MAIL_POP3_PORT"
    )
    mail_lmtp_port: int = Field(
        default=24,
        ge=1,
        le=65535,
        validation_alias="HOMEHOST_MAIL_LMTP_PORT",
        description="Dovecot's LMTP on loopback, where mail-ingest delivers.",
    )
    mail_submission_port: int = Field(
        default=587, ge=1, le=65535, validation_alias="HOMEHOST_MAIL_SUBMISSION_PORT"
    )
    mail_smtps_port: int = Field(
        default=465, ge=1, le=65535, validation_alias="HOMEHOST_MAIL_SMTPS_PORT"
    )
    mail_tls_cert: Path | None = Field(
        default=None,
        validation_alias="HOMEHOST_MAIL_TLS_CERT",
        description="Submission's certificate (PEM); a self-signed one if unset.",
    )
    mail_tls_key: Path | None = Field(
        default=None, validation_alias="HOMEHOST_MAIL_TLS_KEY"
    )
    mail_relayhost: str = Field(
        default="[smtp.sendgrid.net]:587",
        validation_alias="HOMEHOST_MAIL_RELAYHOST",
        pattern=r"^\[?[A-Za-z0-9.:-]+\]?(:[0-9]{1,5})?$",
    )
    mail_relay_password_file: Path | None = Field(
        default=None,
        validation_alias="HOMEHOST_MAIL_RELAY_PASSWORD_FILE",
        description="A file holding the SendGrid API key.",
    )
    mail_relay_tls_security_level: str = Field(
        default="secure",
        validation_alias="HOMEHOST_MAIL_RELAY_TLS_SECURITY_LEVEL",
        pattern=r"^(none|may|encrypt|verify|secure)$",
    )
    mail_database_user: str = Field(
        default="homehost_mailserver",
        validation_alias="HOMEHOST_MAIL_DATABASE_USER",
        pattern=r"^[A-Za-z0-9_]{1,80}$",
        description="The read-only MariaDB user Dovecot and Postfix share.",
    )

    # Rspamd and clamd for mail-ingest (see scanservers.py).
    scan_servers: bool = Field(
        default=True,
        validation_alias="HOMEHOST_SCAN_SERVERS",
        description="Install and start Rspamd and clamd with the rest.",
    )
    rspamd_port: int = Field(
        default=11333,
        ge=1,
        le=65535,
        validation_alias="HOMEHOST_RSPAMD_PORT",
        description="Rspamd's scanner (normal worker) on loopback.",
    )
    rspamd_controller_port: int = Field(
        default=11334,
        ge=1,
        le=65535,
        validation_alias="HOMEHOST_RSPAMD_CONTROLLER_PORT",
    )
    rspamd_proxy_port: int = Field(
        default=11332,
        ge=1,
        le=65535,
        validation_alias="HOMEHOST_RSPAMD_PROXY_PORT",
        description="Rspamd's milter (proxy worker) on loopback.",
    )
    clamd_port: int = Field(
        default=3310, ge=1, le=65535, validation_alias="HOMEHOST_CLAMD_PORT"
    )
    scan_start_timeout: float = Field(
        default=180.0,
        gt=0,
        validation_alias="HOMEHOST_SCAN_START_TIMEOUT",
        description="Seconds Rspamd may take to answer: about 22 on its first "
        "start (it compiles the public-suffix list), 1 to 2 after that.",
    )

    portal_build: bool = Field(
        default=True,
        validation_alias="HOMEHOST_PORTAL_BUILD",
        description="Build the portal when portal/dist is missing or stale.",
    )

    @model_validator(mode="after")
    def _cert_with_key(self) -> StackSettings:
        if (self.mail_tls_cert is None) != (self.mail_tls_key is None):
            raise ValueError(
                "set HOMEHOST_MAIL_TLS_CERT and HOMEHOST_MAIL_TLS_KEY together"
            )
        return self

    def root_password(self) -> str | None:
        """Return MariaDB's root password, from the variable or its file."""
        if self.mariadb_root_password is not None:
            return self.mariadb_root_password.get_secret_value()
        if self.mariadb_root_password_file is not None:
            text = self.mariadb_root_password_file.read_text(encoding="utf-8")
            return text.rstrip("\r\n")
        return None
