"""IMAP logins per second: what the chosen password hash costs a login.

Starts one Dovecot from deploy/dovecot (SQL passdb through dovecot-mysql,
as in production) with one extra passwd-file passdb in front of it, then
logs in over IMAP, one login after another, as:

- a mailbox hashed with the service's chosen scheme (ARGON2ID at the cost
  in homehost.mailbox.passwords), through the SQL passdb;
- a mailbox hashed with SHA512-CRYPT, through the SQL passdb;
- a user hashed with the chosen scheme in a passwd-file (no SQL at all).

Needs root, MariaDB on 127.0.0.1:3306 (root without password) and the
Debian mail packages (deploy/install-mail-packages.sh). Run:

    uv run python bench/mailbox_auth.py [--logins 40]
"""

from __future__ import annotations

import argparse
import asyncio
import imaplib
import importlib.resources
import os
import secrets
import shutil
import socket
import tempfile
import time
from pathlib import Path

import aiomysql

from homehost.mailbox.adapters.doveadm import Doveadm
from homehost.mailbox.adapters.mailserver import (
    DovecotConfig,
    MailDatabase,
    mail_server_grants,
    render_dovecot,
)
from homehost.mailbox.passwords import (
    ARGON2_MEMORY_KIB,
    ARGON2_TIME_COST,
    PasswordHashing,
)
from homehost.shared.migrations import apply_migrations

TEMPLATES = Path(__file__).resolve().parents[1] / "deploy" / "dovecot"
PASSWORD = "violet-harbour-tram-42"  # noqa: S105 - of throwaway bench users.
CHOSEN = "ARGON2ID"


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def login_once(port: int, user: str) -> None:
    """One IMAP connection, LOGIN and LOGOUT."""
    client = imaplib.IMAP4("127.0.0.1", port)
    client.login(user, PASSWORD)
    client.logout()


def measure(port: int, user: str, logins: int) -> float:
    """Seconds for `logins` sequential logins (after one warm-up login)."""
    login_once(port, user)
    started = time.perf_counter()
    for _ in range(logins):
        login_once(port, user)
    return time.perf_counter() - started


async def prepare_database(root: aiomysql.Connection, name: str) -> MailDatabase:
    """A scratch database with the service's tables and a read-only user."""
    user = f"bench_ro_{secrets.token_hex(4)}"
    password = secrets.token_urlsafe(24)
    async with root.cursor() as cursor:
        await cursor.execute(f"CREATE DATABASE `{name}`")
    pool = await aiomysql.create_pool(
        host="127.0.0.1", user="root", db=name, autocommit=True, maxsize=2
    )
    try:
        await apply_migrations(
            pool, importlib.resources.files("homehost.mailbox") / "migrations"
        )
    finally:
        pool.close()
        await pool.wait_closed()
    async with root.cursor() as cursor:
        for host in ("localhost", "127.0.0.1"):
            await cursor.execute(
                f"CREATE USER '{user}'@'{host}' IDENTIFIED BY %s", (password,)
            )
            for grant in mail_server_grants(database=name, user=user, host=host):
                await cursor.execute(grant)
    return MailDatabase(name=name, user=user, password=password)


async def add_mailbox(
    root: aiomysql.Connection, database: str, local_part: str, hashed: str
) -> str:
    """Insert a mailbox row as the service would; returns its address."""
    async with root.cursor() as cursor:
        await cursor.execute(f"USE `{database}`")
        await cursor.execute(
            "INSERT INTO mail_domains (name, default_quota_bytes)"
            " VALUES ('bench.test', 1000000000) ON DUPLICATE KEY UPDATE name = name"
        )
        await cursor.execute(
            "INSERT INTO mailboxes (address, local_part, domain_id, password_hash,"
            " quota_bytes) SELECT %s, %s, id, %s, 1000000000 FROM mail_domains"
            " WHERE name = 'bench.test'",
            (f"{local_part}@bench.test", local_part, hashed),
        )
    return f"{local_part}@bench.test"


