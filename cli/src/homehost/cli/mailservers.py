"""Dovecot and Postfix for the mail accounts, brought up by `homehost up`.

`up` installs the Debian packages (deploy/install-mail-packages.sh),
creates the read-only MariaDB user the two servers share (with the grants
the mailbox service defines), renders their configuration from the
templates in deploy/ into `<state_dir>/mail/`, writes a self-signed
certificate for submission when none is configured, and starts both. Run
again, it changes only what differs: a server whose configuration changed
is reloaded, one that runs as configured is left alone.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
import stat
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiomysql

from homehost.cli.envfile import write_private_file
from homehost.cli.errors import StackError
from homehost.cli.layout import DEPLOY_DIR, StateLayout
from homehost.cli.processes import (
    StartedProcess,
    is_running,
    process_start_ticks,
    spawn_detached,
)
from homehost.cli.provision import (
    MariadbTarget,
    ProvisionedAccount,
    connect_as_root,
    read_password,
)
from homehost.cli.servers import LOCAL_HOSTS
from homehost.cli.settings import StackSettings
from homehost.mailbox.adapters.mailserver import (
    VMAIL_UID,
    DovecotConfig,
    MailDatabase,
    PostfixConfig,
    mail_server_grants,
    render_dovecot,
    render_postfix,
    write_self_signed_certificate,
)
from homehost.shared.database import create_pool
from homehost.shared.migrations import apply_migrations
from homehost.shared.runtime import ServiceDefinition
from homehost.shared.settings import DatabaseServiceSettings, variable_name

logger = logging.getLogger(__name__)

INSTALL_SCRIPT = DEPLOY_DIR / "install-mail-packages.sh"
PASSWORD_FILE_NAME = "mailserver-database-password"  # noqa: S105 - a file's name.
START_TIMEOUT_SECONDS = 30.0

Say = Callable[[str], None]


@dataclass(frozen=True)
class MailLayout:
    """Where the mail servers keep their files, under `<state_dir>/mail/`."""

    root: Path
    logs: Path

    @classmethod
    def of(cls, layout: StateLayout) -> MailLayout:
        """The mail layout inside homehost's state directory."""
        return cls(root=layout.root / "mail", logs=layout.logs)

    @property
    def dovecot_config_dir(self) -> Path:
        """dovecot.conf and dovecot-sql.conf.ext."""
        return self.root / "dovecot"

    @property
    def mail_root(self) -> Path:
        """The maildirs: <mail_root>/<domain>/<local part>, owned by vmail."""
        return self.root / "vmail"

    @property
    def postfix_config_dir(self) -> Path:
        """main.cf, master.cf and the lookup tables."""
        return self.root / "postfix"

    @property
    def postfix_queue_dir(self) -> Path:
        """Postfix's queue; its master.pid is under pid/."""
        return self.root / "postfix-queue"

    @property
    def tls_dir(self) -> Path:
        """The self-signed certificate of submission, when none is configured."""
        return self.root / "tls"


@dataclass(frozen=True)
class MailServers:
    """What `up` did for the mail servers."""

    started: list[StartedProcess]
    environment: dict[str, str]


def install_mail_packages(*, say: Say) -> None:
    """Run deploy/install-mail-packages.sh (it does nothing when all is there)."""
    finished = subprocess.run(  # noqa: S603 - our own script, no arguments.
        ["/bin/sh", str(INSTALL_SCRIPT)],
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
    )
    if finished.returncode != 0:
        tail = "\n".join(finished.stdout.splitlines()[-15:])
        raise StackError(f"{INSTALL_SCRIPT.name} failed:\n{tail}")
    say(f"mail: {finished.stdout.strip().splitlines()[-1]}")


