"""Settings from the environment, `*_FILE` secrets and placeholder refusal."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError
from pydantic_settings import SettingsConfigDict

from homehost.dns.settings import DnsSettings
from homehost.gateway.settings import GatewaySettings
from homehost.shared.errors import ConfigurationError
from homehost.shared.settings import (
    DatabaseServiceSettings,
    ServiceSettings,
    load_settings,
    variable_name,
)

PRODUCTION_PASSWORD = "Vq3-lemon-harbour-81"


class PlainSettings(ServiceSettings):
    """A service without secrets."""

    model_config = SettingsConfigDict(env_prefix="HOMEHOST_PLAINTEST_")


class TokenSettings(ServiceSettings):
    """A service with an optional secret, as a Cloudflare token would be."""

    model_config = SettingsConfigDict(env_prefix="HOMEHOST_TOKENTEST_")

    api_token: SecretStr | None = None


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Start each test without any homehost variable of the machine."""
    for name in list(os.environ):
        if name.upper().startswith("HOMEHOST_"):
            monkeypatch.delenv(name)


def test_common_variables_are_shared_and_service_variables_are_prefixed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HOMEHOST_ENVIRONMENT", "development")
    monkeypatch.setenv("HOMEHOST_NATS_URL", "nats://bus.internal:4333")
    monkeypatch.setenv("HOMEHOST_MARIADB_PORT", "3307")
    monkeypatch.setenv("HOMEHOST_GATEWAY_PORT", "9090")
    # A service variable without the prefix belongs to no service.
    monkeypatch.setenv("HOMEHOST_PORT", "1111")
    monkeypatch.setenv("HOMEHOST_GATEWAY_DATABASE_NAME", "gateway_main")

    gateway = GatewaySettings()
    dns = DnsSettings()

    assert gateway.nats_url == "nats://bus.internal:4333"
    assert dns.nats_url == "nats://bus.internal:4333"
    assert gateway.mariadb_port == 3307
    assert dns.mariadb_port == 3307
    assert gateway.port == 9090
    assert gateway.database_name == "gateway_main"
    assert gateway.environment == "development"


def test_variable_names_follow_the_prefix_of_each_field() -> None:
    assert variable_name(GatewaySettings, "port") == "HOMEHOST_GATEWAY_PORT"
    assert (
        variable_name(GatewaySettings, "database_password")
        == "HOMEHOST_GATEWAY_DATABASE_PASSWORD"
    )
    assert variable_name(GatewaySettings, "nats_url") == "HOMEHOST_NATS_URL"


def test_defaults_without_any_variable() -> None:
    settings = PlainSettings()

    assert settings.environment == "production"
    assert settings.nats_url == "nats://127.0.0.1:4222"
    assert settings.bus_namespace == ""
    assert settings.request_timeout == 5.0


def test_secret_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOMEHOST_GATEWAY_DATABASE_PASSWORD", PRODUCTION_PASSWORD)

    settings = GatewaySettings()

    assert settings.database_password.get_secret_value() == PRODUCTION_PASSWORD
    assert PRODUCTION_PASSWORD not in repr(settings)
    assert settings.secret_values() == [PRODUCTION_PASSWORD]


def test_secret_from_a_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    secret_file = tmp_path / "gateway_db_password"
    secret_file.write_text(f"{PRODUCTION_PASSWORD}\n", encoding="utf-8")
    monkeypatch.setenv("HOMEHOST_GATEWAY_DATABASE_PASSWORD_FILE", str(secret_file))

    settings = GatewaySettings()

    # The newline an editor or `echo` leaves at the end is not part of it.
    assert settings.database_password.get_secret_value() == PRODUCTION_PASSWORD


def test_optional_secret_from_a_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    secret_file = tmp_path / "token"
    secret_file.write_text("cf-token-7d1e2b9a", encoding="utf-8")
    monkeypatch.setenv("HOMEHOST_TOKENTEST_API_TOKEN_FILE", str(secret_file))

    settings = TokenSettings()

    assert settings.api_token is not None
    assert settings.api_token.get_secret_value() == "cf-token-7d1e2b9a"


