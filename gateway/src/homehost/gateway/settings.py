"""Settings of the gateway."""

import socket
from ipaddress import IPv4Network, IPv6Network
from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from homehost.shared.settings import DatabaseServiceSettings

# In the workspace checkout the portal is built into `portal/dist` beside
# the service folders: gateway/src/homehost/gateway/ is four levels below.
DEFAULT_PORTAL_DIR = Path(__file__).resolve().parents[4] / "portal" / "dist"


class GatewaySettings(DatabaseServiceSettings):
    """Environment variables start with `HOMEHOST_GATEWAY_`."""

    model_config = SettingsConfigDict(env_prefix="HOMEHOST_GATEWAY_")

    database_name: str = "homehost_gateway"
    database_user: str = "homehost_gateway"
    host: str = Field(default="127.0.0.1", description="Address the HTTP API binds to.")
    port: int = Field(default=8080, ge=0, le=65535)
    health_timeout: float = Field(default=2.0, gt=0)

    session_idle_seconds: int = Field(
        default=30 * 60, ge=1, description="A session unused this long ends."
    )
    session_absolute_seconds: int = Field(
        default=12 * 3600, ge=1, description="A session ends this long after login."
    )
    login_token_seconds: int = Field(
        default=5 * 60, ge=1, description="Time to enter the TOTP code after login."
    )
    login_failure_window_seconds: int = Field(
        default=15 * 60, ge=1, description="Failed logins are counted over this."
    )
    login_max_failures_per_account: int = Field(
        default=5, ge=1, description="Failures in the window that lock an account."
    )
    login_max_failures_per_address: int = Field(
        default=20, ge=1, description="Failures in the window that block an address."
    )
    lockout_seconds: int = Field(
        default=15 * 60, ge=1, description="How long a lockout or block lasts."
    )
    trusted_proxies: list[IPv4Network | IPv6Network] = Field(
        default_factory=list,
        description=(
            "Reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are "
            'believed, as a JSON list: ["127.0.0.1/32"].'
        ),
    )
    max_body_bytes: int = Field(
        default=1024 * 1024, ge=1024, description="Larger request bodies get 413."
    )
    events_heartbeat_seconds: float = Field(
        default=15.0, gt=0, description="Comment line sent on a quiet event stream."
    )
    portal_dir: Path = Field(
        default=DEFAULT_PORTAL_DIR, description="The built portal served at /."
    )

    # What the "client setup" card of the mail accounts tells a person;
    # `homehost up` sets these to what it gave Dovecot and Postfix.
    tailscale_hostname: str = Field(
        default_factory=socket.gethostname,
        min_length=1,
        max_length=253,
        description="This box's name on the tailnet (MagicDNS); mail clients use it.",
    )
    mail_imap_port: int = Field(default=143, ge=1, le=65535)
    mail_pop3_port: int = Field(default=110, ge=1, le=65535)
    mail_submission_port: int = Field(default=587, ge=1, le=65535)
    mail_smtps_port: int = Field(default=465, ge=1, le=65535)
    mail_incoming_tls: bool = Field(
        default=False,
        description=(
            "Whether Dovecot offers STARTTLS on IMAP and POP3; without it the "
            "Tailscale link alone encrypts them."
        ),
    )
    mail_request_timeout: float = Field(
        default=30.0,
        gt=0,
        description="Seconds to wait for the mailbox service (hashing is slow).",
    )
    dns_request_timeout: float = Field(
        default=30.0,
        gt=0,
        description="Seconds to wait for the dns service to read or change a record.",
    )
    dns_apply_timeout: float = Field(
        default=120.0,
        ge=60,
        description=(
            "Seconds to wait for a plan to be applied or a zone imported; the "
            "dns service may wait out Cloudflare's rate limit meanwhile."
        ),
    )
