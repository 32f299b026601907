"""Settings shared by every service, read from the environment.

Each service declares one class derived from `ServiceSettings`. Values come
from environment variables (`HOMEHOST_...`); a secret may instead come from
a file named by the same variable with `_FILE` appended, as container
secrets are mounted. Placeholder secrets are refused outside development.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Literal, TypeVar, get_args

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from homehost.shared.errors import ConfigurationError

Environment = Literal["development", "production"]

PLACEHOLDER_SECRETS = frozenset(
    {"", "changeme", "changethis", "change-me", "secret", "password", "admin", "test"}
)


def default_state_dir() -> Path:
    """Return where homehost keeps its state: system-wide as root, else per user."""
    if os.geteuid() == 0:
        return Path("/var/lib/homehost")
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "homehost"


class SecretFileSource(PydanticBaseSettingsSource):
    """Reads `<VARIABLE>_FILE` for every secret field, as container secrets do."""

    def get_field_value(
        self, field: FieldInfo, field_name: str
    ) -> tuple[Any, str, bool]:
        """Return the secret read from the file the `_FILE` variable names."""
        if not _is_secret(field.annotation):
            return None, field_name, False
        variable = variable_name(self.settings_cls, field_name)
        environ = _environ_casefold()
        path = environ.get(f"{variable}_FILE")
        if not path:
            return None, field_name, False
        if variable in environ:
            raise ConfigurationError(
                f"{variable} and {variable}_FILE are both set; keep one of them",
                details={"variable": variable},
            )
        return _read_secret_file(path, variable), field_name, False

    def __call__(self) -> dict[str, Any]:
        """Return every secret that a `_FILE` variable provides."""
        values: dict[str, Any] = {}
        for field_name, field in self.settings_cls.model_fields.items():
            value, key, _ = self.get_field_value(field, field_name)
            if value is not None:
                values[key] = value
        return values


def variable_name(settings_class: type[BaseSettings], field_name: str) -> str:
    """Return the environment variable that sets `field_name`."""
    field = settings_class.model_fields[field_name]
    if isinstance(field.validation_alias, str):
        return field.validation_alias.upper()
    prefix = str(settings_class.model_config.get("env_prefix", ""))
    return f"{prefix}{field_name}".upper()


def _is_secret(annotation: Any) -> bool:
    return annotation is SecretStr or SecretStr in get_args(annotation)


def _environ_casefold() -> dict[str, str]:
    return {name.upper(): value for name, value in os.environ.items()}


def _read_secret_file(path: str, variable: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8").rstrip("\r\n")
    except OSError as exc:
        raise ConfigurationError(
            f"{variable}_FILE: cannot read {path}: {exc.strerror}",
            details={"variable": f"{variable}_FILE", "path": path},
        ) from exc


class ServiceSettings(BaseSettings):
    """Settings every service has; a service's own class adds its fields."""

    model_config = SettingsConfigDict(
        env_prefix="HOMEHOST_",
        extra="ignore",
        case_sensitive=False,
        populate_by_name=True,
    )

    environment: Environment = Field(
        default="production", validation_alias="HOMEHOST_ENVIRONMENT"
    )
    nats_url: str = Field(
        default="nats://127.0.0.1:4222", validation_alias="HOMEHOST_NATS_URL"
    )
    bus_namespace: str = Field(
        default="",
        validation_alias="HOMEHOST_BUS_NAMESPACE",
        pattern=r"^[a-z0-9_]*$",
        description="Prefix for every subject and stream; isolates test runs.",
    )
    request_timeout: float = Field(
        default=5.0, gt=0, validation_alias="HOMEHOST_REQUEST_TIMEOUT"
    )
    log_level: str = Field(default="INFO", validation_alias="HOMEHOST_LOG_LEVEL")
    state_dir: Path = Field(
        default_factory=default_state_dir, validation_alias="HOMEHOST_STATE_DIR"
    )
    mariadb_host: str = Field(
        default="127.0.0.1", validation_alias="HOMEHOST_MARIADB_HOST"
    )
    mariadb_port: int = Field(default=3306, validation_alias="HOMEHOST_MARIADB_PORT")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Read init values, then the environment, then `*_FILE` secrets."""
        return (
            init_settings,
            env_settings,
            SecretFileSource(settings_cls),
            dotenv_settings,
        )

    @field_validator("*", mode="after")
    @classmethod
    def _refuse_placeholder_secrets(cls, value: Any, info: ValidationInfo) -> Any:
        # Checked per field, so the error names the field and shows only the
        # placeholder itself, never the other values the model was given.
        if not isinstance(value, SecretStr):
            return value
        if info.data.get("environment") == "development":
            return value
        if value.get_secret_value().strip().lower() in PLACEHOLDER_SECRETS:
            raise ValueError(
                "a placeholder secret is refused outside development; set a real one"
            )
        return value

    def secret_values(self) -> list[str]:
        """Return every secret this settings object holds, for log redaction."""
        return [
            value.get_secret_value()
            for _, value in self
            if isinstance(value, SecretStr) and value.get_secret_value()
        ]


class DatabaseServiceSettings(ServiceSettings):
    """Settings of a service that owns a MariaDB database of its own.

    Each such service connects as its own least-privilege user, which may
    touch only its own database; `homehost up` creates both.
    """

    database_name: str = ""
    database_user: str = ""
    database_password: SecretStr = SecretStr("")

    # A validator rather than a field constraint: services override these
    # fields with their own defaults, which would drop a constraint.
    @field_validator("database_name", "database_user", mode="after")
    @classmethod
    def _refuse_odd_names(cls, value: str, info: ValidationInfo) -> str:
        longest = 64 if info.field_name == "database_name" else 80
        if re.fullmatch(rf"[A-Za-z0-9_]{{1,{longest}}}", value) is None:
            raise ValueError(f"use 1 to {longest} letters, digits or underscores")
        return value


SettingsT = TypeVar("SettingsT", bound=ServiceSettings)


def load_settings(settings_class: type[SettingsT]) -> SettingsT:
    """Read a service's settings, or raise `ConfigurationError` naming each bad one.

    The message names the environment variable and the reason, never the
    value that was given, which may be a secret.
    """
    try:
        return settings_class()
    except ValidationError as exc:
        problems = [
            {
                "variable": _variable_of(settings_class, problem["loc"]),
                "message": str(problem["msg"]).removeprefix("Value error, "),
            }
            for problem in exc.errors(include_url=False, include_input=False)
        ]
        raise ConfigurationError(
            "; ".join(f"{p['variable']}: {p['message']}" for p in problems),
            details={"errors": problems},
        ) from None  # The original error quotes the values, secrets too.


def _variable_of(settings_class: type[ServiceSettings], loc: tuple[Any, ...]) -> str:
    name = str(loc[0]) if loc else ""
    if name in settings_class.model_fields:
        return variable_name(settings_class, name)
    return name or settings_class.__name__
