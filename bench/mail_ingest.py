"""mail-ingest end to end against the cost floor and Postfix with Rspamd's milter.

Starts everything on this host from the deploy/ templates: the mailbox
service (in this process) with Dovecot reading its tables, Rspamd, clamd
with the one-line EICAR database, mail-ingest as its own process, and a
minimal inbound Postfix (bench/postfix) that asks Rspamd's milter and
delivers over LMTP to the same Dovecot. Then, for 10 KB and 1 MB messages
at concurrency 1 and 16, it measures end to end (from sending to the file
in the maildir) messages per second and p50/p99 time to accept:

- ingest:  the signed POST exactly as the Email Worker sends it;
- floor:   the same Rspamd + clamd scan and LMTP delivery, by a plain
           script with nothing in between (no HTTP, spool, database);
- postfix: SMTP to Postfix, Rspamd milter, LMTP to Dovecot (Postfix
           runs no virus scan here: clamav-milter is not installed).

It also reports mail-ingest's peak memory while it takes a 25 MiB message.
Needs root, MariaDB (root, no password) and NATS on their usual ports and
the Debian packages (deploy/install-mail-packages.sh,
deploy/install-scan-packages.sh). Run from the repository root:

    uv run python bench/mail_ingest.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import secrets
import shutil
import smtplib
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, cast

import aiohttp
import aiomysql
import uvloop

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPOSITORY))

from homehost.mail_ingest.adapters.clamd import Clamd  # noqa: E402
from homehost.mail_ingest.adapters.lmtp import LmtpConnection  # noqa: E402
from homehost.mail_ingest.adapters.rspamd import Rspamd  # noqa: E402
from homehost.mail_ingest.adapters.scanservers import (  # noqa: E402
    ClamdConfig,
    RspamdConfig,
    render_clamd,
    render_rspamd,
)
from homehost.mail_ingest.signing import Envelope, signed_headers  # noqa: E402
from homehost.mailbox.adapters.mailserver import render_dovecot  # noqa: E402
from homehost.mailbox.schemas import DomainPublic, MailboxCreated  # noqa: E402
from homehost.mailbox.service import definition as mailbox_definition  # noqa: E402
from homehost.mailbox.settings import MailboxSettings  # noqa: E402
from homehost.shared.bus import connect_bus  # noqa: E402
from homehost.shared.runtime import start_service  # noqa: E402
from tests.mail_servers import (  # noqa: E402
    create_read_only_user,
    drop_user,
    scratch_dovecot_config,
)

DOMAIN = "bench.test"
SECRET = "bench-worker-secret-0123456789"  # noqa: S105 - a throwaway bench key.
PASSWORD = "violet-harbour-tram-42"  # noqa: S105 - of throwaway bench users.
KB, MB, MiB = 1000, 1_000_000, 1024 * 1024


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def wait_for_port(port: int, seconds: float) -> None:
    """Wait until something accepts connections on loopback `port`."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.1)
            continue
        writer.close()
        return


