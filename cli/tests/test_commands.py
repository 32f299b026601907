"""What the `homehost` commands say and do when given something wrong."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from homehost.cli.envfile import write_env_file
from homehost.cli.layout import StateLayout
from homehost.cli.main import app
from homehost.cli.processes import (
    StartedProcess,
    StartedRecord,
    process_start_ticks,
    write_started,
)
from homehost.mail_ingest.signing import INBOUND_PATH

pytestmark = pytest.mark.usefixtures("clean_environ")

NOTHING_STARTED = "bad settings, so nothing was written or started:"


@pytest.fixture
def state(layout: StateLayout) -> StateLayout:
    """The test's state directory, and an environment without homehost's."""
    for name in [name for name in os.environ if name.startswith("HOMEHOST_")]:
        del os.environ[name]
    os.environ["HOMEHOST_STATE_DIR"] = str(layout.root)
    return layout


def invoke(*arguments: str, **environment: str) -> Result:
    """Run `homehost ARGUMENTS` in this process with `environment` added."""
    return CliRunner().invoke(app, list(arguments), env=environment)


def test_up_refuses_a_bad_port_before_writing_or_starting_anything(
    state: StateLayout,
) -> None:
    result = invoke("up", HOMEHOST_GATEWAY_PORT="99999")

    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines() == [
        NOTHING_STARTED,
        "  gateway: HOMEHOST_GATEWAY_PORT: Input should be less than or equal to 65535",
    ]
    assert result.stdout == ""
    assert not state.env_file.exists()
    assert not state.started_file.exists()


def test_up_names_the_env_file_a_bad_value_came_from(state: StateLayout) -> None:
    write_env_file(state.env_file, {"HOMEHOST_GATEWAY_PORT": "99999"})
    before = state.env_file.read_text()

    result = invoke("up")

    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines() == [
        NOTHING_STARTED,
        "  gateway: HOMEHOST_GATEWAY_PORT: "
        f"Input should be less than or equal to 65535 (set in {state.env_file})",
    ]
    assert state.env_file.read_text() == before
    assert not state.started_file.exists()


def test_up_checks_every_service_before_starting_a_server(
    state: StateLayout, tmp_path: Path
) -> None:
    token = tmp_path / "token"
    token.write_text("changeme\n")

    result = invoke(
        "up",
        HOMEHOST_DNS_CLOUDFLARE_API_TOKEN_FILE=str(token),
        HOMEHOST_DNS_BATCH_LIMIT="999999",
    )

    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines() == [
        NOTHING_STARTED,
        "  dns: HOMEHOST_DNS_CLOUDFLARE_API_TOKEN: a placeholder secret is "
        "refused outside development; set a real one",
        "  dns: HOMEHOST_DNS_BATCH_LIMIT: Input should be less than or equal to 3500",
    ]
    assert result.stdout == ""
    assert not state.env_file.exists()
    assert not state.started_file.exists()


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        (
            "HOMEHOST_ENVIRONMENT",
            "prod",
            "HOMEHOST_ENVIRONMENT: Input should be 'development' or 'production'",
        ),
        (
            "HOMEHOST_REQUEST_TIMEOUT",
            "-3",
            "HOMEHOST_REQUEST_TIMEOUT: Input should be greater than 0",
        ),
    ],
)
def test_status_names_a_bad_variable_in_one_line(
    state: StateLayout, variable: str, value: str, message: str
) -> None:
    result = invoke("status", **{variable: value})

    assert result.exit_code == 2, result.output
    assert result.stderr == f"bad settings: {message}\n"


def test_status_says_when_no_service_answers(state: StateLayout) -> None:
    # A namespace of its own: no service of any other run answers in it.
    result = invoke(
        "status",
        "--timeout",
        "0.2",
        HOMEHOST_BUS_NAMESPACE=f"t{os.getpid()}nobody",
        HOMEHOST_NATS_URL=os.environ.get(
            "HOMEHOST_TEST_NATS_URL", "nats://127.0.0.1:4222"
        ),
    )

    assert result.exit_code == 1, result.output
    assert result.stdout.splitlines()[-1] == (
        "no service answers: is homehost running? start it with ./homehost up"
    )


def test_inject_names_a_missing_message_file(state: StateLayout) -> None:
    result = invoke(
        "mail", "inject", "/nonexistent.eml", "--from", "a@b", "--to", "c@d"
    )

    assert result.exit_code == 2, result.output
    assert result.stderr == (
        "the message: cannot read /nonexistent.eml: No such file or directory\n"
    )


def test_inject_finds_mail_ingest_where_the_env_file_says(
    state: StateLayout, tmp_path: Path, free_port: int
) -> None:
    message = tmp_path / "message.eml"
    message.write_bytes(b"Subject: hello\r\n\r\nhello\r\n")
    secret = tmp_path / "secret"
    secret.write_text("a-worker-secret-for-the-test\n")
    write_env_file(
        state.env_file,
        {
            "HOMEHOST_INGEST_HTTP_PORT": str(free_port),
            "HOMEHOST_INGEST_WORKER_SECRET_FILE": str(secret),
        },
    )

    # Nothing listens on the port: the refusal names the address it tried.
    result = invoke("mail", "inject", str(message), "--from", "a@b", "--to", "c@d")

    assert result.exit_code == 1, result.output
    assert result.stderr.startswith(
        f"http://127.0.0.1:{free_port}{INBOUND_PATH} did not answer: "
    )


@pytest.fixture
def background(state: StateLayout) -> Iterator[StartedProcess]:
    """A live process recorded as the homehost that `up` started."""
    child = subprocess.Popen(["/bin/sleep", "60"])
    try:
        process = StartedProcess(
            name="homehost",
            pid=child.pid,
            start_ticks=process_start_ticks(child.pid),
            argv=["/bin/sleep", "60"],
            log=str(state.homehost_log),
        )
        write_started(
            state.started_file, StartedRecord(processes={"homehost": process})
        )
        yield process
    finally:
        child.kill()
        child.wait()


def test_run_refuses_while_the_background_homehost_runs(
    background: StartedProcess,
) -> None:
    result = invoke("run", "gateway")

    assert result.exit_code == 1, result.output
    assert result.stderr == (
        f"homehost is already running in the background (pid {background.pid}); "
        "stop it with ./homehost down\n"
    )
