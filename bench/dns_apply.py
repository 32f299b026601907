"""Applying 300 changes to a 1,000-record zone: batches against one call each.

Run from the checkout: `uv run python bench/dns_apply.py`. It starts the
fake Cloudflare API of dns-service on 127.0.0.1 with `--latency` (30 ms)
added to every call, fills two identical zones with 1,000 homehost
records, and applies the same desired state to each (100 updates, 100
deletes, 100 creates):

- batch: `service.apply`, which sends the plan through /dns_records/batch
  in chunks of at most `--batch-limit` (200, the Free plan's limit);
- one per call: the same plan sent one POST, PATCH or DELETE per record,
  as octoDNS's and DNSControl's Cloudflare providers do.

Both sides list the zone with the same client first. It prints the calls
and wall time of each side and the ratios; the targets are at least 50
times fewer calls and 10 times less wall time. Nothing but 127.0.0.1 is
contacted.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from dataclasses import dataclass

from homehost.dns import service
from homehost.dns.adapters.cloudflare import CloudflareApi
from homehost.dns.schemas import ApplyRequest, RecordSpec
from homehost.dns.service import Dns
from homehost.dns.settings import DnsSettings
from homehost.dns.testing import FakeCloudflare

# A throwaway token the fake accepts; no real Cloudflare is ever called.
TOKEN = "bench-token-0123456789"  # noqa: S105


@dataclass
class Side:
    """One way of applying: its calls and wall time."""

    name: str
    calls: int
    changing_calls: int
    seconds: float


def fill(fake: FakeCloudflare, zone_name: str, records: int) -> None:
    """A zone of `records` A records that homehost owns."""
    zone = fake.add_zone(zone_name)
    for number in range(records):
        fake.put_record(
            zone,
            {
                "type": "A",
                "name": f"host{number}",
                "content": f"10.0.{number // 250}.{number % 250 + 1}",
                "comment": "managed by homehost",
            },
        )


def desired_state(records: int, changes: int) -> list[RecordSpec]:
    """The zone after `changes`: a third updated, a third deleted, a third new."""
    third = changes // 3
    specs = []
    for number in range(third, records):
        content = f"10.0.{number // 250}.{number % 250 + 1}"
        if number < 2 * third:
            content = f"10.9.{number // 250}.{number % 250 + 1}"
        specs.append(RecordSpec(type="A", name=f"host{number}", content=content))
    specs.extend(
        RecordSpec(type="A", name=f"new{number}", content=f"10.8.0.{number % 250 + 1}")
        for number in range(changes - 2 * third)
    )
    return specs


async def run(args: argparse.Namespace) -> list[Side]:
    """Both sides against one fake server; return their measurements."""
    fake = FakeCloudflare(batch_limit=args.batch_limit)
    fake.add_token(TOKEN)
    fill(fake, "batch.test", args.records)
    fill(fake, "single.test", args.records)
    await fake.start()
    fake.latency = args.latency
    settings = DnsSettings(
        environment="development",
        cloudflare_api_token=TOKEN,
        cloudflare_base_url=fake.base_url,
        batch_limit=args.batch_limit,
    )
    api = CloudflareApi(api_token=TOKEN, base_url=fake.base_url)

    async def no_events(_: object) -> int:
        return 0

    dns = Dns(settings=settings, api=api, publish=no_events)
    desired = desired_state(args.records, args.changes)
    sides = []
    try:
        # A running service's client is warm: the SDK imports each resource
        # module on first use, which would otherwise land on the first side.
        fake.add_zone("warm.test")
        await service.list_records(dns=dns, zone="warm.test")
        await api.batch(
            fake.zone_named("warm.test").id, deletes=[], patches=[], posts=[]
        )
        fake.calls.clear()
        started = time.perf_counter()
        result = await service.apply(
            dns=dns,
            request=ApplyRequest(zone="batch.test", records=desired, scope="zone"),
        )
        elapsed = time.perf_counter() - started
        summary = result.plan.summary
        assert summary.update + summary.delete + summary.create == args.changes
        sides.append(
            Side("batch", len(fake.calls), len(fake.changing_calls()), elapsed)
        )

        fake.calls.clear()
        started = time.perf_counter()
        prepared = await service.prepare_plan(
            dns,
            zone_name="single.test",
            specs=desired,
            scope="zone",
            delete_unowned=False,
        )
        zone_id = prepared.zone.id
        for change in prepared.plan.changes:
            if change.action == "create" and change.desired is not None:
                await api.create_record(zone_id, change.desired)
            elif change.action == "update" and change.desired and change.existing:
                await api.update_record(zone_id, change.existing.id, change.desired)
            elif change.action == "delete" and change.existing is not None:
                await api.delete_record(zone_id, change.existing.id)
        elapsed = time.perf_counter() - started
        sides.append(
            Side("one per call", len(fake.calls), len(fake.changing_calls()), elapsed)
        )

        final = {
            zone: sorted(
                (r["name"].split(".")[0], r["content"])
                for r in fake.shown_records(zone)
            )
            for zone in ("batch.test", "single.test")
        }
        assert final["batch.test"] == final["single.test"], "the two sides disagree"
    finally:
        await api.close()
        await fake.stop()
    return sides


def main() -> None:
    """Parse arguments, run both sides, print the table and the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1000)
    parser.add_argument("--changes", type=int, default=300)
    parser.add_argument("--latency", type=float, default=0.03)
    parser.add_argument("--batch-limit", type=int, default=200)
    args = parser.parse_args()

    batch, single = asyncio.run(run(args))

    print(
        f"{args.changes} changes to a {args.records}-record zone, "
        f"{args.latency * 1000:.0f} ms per call, batch limit {args.batch_limit}"
    )
    print(f"{'side':<14}{'calls':>8}{'changing':>10}{'seconds':>10}")
    for side in (batch, single):
        print(
            f"{side.name:<14}{side.calls:>8}{side.changing_calls:>10}{side.seconds:>10.2f}"
        )
    call_ratio = single.calls / batch.calls
    time_ratio = single.seconds / batch.seconds
    print(f"calls: {call_ratio:.1f}x fewer (target 50x)")
    print(f"wall time: {time_ratio:.1f}x less (target 10x)")


if __name__ == "__main__":
    main()
