"""Write the gateway's OpenAPI spec as JSON, for the portal's typed client.

Run from the checkout: `uv run python portal/scripts/dump_openapi.py [PATH]`.
It builds the gateway's app around a state that connects to nothing: the
spec depends only on the routes, never on a running bus or database.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from homehost.gateway.app import create_app
from homehost.gateway.deps import GatewayState
from homehost.gateway.settings import GatewaySettings


def gateway_spec() -> dict[str, Any]:
    """Return the OpenAPI spec of the gateway's app, built without connecting."""
    settings = GatewaySettings(environment="development")
    # Building the spec touches only the settings: no bus, pool or audit log.
    state = GatewayState(
        settings=settings,
        bus=None,  # type: ignore[arg-type]  # Never used while the spec is built.
        service_names=[],
        pool=None,
        audit=None,  # type: ignore[arg-type]  # Never used while the spec is built.
    )
    return create_app(state).openapi()


def main() -> None:
    """Print the spec, or write it to the path given as the only argument."""
    text = json.dumps(gateway_spec(), indent=2, ensure_ascii=False) + "\n"
    if len(sys.argv) > 1:
        Path(sys.argv[1]).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
