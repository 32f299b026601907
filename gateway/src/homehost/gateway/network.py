"""Where a request came from, believing forwarded headers only from proxies."""

from __future__ import annotations

from ipaddress import ip_address

from starlette.requests import Request

from homehost.gateway.settings import GatewaySettings


def _is_trusted(address: str, settings: GatewaySettings) -> bool:
    try:
        parsed = ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in settings.trusted_proxies)


def client_address(request: Request, settings: GatewaySettings) -> str:
    """Return the client's address: the peer, or what a trusted proxy says."""
    peer = request.client.host if request.client else "unknown"
    if not _is_trusted(peer, settings):
        return peer
    forwarded = request.headers.get("x-forwarded-for", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    # Each proxy appends the address it saw: the rightmost address that is
    # not one of ours is the client; anything left of it could be forged.
    for hop in reversed(hops):
        if not _is_trusted(hop, settings):
            return hop[:64]
    return peer


def is_https(request: Request, settings: GatewaySettings) -> bool:
    """Whether the browser reached homehost over HTTPS."""
    if request.url.scheme == "https":
        return True
    peer = request.client.host if request.client else ""
    if not _is_trusted(peer, settings):
        return False
    proto = request.headers.get("x-forwarded-proto", "").split(",")[-1].strip()
    return proto.lower() == "https"
