"""Request/reply through homehost's bus helpers against raw nats-py.

Run from the checkout: `uv run python bench/bus.py` (NATS on
127.0.0.1:4222, or `--url`). Every side talks to the same NATS server from
this one process, in turns of equal length, at each concurrency:

- raw: `nc.subscribe(subject, queue=...)` echoing the bytes back, called
  with `nc.request`;
- raw+models: the same, but both ends encode and decode the pydantic
  models the helpers use, so it shows what typed models alone cost;
- helpers: a `BusService` endpoint with typed request and reply models,
  called with `Bus.request`.

It prints requests per second, p50/p99 latency, the process's CPU time
per round trip, and the ratio to raw. Every loop is bounded by time and
by count, and only the given NATS server is ever contacted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import nats
import uvloop
from nats.aio.client import Client
from nats.aio.msg import Msg
from pydantic import BaseModel

from homehost.shared.bus import Bus, BusService, connect_bus
from homehost.shared.bus.codec import decode, encode

# No single turn sends more than this, whatever its duration.
MAX_REQUESTS_PER_TURN = 1_000_000


class EchoRequest(BaseModel):
    """What the client sends: a small record, as most API calls are."""

    zone: str
    name: str
    ttl: int
    proxied: bool


class EchoReply(BaseModel):
    """What the service answers: the record back, with an id."""

    record_id: str
    zone: str
    name: str
    ttl: int
    proxied: bool


SAMPLE = EchoRequest(zone="example.com", name="www", ttl=300, proxied=True)
SAMPLE_BYTES = SAMPLE.model_dump_json().encode()
REPLY = EchoReply(record_id="r1", **SAMPLE.model_dump())


@dataclass
class Sample:
    """Round trips of one side at one concurrency, over all its turns."""

    requests: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)

    @property
    def per_second(self) -> float:
        """Round trips per second."""
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def cpu_per_request(self) -> float:
        """CPU time of this process per round trip, in microseconds."""
        return self.cpu_seconds / self.requests * 1e6 if self.requests else 0.0

    def percentile(self, which: int) -> float:
        """The `which`th percentile of the latencies, in milliseconds."""
        cut = statistics.quantiles(self.latencies, n=100, method="inclusive")
        return cut[which - 1] * 1000


Call = Callable[[], Awaitable[object]]


async def measure(
    call: Call, *, concurrency: int, seconds: float, into: Sample
) -> None:
    """Run `concurrency` callers for `seconds`; add what they did to `into`."""
    deadline = time.perf_counter() + seconds
    budget = MAX_REQUESTS_PER_TURN // concurrency

    async def caller() -> None:
        latencies = into.latencies
        for _ in range(budget):
            started = time.perf_counter()
            if started >= deadline:
                return
            await call()
            latencies.append(time.perf_counter() - started)

    before = len(into.latencies)
    started, cpu_started = time.perf_counter(), time.process_time()
    await asyncio.gather(*(caller() for _ in range(concurrency)))
    into.seconds += time.perf_counter() - started
    into.cpu_seconds += time.process_time() - cpu_started
    into.requests += len(into.latencies) - before


async def start_helpers(url: str, namespace: str) -> tuple[Bus, Bus, BusService, Call]:
    """A typed echo service and a client, both through the shared helpers."""
    server = await connect_bus(url, name="bench-helpers-server", namespace=namespace)
    client = await connect_bus(url, name="bench-helpers-client", namespace=namespace)
    service = BusService(server, name="bench", version="1.0.0")
    await service.start()

    async def echo(request: EchoRequest) -> EchoReply:
        # As the raw side, the handler itself does no work: what is measured
        # is the helpers' own (parsing, replying, dispatching).
        return REPLY

    await service.add_endpoint("echo", echo, EchoRequest)

    async def call() -> EchoReply:
        return await client.request("api.bench.echo", SAMPLE, EchoReply)

    return server, client, service, call


async def start_raw(url: str, namespace: str) -> tuple[Client, Client, Call]:
    """An echo subscriber in a queue group and a client, in plain nats-py."""
    server = await nats.connect(url, name="bench-raw-server")
    client = await nats.connect(url, name="bench-raw-client")
    subject = f"{namespace}.raw.echo"

    async def echo(message: Msg) -> None:
        await message.respond(message.data)

    await server.subscribe(subject, queue=f"{namespace}.raw", cb=echo)
    await server.flush()

    async def call() -> Msg:
        return await client.request(subject, SAMPLE_BYTES, timeout=5)

    return server, client, call


async def start_raw_with_models(
    url: str, namespace: str
) -> tuple[Client, Client, Call]:
    """As `start_raw`, but each end encodes and decodes the typed models."""
    server = await nats.connect(url, name="bench-models-server")
    client = await nats.connect(url, name="bench-models-client")
    subject = f"{namespace}.models.echo"

    async def echo(message: Msg) -> None:
        decode(EchoRequest, message.data)
        await message.respond(encode(REPLY))

    await server.subscribe(subject, queue=f"{namespace}.models", cb=echo)
    await server.flush()

    async def call() -> EchoReply:
        data = encode(SAMPLE)
        message = await client.request(subject, data, timeout=5)
        return decode(EchoReply, message.data)

    return server, client, call


SIDES = ("raw", "raw+models", "helpers")


async def run(url: str, concurrencies: list[int], seconds: float, turns: int) -> None:
    """Measure every side at each concurrency and print the table."""
    namespace = f"bench{uuid.uuid4().hex[:8]}"
    helper_server, helper_client, service, helpers = await start_helpers(url, namespace)
    raw_server, raw_client, raw = await start_raw(url, namespace)
    models_server, models_client, models = await start_raw_with_models(url, namespace)
    calls = {"raw": raw, "raw+models": models, "helpers": helpers}
    results: dict[int, dict[str, Sample]] = {}
    try:
        for concurrency in concurrencies:
            # A short warm-up of each, then turns that rotate which side goes
            # first, so drift in the machine's load hits every side alike.
            for call in calls.values():
                await measure(call, concurrency=concurrency, seconds=0.3, into=Sample())
            samples = {side: Sample() for side in SIDES}
            for turn in range(turns):
                shift = turn % len(SIDES)
                for side in SIDES[shift:] + SIDES[:shift]:
                    await measure(
                        calls[side],
                        concurrency=concurrency,
                        seconds=seconds,
                        into=samples[side],
                    )
            results[concurrency] = samples
    finally:
        await service.stop()
        for bus in (helper_client, helper_server):
            await bus.close()
        for connection in (raw_client, raw_server, models_client, models_server):
            with contextlib.suppress(Exception):
                await connection.drain()
    print_table(results, seconds=seconds, turns=turns)


def print_table(
    results: dict[int, dict[str, Sample]], *, seconds: float, turns: int
) -> None:
    """Print one row per concurrency and side, with its ratio to raw."""
    header = (
        f"{'concurrency':>11}  {'side':<10}  {'req/s':>7}  {'p50 ms':>7}  "
        f"{'p99 ms':>7}  {'cpu us/req':>10}  {'req/s vs raw':>12}"
    )
    print(f"request/reply round trips, {turns} turns of {seconds:g} s per side")
    print(header)
    print("-" * len(header))
    for concurrency, samples in results.items():
        raw = samples["raw"]
        for side in SIDES:
            sample = samples[side]
            print(
                f"{concurrency:>11}  {side:<10}  {sample.per_second:>7.0f}  "
                f"{sample.percentile(50):>7.3f}  {sample.percentile(99):>7.3f}  "
                f"{sample.cpu_per_request:>10.1f}  "
                f"{sample.per_second / raw.per_second:>12.2f}"
            )


def main() -> None:
    """Parse the options and run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="nats://127.0.0.1:4222")
    parser.add_argument(
        "--concurrency", type=int, nargs="+", default=[1, 32], metavar="N"
    )
    parser.add_argument("--seconds", type=float, default=2.0, help="length of one turn")
    parser.add_argument(
        "--turns", type=int, default=4, help="turns per side and concurrency"
    )
    parser.add_argument(
        "--loop",
        choices=["uvloop", "asyncio"],
        default="uvloop",
        help="the event loop: uvloop is the one `homehost run` uses",
    )
    options = parser.parse_args()
    measured = run(options.url, options.concurrency, options.seconds, options.turns)
    if options.loop == "uvloop":
        uvloop.run(measured)
    else:
        asyncio.run(measured)


if __name__ == "__main__":
    main()