class NoSuchDomain(asyncio.DatagramProtocol):
    """A resolver that answers every DNS query at once: no such domain.

    The bench's senders and domains do not exist, and blocklists list
    nobody: this is what a working resolver says about them. Without it,
    Rspamd on a box without upstream DNS waits out its timeout on some
    scans, which would time the resolver rather than the mail paths.
    """

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Keep the socket to answer on."""
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        """Answer NXDOMAIN, echoing the id and the first question."""
        if len(data) < 12:
            return
        end = 12
        while end < len(data) and data[end] != 0:
            end += data[end] + 1
        question = data[12 : end + 5]
        recursion_desired = data[2] & 0x01
        flags = bytes([0x80 | recursion_desired, 0x83])
        answer = data[:2] + flags + b"\x00\x01" + b"\x00" * 6 + question
        self.transport.sendto(answer, addr)


def message(size: int, tag: str) -> bytes:
    """A plain text message of about `size` bytes."""
    head = (
        f"From: Bench Sender <sender@elsewhere.example>\r\nTo: <rcpt@{DOMAIN}>\r\n"
        f"Subject: bench {tag}\r\nDate: Mon, 01 Jan 2024 10:00:00 +0000\r\n"
        f"Message-ID: <{tag}@elsewhere.example>\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=us-ascii\r\n\r\n"
    ).encode()
    line = b"The quick brown fox jumps over the lazy dog, again and again.\r\n"
    return head + line * max(1, (size - len(head)) // len(line))


def maildir_count(mail_root: Path, local: str) -> int:
    """Messages delivered to a mailbox (its Maildir/new)."""
    folder = mail_root / DOMAIN / local / "Maildir" / "new"
    return len(os.listdir(folder)) if folder.exists() else 0


Send = Callable[[bytes, str], Awaitable[None]]


async def measure(
    send: Send, *, mail_root: Path, local: str, size: int, count: int, concurrency: int
) -> dict[str, float]:
    """Send `count` messages; messages/s end to end and accept-time quantiles."""
    before = maildir_count(mail_root, local)
    slots = asyncio.Semaphore(concurrency)
    accept: list[float] = []
    bodies = [message(size, uuid.uuid4().hex[:12]) for _ in range(count)]

    async def one(raw: bytes) -> None:
        async with slots:
            started = time.monotonic()
            await send(raw, f"{local}@{DOMAIN}")
            accept.append(time.monotonic() - started)

    started, busy_before = time.monotonic(), busy_cpu_seconds()
    await asyncio.gather(*(one(raw) for raw in bodies))
    while maildir_count(mail_root, local) < before + count:
        if time.monotonic() - started > 600:
            raise RuntimeError(f"{local}: not every message arrived")
        await asyncio.sleep(0.01)
    elapsed = time.monotonic() - started
    busy = busy_cpu_seconds() - busy_before
    quantiles = statistics.quantiles(accept, n=100, method="inclusive")
    return {
        "rate": count / elapsed,
        "p50": statistics.median(accept) * 1000,
        "p99": quantiles[98] * 1000,
        "cpu_ms": busy / count * 1000,
    }


def busy_cpu_seconds() -> float:
    """CPU time the whole machine spent busy so far (all cores, from /proc/stat).

    Every server of a path (Rspamd, clamd, Dovecot, MariaDB, NATS, Postfix,
    mail-ingest) runs here, so the growth over a workload divided by its
    messages is what one message costs the machine.
    """
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, fields[:8])
    ticks = user + nice + system + irq + softirq + steal
    return ticks / os.sysconf("SC_CLK_TCK")


def process_cpu_seconds(pids: list[int]) -> float:
    """CPU time the processes `pids` (every thread of each) spent so far."""
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(stat[11]) + int(stat[12])
    return total / os.sysconf("SC_CLK_TCK")


def pids_of(program: str) -> list[int]:
    """The ids of the running processes whose name is `program`."""
    found = subprocess.run(  # noqa: S603 - fixed program.
        ["pgrep", "-x", program],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    return [int(pid) for pid in found.stdout.split()]


class Stack:
    """Every server the bench starts, and how to stop them."""

    def __init__(self, scratch: Path) -> None:
        self.scratch = scratch
        self.processes: list[subprocess.Popen[bytes]] = []
        self.cleanups: list[Callable[[], Awaitable[None]]] = []

    def start(self, command: list[str], **kwargs: Any) -> subprocess.Popen[bytes]:
        """Start a server process that is stopped at the end."""
        process = subprocess.Popen(  # noqa: S603 - fixed programs.
            command,
            stdout=kwargs.pop("stdout", subprocess.DEVNULL),
            stderr=kwargs.pop("stderr", subprocess.DEVNULL),
            start_new_session=True,
            **kwargs,
        )
        self.processes.append(process)
        return process

    async def close(self) -> None:
        """Stop everything, newest first."""
        for process in reversed(self.processes):
            with contextlib.suppress(ProcessLookupError):
                process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=20)
        for cleanup in reversed(self.cleanups):
            with contextlib.suppress(Exception):
                await cleanup()


async def run(quick: bool) -> None:
    """Start the stack, run every workload, print the table."""
    scratch = Path(tempfile.mkdtemp(prefix="hh-bench-ingest-"))
    scratch.chmod(0o755)  # noqa: ASYNC240 - set-up, nothing else runs yet.
    stack = Stack(scratch)
    namespace = f"bench{secrets.token_hex(4)}"
    root = await aiomysql.connect(host="127.0.0.1", user="root", autocommit=True)
    databases = [f"hh_bench_{secrets.token_hex(4)}_{n}" for n in ("mailbox", "ingest")]
    async with root.cursor() as cursor:
        for name in databases:
            await cursor.execute(f"CREATE DATABASE `{name}`")

    async def drop_databases() -> None:
        async with root.cursor() as cursor:
            for name in databases:
                await cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
        root.close()

    stack.cleanups.append(drop_databases)
    try:
        mail_root = scratch / "vmail"
        mail_root.mkdir()
        os.chown(mail_root, 5000, 5000)
        settings = MailboxSettings(
            environment="development",
            bus_namespace=namespace,
            database_name=databases[0],
            database_user="root",
            state_dir=scratch / "mailbox-state",
            mail_root=mail_root,
            archive_dir=scratch / "archive",
            dkim_keys_dir=scratch / "dkim",
            dovecot_config=scratch / "dovecot" / "dovecot.conf",
            allow_test_domains=True,
        )
        mailbox = await start_service(mailbox_definition, settings=settings, timeout=60)
        stack.cleanups.append(mailbox.stop)
        bus = await connect_bus(
            "nats://127.0.0.1:4222", name="bench", namespace=namespace
        )
        stack.cleanups.append(bus.close)
        reader = await create_read_only_user(databases[0])
        stack.cleanups.append(lambda: drop_user(reader.user))
        dovecot = scratch_dovecot_config(
            scratch, mail_root=mail_root, database=reader, name="hh-bench"
        )
        render_dovecot(REPOSITORY / "deploy" / "dovecot", dovecot)
        stack.start(["dovecot", "-F", "-c", str(dovecot.config_file)])
        # Mailboxes are made once Dovecot runs: making one asks Dovecot.
        await bus.request("api.mailbox.domains.create", {"name": DOMAIN}, DomainPublic)
        for local in ("ingest", "floor", "postfix"):
            await bus.request(
                "api.mailbox.mailboxes.create",
                {
                    "address": f"{local}@{DOMAIN}",
                    "password": PASSWORD,
                    "quota_bytes": 900_000_000_000,
                },
                MailboxCreated,
                timeout=20,
            )

        resolver, _ = await asyncio.get_running_loop().create_datagram_endpoint(
            NoSuchDomain, local_addr=("127.0.0.1", 0)
        )
        stack.cleanups.append(_closer(resolver))
        resolver_port = resolver.get_extra_info("sockname")[1]
        rspamd = RspamdConfig(
            local_confdir=scratch / "rspamd-conf",
            db_dir=REPOSITORY / ".cache" / "rspamd-db",
            run_dir=scratch / "rspamd-run",
            log_dir=scratch / "rspamd-log",
            normal_port=free_port(),
            controller_port=free_port(),
            proxy_port=free_port(),
            dns_timeout="0.3s",
            dns_retransmits=1,
            dns_nameservers=[f"127.0.0.1:{resolver_port}"],
            add_header_score=100,
            reject_score=200,
        )
        render_rspamd(REPOSITORY / "deploy" / "rspamd", rspamd)
        stack.start(rspamd.command())
        clamd = ClamdConfig(
            config_dir=scratch / "clamd",
            database_dir=scratch / "clamd-db",
            run_dir=scratch / "clamd-run",
            log_path=scratch / "clamd.log",
            port=free_port(),
            stream_max_bytes=26 * MiB,
        )
        clamd.database_dir.mkdir()
        shutil.copy(REPOSITORY / "deploy" / "clamav" / "eicar.ndb", clamd.database_dir)
        render_clamd(REPOSITORY / "deploy" / "clamav", clamd)
        stack.start(clamd.command())
        for port in (dovecot.lmtp_port, clamd.port, rspamd.normal_port):
            await wait_for_port(port, 300)

        ingest_port = free_port()
        environment = {
            **os.environ,
            "HOMEHOST_ENVIRONMENT": "development",
            "HOMEHOST_LOG_LEVEL": "WARNING",
            "HOMEHOST_BUS_NAMESPACE": namespace,
            "HOMEHOST_STATE_DIR": str(scratch / "ingest-state"),
            "HOMEHOST_INGEST_DATABASE_NAME": databases[1],
            "HOMEHOST_INGEST_DATABASE_USER": "root",
            "HOMEHOST_INGEST_HTTP_PORT": str(ingest_port),
            "HOMEHOST_INGEST_WORKER_SECRET": SECRET,
            "HOMEHOST_INGEST_LMTP_PORT": str(dovecot.lmtp_port),
            "HOMEHOST_INGEST_RSPAMD_URL": f"http://127.0.0.1:{rspamd.normal_port}",
            "HOMEHOST_INGEST_CLAMD_PORT": str(clamd.port),
            "HOMEHOST_INGEST_DELIVERY_CONCURRENCY": "16",
        }
        ingest = stack.start(
            [sys.executable, "-m", "homehost.cli", "run", "ingest"], env=environment
        )
        await wait_for_port(ingest_port, 60)

        postfix_port = free_port()
        postfix_dir = scratch / "postfix"
        postfix_dir.mkdir()
        values = {
            "queue_dir": scratch / "postfix-queue",
            "data_dir": scratch / "postfix-data",
            "log_path": scratch / "postfix.log",
            "milter_port": rspamd.proxy_port,
            "domain": DOMAIN,
            "lmtp_port": dovecot.lmtp_port,
            "smtp_port": postfix_port,
        }
        for name in ("main.cf", "master.cf"):
            template = (REPOSITORY / "bench" / "postfix" / name).read_text()
            (postfix_dir / name).write_text(template.format(**values))
        (scratch / "postfix-data").mkdir()
        (scratch / "postfix-queue").mkdir()
        shutil.chown(scratch / "postfix-data", "postfix")
        subprocess.run(  # noqa: ASYNC221, S603 - fixed program.
            ["postfix", "-c", str(postfix_dir), "check"],  # noqa: S607
            check=True,
        )
        subprocess.run(  # noqa: ASYNC221, S603 - fixed program.
            ["postfix", "-c", str(postfix_dir), "start"],  # noqa: S607
            check=True,
            capture_output=True,
        )

        async def stop_postfix() -> None:
            subprocess.run(  # noqa: ASYNC221, S603 - fixed program.
                ["postfix", "-c", str(postfix_dir), "stop"],  # noqa: S607
                check=False,
                capture_output=True,
            )

        stack.cleanups.append(stop_postfix)
        await wait_for_port(postfix_port, 30)

        # The sending side stands in for Cloudflare's Worker: a light client,
        # so that its own CPU takes as little as it can from the machine.
        client = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=300),
            connector=aiohttp.TCPConnector(limit=32),
        )
        stack.cleanups.append(client.close)

        async def send_ingest(raw: bytes, rcpt: str) -> None:
            headers = signed_headers(
                SECRET.encode(),
                body=raw,
                envelope=Envelope(
                    sender="sender@elsewhere.example", recipients=(rcpt,)
                ),
            )
            async with client.post(
                f"http://127.0.0.1:{ingest_port}/v1/inbound",
                data=raw,
                headers=headers,
            ) as response:
                await response.read()
                if response.status not in (200, 202):
                    raise RuntimeError(f"ingest answered {response.status}")

        scanner = Rspamd(f"http://127.0.0.1:{rspamd.normal_port}", timeout=120)
        stack.cleanups.append(scanner.close)
        virus = Clamd("127.0.0.1", clamd.port, timeout=120)
        floor_dir = scratch / "floor"
        floor_dir.mkdir()

        async def send_floor(raw: bytes, rcpt: str) -> None:
            path = floor_dir / f"{uuid.uuid4().hex}.eml"
            path.write_bytes(raw)
            await asyncio.gather(
                scanner.check(
                    path,
                    size=len(raw),
                    sender="sender@elsewhere.example",
                    recipients=[rcpt],
                    queue_id=path.stem,
                ),
                virus.scan(path, queue_id=path.stem),
            )
            connection = await LmtpConnection.open(
                "127.0.0.1", dovecot.lmtp_port, timeout=120, name="bench"
            )
            try:
                replies = await connection.deliver(
                    sender="sender@elsewhere.example",
                    recipients=[rcpt],
                    header_block=b"",
                    path=path,
                )
            finally:
                await connection.close()
            path.unlink()
            if replies[rcpt].code != 250:
                raise RuntimeError(f"LMTP answered {replies[rcpt]}")

        def smtp_send(raw: bytes, rcpt: str) -> None:
            with smtplib.SMTP("127.0.0.1", postfix_port, timeout=300) as smtp:
                smtp.sendmail("sender@elsewhere.example", [rcpt], raw)

        async def send_postfix(raw: bytes, rcpt: str) -> None:
            await asyncio.to_thread(smtp_send, raw, rcpt)

        # Warm every path once, then measure memory on a 25 MiB message.
        for local, send in (
            ("ingest", send_ingest),
            ("floor", send_floor),
            ("postfix", send_postfix),
        ):
            await measure(
                send,
                mail_root=mail_root,
                local=local,
                size=10 * KB,
                count=4,
                concurrency=2,
            )
        status = Path(f"/proc/{ingest.pid}/status")
        Path(f"/proc/{ingest.pid}/clear_refs").write_text("5")  # noqa: ASYNC240 - a /proc file, instant.
        idle_kib = _status_kib(status, "VmRSS")
        big = message(25 * MiB - 64 * 1024, "big")
        await send_ingest(big, f"ingest@{DOMAIN}")
        peak_kib = _status_kib(status, "VmHWM")

        # Where an ingest message's CPU goes, beyond the scanners and Dovecot
        # that the floor uses too.
        watched = {
            "mail-ingest": [ingest.pid],
            "mariadbd": pids_of("mariadbd"),
            "nats-server": pids_of("nats-server"),
        }
        shares: dict[tuple[int, int], dict[str, float]] = {}
        plans = [
            (10 * KB, 1, 60 if quick else 200),
            (10 * KB, 16, 100 if quick else 400),
            (1 * MB, 1, 10 if quick else 40),
            (1 * MB, 16, 24 if quick else 96),
        ]
        print(
            f"{'size':>6} {'conc':>4} | {'what':<8} {'msg/s':>8} {'p50 ms':>8} "
            f"{'p99 ms':>8} {'cpu ms':>7} | {'vs floor':>8} {'vs postfix':>10}"
        )
        for size, concurrency, count in plans:
            results = {}
            for local, send in (
                ("floor", send_floor),
                ("postfix", send_postfix),
                ("ingest", send_ingest),
            ):
                before = {name: process_cpu_seconds(p) for name, p in watched.items()}
                results[local] = await measure(
                    send,
                    mail_root=mail_root,
                    local=local,
                    size=size,
                    count=count,
                    concurrency=concurrency,
                )
                if local == "ingest":
                    shares[(size, concurrency)] = {
                        name: (process_cpu_seconds(p) - before[name]) / count * 1000
                        for name, p in watched.items()
                    }
            for local in ("ingest", "floor", "postfix"):
                row = results[local]
                ratios = ""
                if local == "ingest":
                    ratios = (
                        f"{row['rate'] / results['floor']['rate']:>8.2f} "
                        f"{row['rate'] / results['postfix']['rate']:>10.2f}"
                    )
                label = f"{size // KB} KB" if size < MB else f"{size // MB} MB"
                print(
                    f"{label:>6} {concurrency:>4} | {local:<8} {row['rate']:>8.1f} "
                    f"{row['p50']:>8.1f} {row['p99']:>8.1f} {row['cpu_ms']:>7.1f} | "
                    f"{ratios}"
                )
        print("\nCPU ms per ingest message in mail-ingest, mariadbd and nats-server:")
        for (size, concurrency), share in shares.items():
            label = f"{size // KB} KB" if size < MB else f"{size // MB} MB"
            print(
                f"{label:>6} {concurrency:>4} | "
                + ", ".join(f"{name} {ms:.1f}" for name, ms in share.items())
            )
        message_mib = len(big) / MiB
        growth_mib = (peak_kib - idle_kib) / 1024
        print(
            f"\nmail-ingest memory, 25 MiB message ({message_mib:.1f} MiB): idle "
            f"{idle_kib / 1024:.0f} MiB, peak {peak_kib / 1024:.0f} MiB, growth "
            f"{growth_mib:.0f} MiB = {growth_mib / message_mib:.2f} x the message"
        )
    finally:
        await stack.close()
        shutil.rmtree(scratch, ignore_errors=True)


def _closer(transport: asyncio.BaseTransport) -> Callable[[], Awaitable[None]]:
    async def close() -> None:
        transport.close()

    return close


def _status_kib(status: Path, field: str) -> int:
    for line in status.read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in {status}")


def main() -> None:
    """Parse arguments and run the bench."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer messages")
    # The loop mail-ingest itself runs on (`homehost run`), for the floor too.
    uvloop.run(run(parser.parse_args().quick))


if __name__ == "__main__":
    main()
