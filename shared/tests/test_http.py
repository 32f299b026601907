"""The listening socket the gateway and mail-ingest serve HTTP on."""

from __future__ import annotations

import asyncio
import socket

import pytest

from homehost.shared.errors import ConfigurationError
from homehost.shared.http import listen_tcp


class _Accepted(asyncio.Protocol):
    """Records the socket of each accepted connection."""

    def __init__(self, sockets: list[socket.socket]) -> None:
        self.sockets = sockets

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.sockets.append(transport.get_extra_info("socket"))


async def test_accepted_connections_send_small_answers_at_once() -> None:
    """Nagle's algorithm is off on every accepted connection (TCP_NODELAY)."""
    listener = listen_tcp("127.0.0.1", 0)
    accepted: list[socket.socket] = []
    server = await asyncio.get_running_loop().create_server(
        lambda: _Accepted(accepted), sock=listener
    )
    try:
        port = listener.getsockname()[1]
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        for _ in range(100):
            if accepted:
                break
            await asyncio.sleep(0.01)
        nodelay = accepted[0].getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        writer.close()
    finally:
        server.close()
        await server.wait_closed()

    assert nodelay == 1


def test_a_taken_port_is_a_configuration_error_naming_the_address() -> None:
    """Binding a port in use says which address, and why, in plain words."""
    taken = listen_tcp("127.0.0.1", 0)
    port = taken.getsockname()[1]
    try:
        with pytest.raises(ConfigurationError) as raised:
            listen_tcp("127.0.0.1", port)
    finally:
        taken.close()

    assert raised.value.message == (
        f"cannot listen on 127.0.0.1:{port}: Address already in use"
    )
    assert raised.value.details == {"host": "127.0.0.1", "port": port}