async def ensure_mail_database_user(
    *,
    target: MariadbTarget,
    mailbox: ProvisionedAccount,
    definition: ServiceDefinition,
    user: str,
    secrets_dir: Path,
) -> MailDatabase:
    """The read-only user of the mail servers, with the mailbox service's grants.

    The mailbox service's migrations run first (as the service itself would
    at start), because MariaDB grants on a table only once it exists.
    """
    await _migrate_mailbox_database(target, mailbox, definition)
    password_file = secrets_dir / PASSWORD_FILE_NAME
    password = read_password(password_file)
    if password is None:
        # Only characters the Dovecot and Postfix files take unquoted.
        password = secrets.token_urlsafe(32)
        write_private_file(password_file, password + "\n")
    host = target.service_account_host

    connection = await connect_as_root(target)
    try:
        async with connection.cursor() as cursor:
            await cursor.execute(
                "SELECT COUNT(*) FROM mysql.user WHERE User = %s AND Host = %s",
                (user, host),
            )
            if (await cursor.fetchone())[0] == 0:
                await cursor.execute(
                    "CREATE USER %s@%s IDENTIFIED BY %s", (user, host, password)
                )
            else:
                await cursor.execute(
                    "ALTER USER %s@%s IDENTIFIED BY %s", (user, host, password)
                )
            for grant in mail_server_grants(
                database=mailbox.account.database, user=user, host=host
            ):
                await cursor.execute(grant)
    except aiomysql.Error as exc:
        raise StackError(
            f"MariaDB refused the mail servers' user {user}: {exc.args[-1]}"
        ) from exc
    finally:
        connection.close()
    return MailDatabase(
        # Over TCP: to the mysql drivers of both servers `localhost` means
        # the unix socket, where the account's host would not match.
        host="127.0.0.1" if target.host == "localhost" else target.host,
        port=target.port,
        name=mailbox.account.database,
        user=user,
        password=password,
    )


async def _migrate_mailbox_database(
    target: MariadbTarget, mailbox: ProvisionedAccount, definition: ServiceDefinition
) -> None:
    settings_class = definition.settings_class
    if definition.migrations is None or not issubclass(
        settings_class, DatabaseServiceSettings
    ):
        return
    password = read_password(mailbox.password_file) or ""
    settings = settings_class(
        mariadb_host=target.host,
        mariadb_port=target.port,
        database_name=mailbox.account.database,
        database_user=mailbox.account.user,
        database_password=password,
    )
    pool = await create_pool(settings, maxsize=1)
    try:
        await apply_migrations(pool, definition.migrations)
    finally:
        pool.close()
        await pool.wait_closed()


def dovecot_config(
    settings: StackSettings, mail: MailLayout, database: MailDatabase
) -> DovecotConfig:
    """Dovecot's values: IMAP and POP3 on the listen address, LMTP on loopback."""
    return DovecotConfig(
        config_dir=mail.dovecot_config_dir,
        run_dir=mail.root / "dovecot-run",
        state_dir=mail.root / "dovecot-state",
        log_path=mail.logs / "dovecot.log",
        mail_root=mail.mail_root,
        database=database,
        listen_address=settings.mail_listen_address,
        imap_address=settings.mail_listen_address,
        imap_port=settings.mail_imap_port,
        pop3_address=settings.mail_listen_address,
        pop3_port=settings.mail_pop3_port,
        lmtp_address="127.0.0.1",
        lmtp_port=settings.mail_lmtp_port,
        postmaster_address=f"postmaster@{settings.mail_hostname}",
    )


def postfix_config(
    settings: StackSettings,
    mail: MailLayout,
    database: MailDatabase,
    dovecot: DovecotConfig,
) -> PostfixConfig:
    """Postfix's values: submission on the listen address, relay to SendGrid."""
    cert, key = ensure_certificate(settings, mail)
    return PostfixConfig(
        config_dir=mail.postfix_config_dir,
        queue_dir=mail.postfix_queue_dir,
        data_dir=mail.root / "postfix-data",
        log_path=mail.logs / "postfix.log",
        database=database,
        dovecot_auth_socket=dovecot.auth_socket,
        tls_cert=cert,
        tls_key=key,
        hostname=settings.mail_hostname,
        # master.cf binds each listener to its own address. A single
        # non-loopback address here would also become the source address of
        # the relay connection to SendGrid.
        inet_interfaces="all",
        submission_address=settings.mail_listen_address,
        submission_port=settings.mail_submission_port,
        smtps_port=settings.mail_smtps_port,
        relayhost=settings.mail_relayhost,
        relay_password_file=settings.mail_relay_password_file,
        relay_tls_security_level=settings.mail_relay_tls_security_level,
    )


def ensure_certificate(settings: StackSettings, mail: MailLayout) -> tuple[Path, Path]:
    """The configured certificate and key, or a self-signed pair made once."""
    if settings.mail_tls_cert is not None and settings.mail_tls_key is not None:
        return settings.mail_tls_cert, settings.mail_tls_key
    cert, key = mail.tls_dir / "submission.crt", mail.tls_dir / "submission.key"
    if not (cert.is_file() and key.is_file()):
        mail.tls_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        write_self_signed_certificate(
            cert_path=cert, key_path=key, hostname=settings.mail_hostname
        )
    return cert, key


