"""schemathesis against the gateway's own OpenAPI spec, with an API token.

Every operation gets a few generated requests, valid and not; none may
answer 5xx, and every answer must match the schema the spec documents.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
)

if TYPE_CHECKING:
    from conftest import DnsService, Gateway, IngestService
    from tests.mail_servers import StartService

# An open event stream never ends: it has its own tests.
SKIPPED = {("GET", "/api/events")}
EXAMPLES_PER_OPERATION = 8


def _fuzz(url: str, token: str) -> list[str]:
    schema = schemathesis.openapi.from_url(f"{url}/api/openapi.json")
    checked = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in SKIPPED:
            continue

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def check(case: schemathesis.Case) -> None:
            response = case.call(
                base_url=url, headers={"Authorization": f"Bearer {token}"}
            )
            case.validate_response(
                response,
                checks=[
                    not_a_server_error,
                    response_schema_conformance,
                    content_type_conformance,
                ],
            )

        check()
        checked.append(f"{operation.method.upper()} {operation.path}")
    return checked


async def test_the_api_keeps_its_own_contract(
    gateway: Gateway,
    start_mail_service: StartService,
    dns_service: DnsService,
    ingest_service: IngestService,
) -> None:
    # The mail and DNS routes ask their services; the token cannot change
    # mail or DNS, so the services only read (the mailbox service needs no
    # Dovecot for that, the dns service talks to a fake Cloudflare).
    await start_mail_service(require_dovecot=False)
    token = await gateway.token_for("alice", ["read", "write:admin"])
    # Generated paths say /api/tokens/1 often; moving the token out of reach
    # keeps it from revoking itself halfway through.
    await gateway.sql("UPDATE api_tokens SET id = 987654321")

    checked = await asyncio.to_thread(_fuzz, gateway.url, token)

    assert len(checked) == 55
