"""Log lines: JSON off a terminal, text on one, and never a secret."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime

import pytest
from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict

from homehost.shared.bus import Bus
from homehost.shared.logging import REDACTED, configure_logging, register_secret
from homehost.shared.runtime import ServiceDefinition, Supervisor
from homehost.shared.settings import ServiceSettings

logger = logging.getLogger("homehost.test.logging")


class TerminalStream(io.StringIO):
    """A stream that says it is a terminal, as a person's shell is."""

    def isatty(self) -> bool:
        """Claim to be a terminal."""
        return True


LogSetup = Callable[..., io.StringIO]


@pytest.fixture
def log_to() -> Iterator[LogSetup]:
    """`log_to(stream)` configures logging into `stream`; undone after the test."""
    root = logging.getLogger()
    saved_handlers = list(root.handlers)
    saved_level = root.level
    saved_nats_level = logging.getLogger("nats").level

    def configure(stream: io.StringIO, level: str = "INFO") -> io.StringIO:
        configure_logging(level, stream=stream)
        return stream

    try:
        yield configure
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in saved_handlers:
            root.addHandler(handler)
        root.setLevel(saved_level)
        logging.getLogger("nats").setLevel(saved_nats_level)


def unique_secret() -> str:
    """A secret no other test registered."""
    return f"pw-{uuid.uuid4().hex}"


def json_lines(stream: io.StringIO) -> list[dict[str, object]]:
    """Every line written, each parsed as one JSON object."""
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_json_lines_when_not_a_terminal(log_to: LogSetup) -> None:
    stream = log_to(io.StringIO())

    logger.info("zone %s has %d records", "example.com", 3)
    logger.debug("not shown at INFO")

    [entry] = json_lines(stream)
    assert set(entry) == {"time", "level", "logger", "message"}
    assert entry["level"] == "info"
    assert entry["logger"] == "homehost.test.logging"
    assert entry["message"] == "zone example.com has 3 records"
    assert isinstance(entry["time"], str)
    assert datetime.fromisoformat(entry["time"]).utcoffset() is not None


def test_text_on_a_terminal(log_to: LogSetup) -> None:
    stream = log_to(TerminalStream())

    logger.warning("zone %s is not proxied", "example.com")

    [line] = stream.getvalue().splitlines()
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} WARNING "
        r"homehost\.test\.logging: zone example\.com is not proxied",
        line,
    ), line


def test_extra_fields_appear_in_json(log_to: LogSetup) -> None:
    stream = log_to(io.StringIO())

    logger.info("record created", extra={"zone": "example.com", "record_count": 3})

    [entry] = json_lines(stream)
    assert entry["message"] == "record created"
    assert entry["zone"] == "example.com"
    assert entry["record_count"] == 3


def test_extra_fields_appear_in_text(log_to: LogSetup) -> None:
    stream = log_to(TerminalStream())

    logger.info("record created", extra={"zone": "example.com"})

    assert (
        stream.getvalue()
        .rstrip("\n")
        .endswith("homehost.test.logging: record created zone=example.com")
    )


def test_exception_is_one_json_line_with_its_traceback(log_to: LogSetup) -> None:
    stream = log_to(io.StringIO())

    try:
        raise ValueError("the zone file is empty")
    except ValueError:
        logger.exception("import failed")

    [entry] = json_lines(stream)
    assert entry["level"] == "error"
    assert entry["message"] == "import failed"
    assert isinstance(entry["exception"], str)
    assert entry["exception"].startswith("Traceback (most recent call last):")
    assert entry["exception"].endswith("ValueError: the zone file is empty")


@pytest.mark.parametrize("stream_class", [io.StringIO, TerminalStream])
def test_registered_secret_never_appears(
    log_to: LogSetup, stream_class: type[io.StringIO]
) -> None:
    secret = unique_secret()
    register_secret(secret)
    stream = log_to(stream_class())

    logger.info("password is %s", secret)
    logger.info(f"inline {secret}")  # noqa: G004  # A careless caller, on purpose.
    logger.info("in extra", extra={"password": secret, "nested": {"a": secret}})
    try:
        try:
            raise ConnectionError(f"login with {secret} refused")
        except ConnectionError as inner:
            raise RuntimeError(f"while retrying {secret}") from inner
    except RuntimeError:
        logger.exception("giving up on %s", secret)

    written = stream.getvalue()
    assert secret not in written
    assert written.count(REDACTED) == 7
    assert f"login with {REDACTED} refused" in written
    assert f"while retrying {REDACTED}" in written


def test_secret_with_json_special_characters_never_appears(log_to: LogSetup) -> None:
    secret = f'q"uo\\te-{uuid.uuid4().hex[:8]}'
    register_secret(secret)
    stream = log_to(io.StringIO())

    logger.info("password is %s", secret)

    [entry] = json_lines(stream)
    assert entry["message"] == f"password is {REDACTED}"
    assert secret not in stream.getvalue()
    assert json.dumps(secret)[1:-1] not in stream.getvalue()


def test_longest_secret_is_redacted_whole(log_to: LogSetup) -> None:
    short = unique_secret()
    long = f"{short}-and-more"
    register_secret(short)
    register_secret(long)
    stream = log_to(io.StringIO())

    logger.info("a %s b", long)

    [entry] = json_lines(stream)
    assert entry["message"] == f"a {REDACTED} b"


def test_very_short_values_are_not_treated_as_secrets(log_to: LogSetup) -> None:
    register_secret("on")
    stream = log_to(io.StringIO())

    logger.info("proxied is on")

    [entry] = json_lines(stream)
    assert entry["message"] == "proxied is on"


class TokenServiceSettings(ServiceSettings):
    """A service with a secret in its settings."""

    model_config = SettingsConfigDict(env_prefix="HOMEHOST_LOGTEST_")

    api_token: SecretStr = SecretStr("")


async def test_run_service_registers_the_settings_secrets(
    log_to: LogSetup, service_environment: dict[str, str], bus: Bus
) -> None:
    token = unique_secret()
    settings = TokenServiceSettings(api_token=SecretStr(token))

    async def setup(context: object) -> None:
        logger.info("starting with token %s", token)

    definition = ServiceDefinition(
        name="logtest",
        version="1.0.0",
        description="Logs its own secret, which must come out redacted.",
        settings_class=TokenServiceSettings,
        setup=setup,
    )
    supervisor = Supervisor(
        [definition], settings={"logtest": settings}, restart_backoff=(0.05,)
    )
    stream = log_to(io.StringIO())
    running = asyncio.create_task(supervisor.run())
    try:
        for _ in range(100):
            if "logtest" in supervisor.contexts:
                break
            await asyncio.sleep(0.05)
        supervisor.contexts["logtest"].fail(RuntimeError(f"token {token} revoked"))
        for _ in range(100):
            if supervisor.restarts["logtest"] == 1:
                break
            await asyncio.sleep(0.05)
    finally:
        supervisor.stop()
        await running

    written = stream.getvalue()
    entries = json_lines(stream)
    failure = next(e for e in entries if e["level"] == "error")
    assert failure["message"] == "service logtest failed; restarting it in 0.05 s"
    assert isinstance(failure["exception"], str)
    assert failure["exception"].endswith(f"RuntimeError: token {REDACTED} revoked")
    assert f"starting with token {REDACTED}" in [e["message"] for e in entries]
    assert token not in written