def _snapshot(folder: Path) -> dict[str, bytes]:
    if not folder.is_dir():
        return {}
    return {path.name: path.read_bytes() for path in folder.iterdir() if path.is_file()}


def prepare_mail_root(mail: MailLayout) -> None:
    """Create the maildir root, owned by vmail, and check vmail can reach it."""
    mail.root.mkdir(mode=0o755, parents=True, exist_ok=True)
    mail.root.chmod(0o755)
    mail.mail_root.mkdir(mode=0o750, exist_ok=True)
    os.chown(mail.mail_root, VMAIL_UID, VMAIL_UID)
    for parent in mail.root.parents:
        if not parent.stat().st_mode & stat.S_IXOTH:
            raise StackError(
                f"{parent} is closed to other users, so Dovecot's vmail user "
                f"cannot reach {mail.mail_root}: chmod o+x {parent}"
            )


def ensure_dovecot(
    config: DovecotConfig,
    recorded: StartedProcess | None,
    *,
    say: Say,
) -> StartedProcess | None:
    """Render Dovecot's files; start it, or reload it when they changed."""
    before = _snapshot(config.config_dir)
    render_dovecot(DEPLOY_DIR / "dovecot", config)
    changed = _snapshot(config.config_dir) != before
    if recorded is not None and is_running(recorded):
        if not changed:
            say(f"Dovecot: already running (pid {recorded.pid})")
            return None
        _run(["doveadm", "-c", str(config.config_file), "reload"], what="doveadm")
        say(f"Dovecot: reloaded its new configuration (pid {recorded.pid})")
        return None

    process = spawn_detached(
        "dovecot",
        ["/usr/sbin/dovecot", "-F", "-c", str(config.config_file)],
        log=config.log_path.with_name("dovecot-start.log"),
    )
    _wait_for_port(config.imap_address, config.imap_port, process, config.log_path)
    say(
        f"Dovecot: started (pid {process.pid}); IMAP {config.imap_address}:"
        f"{config.imap_port}, POP3 {config.pop3_address}:{config.pop3_port}, "
        f"LMTP 127.0.0.1:"
        f"{config.lmtp_port}"
    )
    return process


def ensure_postfix(
    config: PostfixConfig,
    recorded: StartedProcess | None,
    *,
    say: Say,
) -> StartedProcess | None:
    """Render and check Postfix's files; start it, or reload it when they changed."""
    before = _snapshot(config.config_dir)
    render_postfix(DEPLOY_DIR / "postfix", config)
    changed = _snapshot(config.config_dir) != before
    postfix = ["/usr/sbin/postfix", "-c", str(config.config_dir)]
    _run([*postfix, "check"], what="postfix check")
    if recorded is not None and is_running(recorded):
        if not changed:
            say(f"Postfix: already running (pid {recorded.pid})")
            return None
        _run([*postfix, "reload"], what="postfix reload")
        say(f"Postfix: reloaded its new configuration (pid {recorded.pid})")
        return None

    running = _postfix_master(config)
    if running is not None:
        # Its queue is ours, so an earlier `up` started it and lost the record.
        say(f"Postfix: runs on this configuration already (pid {running[0]})")
    else:
        _run([*postfix, "start"], what="postfix start")
        running = _postfix_master(config)
    if running is None:
        raise StackError(f"Postfix did not start; see {config.log_path}")
    # `postfix start` leaves the master daemon running on its own; its pid
    # file says which process `down` stops (SIGTERM, as `postfix stop` does).
    pid, ticks = running
    process = StartedProcess(
        name="postfix",
        pid=pid,
        start_ticks=ticks,
        argv=[*postfix, "start"],
        log=str(config.log_path),
    )
    _wait_for_port(
        config.submission_address, config.submission_port, process, config.log_path
    )
    say(
        f"Postfix: started (pid {pid}); submission {config.submission_address}:"
        f"{config.submission_port} and {config.submission_address}:"
        f"{config.smtps_port}, relay "
        f"{config.relayhost.replace('[', '').replace(']', '')}"
    )
    return process


