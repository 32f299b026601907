"""What the gateway's routes take and return."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    StrictBool,
    field_validator,
)
from pydantic_core import PydanticCustomError

from homehost.gateway.scopes import Role, Scope

USERNAME_PATTERN = r"^[a-z0-9._-]{3,64}$"

AuthKind = Literal["session", "token"]
AuditAuth = Literal["session", "token", "anonymous"]
AuditResult = Literal["success", "failure", "denied"]
LoginStatus = Literal["authenticated", "totp_required", "totp_enrolment_required"]


class RequestModel(BaseModel):
    """A request body: unknown fields are refused, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


class ErrorPayload(BaseModel):
    """Every error answer: a stable code, a readable message and details."""

    code: str
    message: str
    details: dict[str, Any] = {}


class AdminPublic(BaseModel):
    """An admin account as the API shows it: never a hash or a secret."""

    id: int
    username: str
    role: Role
    totp_enabled: bool
    disabled: bool
    locked_until: datetime | None
    created_at: datetime
    last_login_at: datetime | None


class AdminCreate(RequestModel):
    """A new admin account."""

    username: str = Field(json_schema_extra={"pattern": USERNAME_PATTERN})
    password: SecretStr = Field(max_length=1024)
    role: Role = "viewer"

    @field_validator("username")
    @classmethod
    def _plain_username(cls, value: str) -> str:
        # Said in words: the pattern itself means little to whoever typed it.
        if not re.fullmatch(USERNAME_PATTERN, value):
            raise PydanticCustomError(
                "username",
                "use 3 to 64 characters: lowercase letters, digits, '.', '_' or '-'",
            )
        return value


class AdminUpdate(RequestModel):
    """A change to an admin's role or whether it may log in."""

    role: Role | None = None
    disabled: StrictBool | None = None


class LoginRequest(RequestModel):
    """The first login step: name and password."""

    username: str = Field(min_length=1, max_length=255)
    password: SecretStr = Field(max_length=1024)


class TotpLoginRequest(RequestModel):
    """The second login step: the token from the first and a code."""

    login_token: str = Field(min_length=1, max_length=255)
    code: str = Field(
        min_length=1,
        max_length=64,
        description="A 6-digit TOTP code or an unused recovery code.",
    )


class LoginResult(BaseModel):
    """The answer to a login step; which fields are set depends on `status`."""

    status: LoginStatus
    admin: AdminPublic | None = None
    csrf_token: str | None = None
    login_token: str | None = None


class Me(BaseModel):
    """Who the caller is and what it may do."""

    admin: AdminPublic
    csrf_token: str | None
    scopes: list[Scope]
    auth: AuthKind
    totp_enrolment_required: bool


class TotpEnrolment(BaseModel):
    """A new TOTP secret to scan, not active until confirmed with a code."""

    secret: str
    otpauth_uri: str
    qr_svg: str


class TotpCode(RequestModel):
    """A TOTP code (or, to switch 2FA off, a recovery code)."""

    code: str = Field(min_length=1, max_length=64)


class RecoveryCodes(BaseModel):
    """Single-use codes that replace the TOTP app once each; shown once."""

    recovery_codes: list[str]


class SecuritySettings(RequestModel):
    """Gateway-wide security settings."""

    enforce_totp: StrictBool


class TokenCreate(RequestModel):
    """A new API token for the caller."""

    name: str = Field(min_length=1, max_length=100)
    scopes: list[Scope] = Field(min_length=1)
    expires_in_days: int | None = Field(default=None, ge=1, le=3650)


class TokenPublic(BaseModel):
    """An API token as listed: its prefix, never the token itself."""

    id: int
    name: str
    prefix: str
    scopes: list[Scope]
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None
    owner: str


class TokenCreated(TokenPublic):
    """A token just made: the only answer that carries the token."""

    token: str


class AuditEntry(BaseModel):
    """One recorded state-changing request."""

    id: int
    time: datetime
    actor: str
    auth: AuditAuth
    token_id: int | None
    action: str
    target: str
    result: AuditResult
    status_code: int
    client_address: str
    details: dict[str, Any]


class AuditPage(BaseModel):
    """One page of audit entries, newest first."""

    items: list[AuditEntry]
    total: int
    page: int
    page_size: int
