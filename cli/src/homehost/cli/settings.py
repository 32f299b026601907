"""Settings of `homehost up` and `down`: where the machine's servers are."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr

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

    def root_password(self) -> str | None:
        """Return MariaDB's root password, from the variable or its file."""
        if self.mariadb_root_password is not None:
            return self.mariadb_root_password.get_secret_value()
        if self.mariadb_root_password_file is not None:
            text = self.mariadb_root_password_file.read_text(encoding="utf-8")
            return text.rstrip("\r\n")
        return None
