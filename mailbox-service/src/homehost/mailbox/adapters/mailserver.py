"""Rendering the Dovecot and Postfix configuration from deploy/ templates.

The same templates serve production (`homehost up`) and the tests, which
start real Dovecot and Postfix from what this module writes. Files that
hold a password are written readable by root only; the servers read them
as root before they drop privileges.
"""

from __future__ import annotations

import datetime
import logging
import os
import re
import shutil
from pathlib import Path

import jinja2
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from pydantic import BaseModel, Field, SecretStr, field_validator

logger = logging.getLogger(__name__)

VMAIL_UID = 5000

# Tables the mail servers' read-only MariaDB user may read, and nothing else.
MAIL_SERVER_TABLES = (
    "mail_domains",
    "mailboxes",
    "mail_aliases",
    "mail_alias_destinations",
)


class MailDatabase(BaseModel):
    """Where Dovecot and Postfix read the mail directory, as a read-only user."""

    host: str = "127.0.0.1"
    port: int = 3306
    name: str
    user: str
    password: SecretStr

    @field_validator("password")
    @classmethod
    def _plain_token(cls, value: SecretStr) -> SecretStr:
        # The value is written unquoted into Dovecot's connect string and
        # Postfix's table file: a long token of safe characters needs no
        # quoting in either.
        if not re.fullmatch(r"[A-Za-z0-9_-]{16,}", value.get_secret_value()):
            raise ValueError("use 16 or more characters from A-Z a-z 0-9 _ -")
        return value


class DovecotConfig(BaseModel):
    """Values of deploy/dovecot/*.j2."""

    config_dir: Path
    run_dir: Path
    state_dir: Path
    log_path: Path
    mail_root: Path
    database: MailDatabase
    instance_name: str = "homehost"
    listen_address: str = "127.0.0.1"
    imap_address: str = "127.0.0.1"
    imap_port: int = 143
    pop3_address: str = "127.0.0.1"
    pop3_port: int = 110
    lmtp_address: str = "127.0.0.1"
    lmtp_port: int = 24
    postmaster_address: str = "postmaster@localhost"
    vmail_user: str = "vmail"
    vmail_uid: int = VMAIL_UID
    vmail_gid: int = VMAIL_UID
    postfix_user: str = "postfix"
    postfix_group: str = "postfix"
    postfix_auth_socket: str = "auth-postfix"
    auth_vsz_limit: str = "512M"
    default_pass_scheme: str = "SHA512-CRYPT"  # noqa: S105 - a scheme's name.
    ssl_cert: Path | None = None
    ssl_key: Path | None = None

    @property
    def config_file(self) -> Path:
        """The rendered dovecot.conf, as `dovecot -c` and `doveadm -c` take it."""
        return self.config_dir / "dovecot.conf"

    @property
    def auth_socket(self) -> Path:
        """Dovecot's auth socket for Postfix's SASL."""
        return self.run_dir / self.postfix_auth_socket


class PostfixConfig(BaseModel):
    """Values of deploy/postfix/*.j2."""

    config_dir: Path
    queue_dir: Path
    data_dir: Path
    log_path: Path
    database: MailDatabase
    dovecot_auth_socket: Path
    tls_cert: Path
    tls_key: Path
    hostname: str = "localhost"
    inet_interfaces: str = "all"
    submission_address: str = "127.0.0.1"
    submission_port: int = 587
    smtps_port: int = 465
    relayhost: str = "[smtp.sendgrid.net]:587"
    relay_user: str = "apikey"
    relay_password_file: Path | None = Field(
        default=None, description="A file holding the relay's password (API key)."
    )
    relay_tls_security_level: str = Field(
        default="secure", pattern=r"^(none|may|encrypt|verify|secure)$"
    )
    message_size_limit: int = 25 * 1024 * 1024
    postfix_user: str = "postfix"
    postdrop_group: str = "postdrop"


def _environment(template_dir: Path) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(template_dir),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,  # noqa: S701 - configuration files, not HTML.
    )


def _write(path: Path, text: str, *, mode: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.new")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(temporary, mode)
    temporary.replace(path)


def _database_values(database: MailDatabase) -> dict[str, object]:
    return {
        "db_host": database.host,
        "db_port": database.port,
        "db_name": database.name,
        "db_user": database.user,
        "db_password": database.password.get_secret_value(),
    }


def render_dovecot(template_dir: Path, config: DovecotConfig) -> Path:
    """Write dovecot.conf and dovecot-sql.conf.ext; return dovecot.conf's path."""
    environment = _environment(template_dir)
    values = config.model_dump(exclude={"database"}) | _database_values(config.database)
    for directory in (config.config_dir, config.run_dir, config.state_dir):
        directory.mkdir(parents=True, exist_ok=True)
    _write(
        config.config_file,
        environment.get_template("dovecot.conf.j2").render(values),
        mode=0o644,
    )
    _write(
        config.config_dir / "dovecot-sql.conf.ext",
        environment.get_template("dovecot-sql.conf.ext.j2").render(values),
        mode=0o600,
    )
    logger.info("rendered the Dovecot configuration into %s", config.config_dir)
    return config.config_file


def render_postfix(template_dir: Path, config: PostfixConfig) -> Path:
    """Write main.cf, master.cf and their lookup tables; return the directory."""
    environment = _environment(template_dir)
    values = config.model_dump(exclude={"database"}) | _database_values(config.database)
    for directory in (config.config_dir, config.queue_dir, config.data_dir):
        directory.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        # Postfix refuses to start unless its data directory is its own.
        shutil.chown(config.data_dir, config.postfix_user)
    relay_map = config.config_dir / "relay-password"
    values["relay_password_file"] = (
        relay_map if config.relay_password_file is not None else None
    )
    for name in ("main.cf", "master.cf"):
        _write(
            config.config_dir / name,
            environment.get_template(f"{name}.j2").render(values),
            mode=0o644,
        )
    _write(
        config.config_dir / "mysql-sender-login-maps.cf",
        environment.get_template("mysql-sender-login-maps.cf.j2").render(values),
        mode=0o600,
    )
    if config.relay_password_file is not None:
        secret = config.relay_password_file.read_text(encoding="utf-8").strip()
        # texthash needs no postmap; smtp reads it once, as root, at start.
        _write(
            relay_map,
            f"{config.relayhost} {config.relay_user}:{secret}\n",
            mode=0o600,
        )
    logger.info("rendered the Postfix configuration into %s", config.config_dir)
    return config.config_dir


def mail_server_grants(*, database: str, user: str, host: str = "%") -> list[str]:
    """SQL that lets the mail servers' user read the mail directory, no more."""
    return [
        f"GRANT SELECT ON `{database}`.`{table}` TO '{user}'@'{host}'"
        for table in MAIL_SERVER_TABLES
    ]


def write_self_signed_certificate(
    *, cert_path: Path, key_path: Path, hostname: str, days: int = 825
) -> None:
    """Write a self-signed certificate for `hostname` and its 0600 private key.

    Submission needs TLS before a password is sent; without a certificate
    from a CA (Tailscale's, or another), mail clients are shown this one
    once and asked to trust it.
    """
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostname)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName(hostname)]), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    _write(
        key_path,
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode("ascii"),
        mode=0o600,
    )
    _write(
        cert_path,
        certificate.public_bytes(serialization.Encoding.PEM).decode("ascii"),
        mode=0o644,
    )
    logger.info("wrote a self-signed certificate for %s to %s", hostname, cert_path)