def _postfix_master(config: PostfixConfig) -> tuple[int, int] | None:
    pid_file = config.queue_dir / "pid" / "master.pid"
    try:
        pid = int(pid_file.read_text(encoding="ascii").strip())
    except (FileNotFoundError, ValueError):
        return None
    ticks = process_start_ticks(pid)
    if ticks is None:
        return None
    return pid, ticks


def _run(argv: list[str], *, what: str) -> None:
    finished = subprocess.run(  # noqa: S603 - fixed programs, our own paths.
        argv,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )
    if finished.returncode != 0:
        output = (finished.stderr or finished.stdout).strip()[-1500:]
        raise StackError(f"{what} failed (exit {finished.returncode}): {output}")


def _wait_for_port(host: str, port: int, process: StartedProcess, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while True:
        try:
            with socket.create_connection((host, port), timeout=1.0):
                return
        except OSError:
            pass
        if not is_running(process):
            raise StackError(f"{process.name} exited at start; see {log}")
        if time.monotonic() > deadline:
            raise StackError(
                f"{process.name} does not answer on {host}:{port}; see {log}"
            )
        time.sleep(0.1)


def service_environment(
    settings: StackSettings,
    mail: MailLayout,
    dovecot: DovecotConfig,
    definitions: dict[str, ServiceDefinition],
) -> dict[str, str]:
    """What the services must know of the mail servers, as env file variables."""
    wanted: dict[str, dict[str, Any]] = {
        "mailbox": {
            "dovecot_config": dovecot.config_file,
            "mail_root": mail.mail_root,
            "archive_dir": mail.root / "archive",
            "dkim_keys_dir": mail.root / "dkim",
        },
        "gateway": {
            "tailscale_hostname": settings.mail_hostname,
            "mail_imap_port": settings.mail_imap_port,
            "mail_pop3_port": settings.mail_pop3_port,
            "mail_submission_port": settings.mail_submission_port,
            "mail_smtps_port": settings.mail_smtps_port,
        },
        "ingest": {
            "lmtp_host": "127.0.0.1",
            "lmtp_port": settings.mail_lmtp_port,
            # After a crash, doveadm on this config tells whether an
            # interrupted delivery already reached the mailbox; without it
            # mail-ingest delivers again and the message arrives twice.
            # Debian's doveadm is /usr/bin/doveadm, on every PATH, so the
            # default `doveadm_path` finds it.
            "dovecot_config": dovecot.config_file,
        },
    }
    values = {}
    for service, fields in wanted.items():
        definition = definitions.get(service)
        if definition is None:
            continue
        settings_class = definition.settings_class
        for field, value in fields.items():
            if field in settings_class.model_fields:
                values[variable_name(settings_class, field)] = str(value)
    return values


def bring_up_mail_servers(
    settings: StackSettings,
    layout: StateLayout,
    *,
    target: MariadbTarget,
    provisioned: list[ProvisionedAccount],
    definitions: dict[str, ServiceDefinition],
    recorded: dict[str, StartedProcess],
    keep: Callable[[StartedProcess | None], None],
    say: Say,
) -> dict[str, str]:
    """Install, configure and start Dovecot and Postfix; return the env values."""
    mailbox = next((p for p in provisioned if p.account.service == "mailbox"), None)
    definition = definitions.get("mailbox")
    if mailbox is None or definition is None:
        say("mail: the mailbox service is not installed; no Dovecot or Postfix")
        return {}
    if os.geteuid() != 0:
        raise StackError(
            "Dovecot and Postfix need root (maildirs belong to the vmail user): "
            "run `./homehost up` as root, or set HOMEHOST_MAIL_SERVERS=false"
        )
    if target.host not in LOCAL_HOSTS:
        say(f"mail: note that Dovecot and Postfix read MariaDB at {target.host}")

    install_mail_packages(say=say)
    database = asyncio.run(
        ensure_mail_database_user(
            target=target,
            mailbox=mailbox,
            definition=definition,
            user=settings.mail_database_user,
            secrets_dir=layout.secrets,
        )
    )
    mail = MailLayout.of(layout)
    prepare_mail_root(mail)
    dovecot = dovecot_config(settings, mail, database)
    keep(ensure_dovecot(dovecot, recorded.get("dovecot"), say=say))
    postfix = postfix_config(settings, mail, database, dovecot)
    keep(ensure_postfix(postfix, recorded.get("postfix"), say=say))
    return service_environment(settings, mail, dovecot, definitions)
