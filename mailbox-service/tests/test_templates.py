"""The production values of the Postfix template pass `postfix check`."""

from __future__ import annotations

import stat
import subprocess
from pathlib import Path

from homehost.mailbox.adapters.mailserver import (
    MailDatabase,
    PostfixConfig,
    render_postfix,
)

from .conftest import POSTFIX_TEMPLATES, make_certificate, require_mail_packages


def postconf(config_dir: Path, name: str) -> str:
    """One parameter's value as Postfix reads it."""
    result = subprocess.run(  # noqa: S603 - fixed program, test arguments.
        ["postconf", "-c", str(config_dir), "-h", name],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_production_relay_needs_tls_and_takes_its_key_from_a_secret(
    scratch: Path,
) -> None:
    require_mail_packages()
    secret = scratch / "sendgrid-api-key"
    secret.write_text("SG.example-key-value\n")
    cert, key = make_certificate(scratch)
    config = PostfixConfig(
        config_dir=scratch / "postfix",
        queue_dir=scratch / "queue",
        data_dir=scratch / "data",
        log_path=scratch / "postfix.log",
        database=MailDatabase(name="mail", user="mail_ro", password="a" * 24),
        dovecot_auth_socket=scratch / "auth-postfix",
        tls_cert=cert,
        tls_key=key,
        submission_address="100.64.0.7",
        relay_password_file=secret,
    )

    render_postfix(POSTFIX_TEMPLATES, config)
    check = subprocess.run(  # noqa: S603 - fixed program, test arguments.
        ["postfix", "-c", str(config.config_dir), "check"],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )

    assert check.returncode == 0, check.stderr
    relay_map = config.config_dir / "relay-password"
    assert (
        relay_map.read_text() == "[smtp.sendgrid.net]:587 apikey:SG.example-key-value\n"
    )
    assert stat.S_IMODE(relay_map.stat().st_mode) == 0o600
    sender_map = config.config_dir / "mysql-sender-login-maps.cf"
    assert stat.S_IMODE(sender_map.stat().st_mode) == 0o600
    assert postconf(config.config_dir, "relayhost") == "[smtp.sendgrid.net]:587"
    assert postconf(config.config_dir, "smtp_tls_security_level") == "secure"
    assert (
        postconf(config.config_dir, "smtp_sasl_password_maps")
        == f"texthash:{relay_map}"
    )
    master = (config.config_dir / "master.cf").read_text()
    assert "100.64.0.7:587 inet" in master
    assert "100.64.0.7:465 inet" in master
