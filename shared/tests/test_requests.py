"""Typed requests over the real NATS: replies, errors, timeouts, queue groups."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable

import pytest
from pydantic import BaseModel

from homehost.shared.bus import Bus, BusService
from homehost.shared.errors import (
    InternalError,
    InvalidRequest,
    NotFound,
    RequestTimeout,
    ServiceUnavailable,
)

ServiceFactory = Callable[..., Awaitable[BusService]]
BusFactory = Callable[[], Awaitable[Bus]]


class GreetRequest(BaseModel):
    """Ask for a greeting."""

    name: str
    times: int = 1


class Greeting(BaseModel):
    """A greeting, and which copy of the service wrote it."""

    text: str
    served_by: str = ""


async def test_round_trip_with_typed_models(
    bus: Bus, start_service: ServiceFactory
) -> None:
    service = await start_service(bus)

    async def greet(request: GreetRequest) -> Greeting:
        return Greeting(text=" ".join([f"hello {request.name}"] * request.times))

    await service.add_endpoint("greet", greet, GreetRequest)

    reply = await bus.request(
        "api.greeter.greet", GreetRequest(name="ada", times=2), Greeting
    )

    assert reply == Greeting(text="hello ada hello ada")


async def test_typed_error_arrives_as_the_same_class(
    bus: Bus, start_service: ServiceFactory
) -> None:
    service = await start_service(bus)

    async def greet(request: GreetRequest) -> Greeting:
        raise NotFound(
            f"nobody called {request.name} lives here",
            details={"name": request.name, "known": ["ada", "grace"]},
        )

    await service.add_endpoint("greet", greet, GreetRequest)

    with pytest.raises(NotFound) as caught:
        await bus.request("api.greeter.greet", GreetRequest(name="bob"), Greeting)

    assert caught.value.code == "not_found"
    assert caught.value.message == "nobody called bob lives here"
    assert caught.value.details == {"name": "bob", "known": ["ada", "grace"]}


async def test_no_responders_is_service_unavailable(bus: Bus) -> None:
    with pytest.raises(ServiceUnavailable) as caught:
        await bus.request("api.nobody.ping", None, Greeting)

    assert caught.value.code == "unavailable"
    assert caught.value.message == "no service answers on api.nobody.ping"
    assert caught.value.details == {"subject": "api.nobody.ping"}


async def test_slow_handler_is_a_request_timeout(
    bus: Bus, start_service: ServiceFactory
) -> None:
    service = await start_service(bus)
    release = asyncio.Event()

    async def greet(request: GreetRequest) -> Greeting:
        await release.wait()
        return Greeting(text="too late")

    await service.add_endpoint("greet", greet, GreetRequest)

    try:
        with pytest.raises(RequestTimeout) as caught:
            await bus.request(
                "api.greeter.greet", GreetRequest(name="ada"), Greeting, timeout=0.3
            )
    finally:
        release.set()

    assert caught.value.code == "timeout"
    assert caught.value.details == {
        "subject": "api.greeter.greet",
        "timeout_seconds": 0.3,
    }


async def test_invalid_payload_names_each_bad_field(
    bus: Bus, start_service: ServiceFactory
) -> None:
    service = await start_service(bus)
    calls: list[GreetRequest] = []

    async def greet(request: GreetRequest) -> Greeting:
        calls.append(request)
        return Greeting(text="unreachable")

    await service.add_endpoint("greet", greet, GreetRequest)

    with pytest.raises(InvalidRequest) as caught:
        await bus.request("api.greeter.greet", {"times": "often"}, Greeting)

    assert caught.value.code == "invalid_request"
    assert [error["field"] for error in caught.value.details["errors"]] == [
        "name",
        "times",
    ]
    assert caught.value.details["errors"][0]["message"] == "Field required"
    assert caught.value.message.startswith("name: Field required; times: ")
    assert calls == []


async def test_body_that_is_not_json_is_invalid(
    bus: Bus, start_service: ServiceFactory
) -> None:
    service = await start_service(bus)

    async def greet(request: GreetRequest) -> Greeting:
        return Greeting(text="unreachable")

    await service.add_endpoint("greet", greet, GreetRequest)

    reply = await bus.client.request(bus.subject("api.greeter.greet"), b"{not json")

    assert reply.headers is not None
    assert reply.headers["Nats-Service-Error-Code"] == "invalid_request"


async def test_unexpected_failure_is_an_internal_error_with_a_logged_id(
    bus: Bus, start_service: ServiceFactory, caplog: pytest.LogCaptureFixture
) -> None:
    service = await start_service(bus)
    failures = iter([True, False])

    async def greet(request: GreetRequest) -> Greeting:
        if next(failures):
            raise RuntimeError("the disk with the secret recipe is on fire")
        return Greeting(text=f"hello {request.name}")

    await service.add_endpoint("greet", greet, GreetRequest)

    with (
        caplog.at_level(logging.ERROR, logger="homehost.shared.bus.service"),
        pytest.raises(InternalError) as caught,
    ):
        await bus.request("api.greeter.greet", GreetRequest(name="ada"), Greeting)
    after = await bus.request("api.greeter.greet", GreetRequest(name="ada"), Greeting)

    error_id = caught.value.error_id
    assert len(error_id) == 12
    assert caught.value.code == "internal"
    assert caught.value.details == {"error_id": error_id}
    assert "secret recipe" not in caught.value.message
    [record] = [r for r in caplog.records if r.name == "homehost.shared.bus.service"]
    assert error_id in record.getMessage()
    assert record.exc_info is not None
    assert str(record.exc_info[1]) == "the disk with the secret recipe is on fire"
    assert after == Greeting(text="hello ada")


async def test_requests_to_one_endpoint_are_served_concurrently(
    bus: Bus, start_service: ServiceFactory
) -> None:
    service = await start_service(bus)
    second_arrived = asyncio.Event()

    async def greet(request: GreetRequest) -> Greeting:
        # The first request can only finish once the second one is being
        # served: a service that serves one request at a time never does.
        if request.name == "first":
            await second_arrived.wait()
        else:
            second_arrived.set()
        return Greeting(text=f"hello {request.name}")

    await service.add_endpoint("greet", greet, GreetRequest)

    first = asyncio.create_task(
        bus.request("api.greeter.greet", GreetRequest(name="first"), Greeting)
    )
    await asyncio.sleep(0.1)
    second = await bus.request(
        "api.greeter.greet", GreetRequest(name="second"), Greeting
    )

    assert (await first).text == "hello first"
    assert second.text == "hello second"


async def test_two_copies_in_one_queue_group_share_the_requests(
    bus: Bus, connect_another: BusFactory, start_service: ServiceFactory
) -> None:
    handled: dict[str, list[int]] = {"one": [], "two": []}

    def greeter(copy: str) -> Callable[[GreetRequest], Awaitable[Greeting]]:
        async def greet(request: GreetRequest) -> Greeting:
            handled[copy].append(request.times)
            return Greeting(text=f"request {request.times}", served_by=copy)

        return greet

    for copy in handled:
        service = await start_service(await connect_another())
        await service.add_endpoint("greet", greeter(copy), GreetRequest)

    replies = await asyncio.gather(
        *(
            bus.request(
                "api.greeter.greet", GreetRequest(name="ada", times=n), Greeting
            )
            for n in range(100)
        )
    )

    assert [reply.text for reply in replies] == [f"request {n}" for n in range(100)]
    assert sorted(handled["one"] + handled["two"]) == list(range(100))
    per_copy = Counter(reply.served_by for reply in replies)
    assert per_copy["one"] == len(handled["one"])
    assert per_copy["two"] == len(handled["two"])
    assert per_copy["one"] > 0
    assert per_copy["two"] > 0
