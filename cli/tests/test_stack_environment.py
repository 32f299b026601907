"""What `homehost up` keeps in the env file of the settings it was given."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from homehost.cli.layout import StateLayout
from homehost.cli.settings import StackSettings
from homehost.cli.stack import stack_environment

pytestmark = pytest.mark.usefixtures("clean_environ")


def test_dns_settings_are_kept_but_never_the_token_itself(tmp_path: Path) -> None:
    for name in [n for n in os.environ if n.startswith("HOMEHOST_DNS_")]:
        del os.environ[name]
    token_file = tmp_path / "cloudflare-token"
    os.environ.update(
        {
            "HOMEHOST_DNS_CLOUDFLARE_API_TOKEN_FILE": str(token_file),
            "HOMEHOST_DNS_ACCOUNT_ID": "a" * 32,
            "HOMEHOST_DNS_TUNNEL_ID": "0b5f7c2e-8d1a-4c3b-9e6f-2a7d4e1c9b80",
            "HOMEHOST_DNS_CLOUDFLARE_API_TOKEN": "a-secret-token-value",
        }
    )

    values = stack_environment(StateLayout(tmp_path), StackSettings(), [])

    dns = {name: value for name, value in values.items() if "_DNS_" in name}
    assert dns == {
        "HOMEHOST_DNS_CLOUDFLARE_API_TOKEN_FILE": str(token_file),
        "HOMEHOST_DNS_ACCOUNT_ID": "a" * 32,
        "HOMEHOST_DNS_TUNNEL_ID": "0b5f7c2e-8d1a-4c3b-9e6f-2a7d4e1c9b80",
    }
    assert "a-secret-token-value" not in values.values()


def test_every_port_given_to_up_is_kept(tmp_path: Path) -> None:
    for name in [n for n in os.environ if n.startswith("HOMEHOST_")]:
        del os.environ[name]
    os.environ.update(
        {
            "HOMEHOST_INGEST_HTTP_PORT": "18025",
            "HOMEHOST_MAIL_IMAP_PORT": "10143",
            "HOMEHOST_RSPAMD_PORT": "21333",
            "HOMEHOST_CLAMD_PORT": "13310",
            "HOMEHOST_GATEWAY_PORT": "18080",
            "HOMEHOST_INGEST_WORKER_SECRET": "a-secret-never-kept",
        }
    )

    values = stack_environment(StateLayout(tmp_path), StackSettings(), [])

    assert {name: value for name, value in values.items() if "PORT" in name} == {
        "HOMEHOST_MARIADB_PORT": "3306",
        "HOMEHOST_REDIS_PORT": "6379",
        "HOMEHOST_INGEST_HTTP_PORT": "18025",
        "HOMEHOST_MAIL_IMAP_PORT": "10143",
        "HOMEHOST_RSPAMD_PORT": "21333",
        "HOMEHOST_CLAMD_PORT": "13310",
        "HOMEHOST_GATEWAY_PORT": "18080",
    }
    assert "HOMEHOST_INGEST_WORKER_SECRET" not in values