def test_missing_secret_file_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    missing = tmp_path / "nowhere"
    monkeypatch.setenv("HOMEHOST_GATEWAY_DATABASE_PASSWORD_FILE", str(missing))

    with pytest.raises(ConfigurationError) as raised:
        GatewaySettings()

    assert raised.value.message == (
        f"HOMEHOST_GATEWAY_DATABASE_PASSWORD_FILE: cannot read {missing}: "
        "No such file or directory"
    )
    assert raised.value.details["variable"] == "HOMEHOST_GATEWAY_DATABASE_PASSWORD_FILE"


def test_a_secret_and_its_file_together_are_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    secret_file = tmp_path / "password"
    secret_file.write_text(PRODUCTION_PASSWORD, encoding="utf-8")
    monkeypatch.setenv("HOMEHOST_GATEWAY_DATABASE_PASSWORD", "another-one-2291")
    monkeypatch.setenv("HOMEHOST_GATEWAY_DATABASE_PASSWORD_FILE", str(secret_file))

    with pytest.raises(ConfigurationError) as raised:
        GatewaySettings()

    assert raised.value.message == (
        "HOMEHOST_GATEWAY_DATABASE_PASSWORD and "
        "HOMEHOST_GATEWAY_DATABASE_PASSWORD_FILE are both set; keep one of them"
    )


@pytest.mark.parametrize("placeholder", ["changeme", "", "  Password ", "secret"])
def test_placeholder_secret_is_refused_outside_development(
    monkeypatch: pytest.MonkeyPatch, placeholder: str
) -> None:
    monkeypatch.setenv("HOMEHOST_ENVIRONMENT", "production")
    monkeypatch.setenv("HOMEHOST_GATEWAY_DATABASE_PASSWORD", placeholder)

    with pytest.raises(ValidationError) as raised:
        GatewaySettings()

    errors = raised.value.errors(include_url=False)
    assert [error["loc"] for error in errors] == [("database_password",)]
    assert errors[0]["msg"] == (
        "Value error, a placeholder secret is refused outside development; "
        "set a real one"
    )


def test_missing_secret_is_refused_outside_development() -> None:
    with pytest.raises(ValidationError) as raised:
        GatewaySettings()

    assert [e["loc"] for e in raised.value.errors()] == [("database_password",)]


def test_placeholder_secret_is_accepted_in_development(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HOMEHOST_ENVIRONMENT", "development")
    monkeypatch.setenv("HOMEHOST_GATEWAY_DATABASE_PASSWORD", "changeme")

    settings = GatewaySettings()

    assert settings.database_password.get_secret_value() == "changeme"


def test_placeholder_refused_when_given_in_code() -> None:
    with pytest.raises(ValidationError) as raised:
        DatabaseServiceSettings(
            environment="production",
            database_name="shop",
            database_user="shop",
            database_password=SecretStr("admin"),
        )

    assert [e["loc"] for e in raised.value.errors()] == [("database_password",)]


def test_load_settings_names_each_variable_and_never_a_value(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HOMEHOST_GATEWAY_PORT", "eighty")
    monkeypatch.setenv("HOMEHOST_REQUEST_TIMEOUT", "-3")
    monkeypatch.setenv("HOMEHOST_GATEWAY_DATABASE_PASSWORD", "changeme")
    monkeypatch.setenv("HOMEHOST_GATEWAY_DATABASE_USER", "bad user; drop")

    with pytest.raises(ConfigurationError) as raised:
        load_settings(GatewaySettings)

    variables = [problem["variable"] for problem in raised.value.details["errors"]]
    assert sorted(variables) == [
        "HOMEHOST_GATEWAY_DATABASE_PASSWORD",
        "HOMEHOST_GATEWAY_DATABASE_USER",
        "HOMEHOST_GATEWAY_PORT",
        "HOMEHOST_REQUEST_TIMEOUT",
    ]
    assert "eighty" not in raised.value.message
    assert "bad user; drop" not in raised.value.message
    assert "changeme" not in raised.value.message
    assert (
        "HOMEHOST_GATEWAY_DATABASE_PASSWORD: a placeholder secret is refused "
        "outside development; set a real one" in raised.value.message
    )
    assert raised.value.__cause__ is None
    assert raised.value.__suppress_context__ is True


def test_load_settings_of_valid_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOMEHOST_PLAINTEST_LOG_LEVEL", "ignored")
    monkeypatch.setenv("HOMEHOST_LOG_LEVEL", "DEBUG")

    settings = load_settings(PlainSettings)

    assert isinstance(settings, PlainSettings)
    assert settings.log_level == "DEBUG"