def make_scratch() -> Path:
    """A scratch directory Dovecot's users can enter."""
    scratch = Path(tempfile.mkdtemp(prefix="hh-bench-"))
    scratch.chmod(0o755)
    return scratch


def make_mail_root(path: Path) -> None:
    """The maildir root, owned by vmail."""
    path.mkdir()
    os.chown(path, 5000, 5000)


def add_passwd_file_passdb(config: DovecotConfig, users: Path, hashed: str) -> None:
    """Put a one-user passwd-file passdb and userdb before the SQL ones.

    A user found there never touches SQL; the SQL users miss it at the
    cost of a lookup in a one-line file.
    """
    users.write_text(f"file@bench.test:{hashed}:5000:5000::{config.mail_root}/file::\n")
    extra = (
        f"passdb {{\n  driver = passwd-file\n  args = {users}\n}}\n"
        f"userdb {{\n  driver = passwd-file\n  args = {users}\n}}\n"
    )
    text = config.config_file.read_text()
    config.config_file.write_text(text.replace("passdb {", extra + "passdb {", 1))


async def main(logins: int) -> None:
    """Run the three measurements and print one table."""
    scratch = make_scratch()
    database_name = f"hh_bench_{secrets.token_hex(4)}"
    root = await aiomysql.connect(host="127.0.0.1", user="root", autocommit=True)
    process = None
    database: MailDatabase | None = None
    try:
        database = await prepare_database(root, database_name)
        config = DovecotConfig(
            config_dir=scratch / "dovecot",
            run_dir=scratch / "run",
            state_dir=scratch / "state",
            log_path=scratch / "dovecot.log",
            mail_root=scratch / "vmail",
            database=database,
            instance_name=f"bench-{secrets.token_hex(3)}",
            imap_port=free_port(),
            pop3_port=free_port(),
            lmtp_port=free_port(),
        )
        make_mail_root(config.mail_root)
        hashing = PasswordHashing(
            Doveadm(program="doveadm", config=config.config_file),
            default_scheme=CHOSEN,
        )
        chosen_hash = await hashing.hash(PASSWORD, scheme=CHOSEN)
        sha512_hash = await hashing.hash(PASSWORD, scheme="SHA512-CRYPT")
        sql_chosen = await add_mailbox(root, database_name, "chosen", chosen_hash)
        sql_sha512 = await add_mailbox(root, database_name, "sha512", sha512_hash)

        render_dovecot(TEMPLATES, config)
        add_passwd_file_passdb(config, scratch / "users", chosen_hash)

        process = await asyncio.create_subprocess_exec(
            "dovecot", "-F", "-c", str(config.config_file)
        )
        await asyncio.sleep(1)

        rows = [
            (f"SQL passdb, {CHOSEN}", sql_chosen),
            ("SQL passdb, SHA512-CRYPT", sql_sha512),
            (f"passwd-file, {CHOSEN}", "file@bench.test"),
        ]
        results = []
        for label, user in rows:
            seconds = await asyncio.to_thread(measure, config.imap_port, user, logins)
            results.append((label, logins / seconds, 1000 * seconds / logins))
    finally:
        if process is not None:
            process.terminate()
            await process.wait()
        async with root.cursor() as cursor:
            await cursor.execute(f"DROP DATABASE IF EXISTS `{database_name}`")
            if database is not None:
                for host in ("localhost", "127.0.0.1"):
                    await cursor.execute(
                        f"DROP USER IF EXISTS '{database.user}'@'{host}'"
                    )
        root.close()
        shutil.rmtree(scratch, ignore_errors=True)

    chosen_rate = results[0][1]
    print(
        f"IMAP logins, {logins} in a row each; {CHOSEN} at "
        f"m={ARGON2_MEMORY_KIB} KiB, t={ARGON2_TIME_COST}, p=1"
    )
    print(f"{'passdb and scheme':<28} {'logins/s':>9} {'ms/login':>9} {'ratio':>7}")
    for label, rate, milliseconds in results:
        print(
            f"{label:<28} {rate:>9.1f} {milliseconds:>9.1f} {rate / chosen_rate:>6.2f}x"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logins", type=int, default=40, help="logins per row")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.logins))
