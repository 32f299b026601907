"""Serving an ASGI app (the gateway, mail-ingest) inside a running service."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Generator
from typing import Any

import uvicorn

from homehost.shared.errors import ConfigurationError
from homehost.shared.runtime import ServiceContext

logger = logging.getLogger(__name__)

# How long a stopping service lets requests in flight finish.
SHUTDOWN_GRACE_SECONDS = 10.0


class _EmbeddedServer(uvicorn.Server):
    """A uvicorn server that leaves signals to the process's supervisor."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        """Install nothing: several servers may share one process."""
        yield


async def serve_http(
    context: ServiceContext,
    app: Any,
    *,
    host: str,
    port: int,
    proxy_headers: bool = True,
) -> int:
    """Serve `app` as one of the service's tasks; return the bound port.

    `proxy_headers=False` leaves X-Forwarded-* to an app that decides
    itself which proxies to believe.

    A port that cannot be bound raises `ConfigurationError`; a server that
    stops on its own fails the service, which is then restarted.
    """
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        proxy_headers=proxy_headers,
        log_config=None,
        access_log=False,
        lifespan="off",
        server_header=False,
    )
    server = _EmbeddedServer(config)
    # Binding here turns a taken port into an error for the caller; uvicorn
    # would end the whole process instead.
    listener = listen_tcp(host, port)
    task = context.spawn(_serve(server, listener), name="http")

    async def shut_down() -> None:
        server.should_exit = True
        # Only waits: a failure of the server already failed the service
        # through its task, and one still running after this is cancelled.
        await asyncio.wait({task}, timeout=SHUTDOWN_GRACE_SECONDS)

    context.on_stop(shut_down)
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError(f"the HTTP server on {host}:{port} stopped at start")
        await asyncio.sleep(0.02)
    bound = int(listener.getsockname()[1])
    context.http_port = bound
    logger.info("serving HTTP on %s:%d", host, bound)
    return bound


def listen_tcp(host: str, port: int) -> socket.socket:
    """A non-blocking TCP socket listening on `host:port` (port 0: any free one).

    Raises `ConfigurationError` naming the address when it cannot be bound.
    The socket is made with its protocol named, IPPROTO_TCP: asyncio turns
    Nagle's algorithm off only on connections of such a socket, and with it
    on, every answer after the first on a kept-alive connection waits about
    40 ms for the peer's delayed acknowledgement. `socket.create_server`
    leaves the protocol at 0.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
        listener.listen()
    except OSError as exc:
        listener.close()
        raise ConfigurationError(
            f"cannot listen on {host}:{port}: {_reason(exc)}",
            details={"host": host, "port": port},
        ) from exc
    listener.setblocking(False)
    return listener


def _reason(error: OSError) -> str:
    # `create_server` words its errors at length; the errno says it plainly.
    if isinstance(error, socket.gaierror) or not error.errno:
        return error.strerror or str(error)
    return os.strerror(error.errno)


async def _serve(server: uvicorn.Server, listener: socket.socket) -> None:
    """Run the server; its `sys.exit` becomes an error of this service only.

    uvicorn calls `sys.exit` when it cannot start. A `SystemExit` leaving
    an asyncio task ends the whole event loop, and with it every other
    service of the process, so it is turned into an ordinary error here.
    uvicorn raises no `KeyboardInterrupt` of its own (it installs no signal
    handlers here); a real Ctrl-C is left to stop the process.
    """
    try:
        await server.serve(sockets=[listener])
    except SystemExit as exc:
        raise RuntimeError(f"the HTTP server exited with status {exc.code}") from exc
    finally:
        listener.close()
    if not server.should_exit:
        raise RuntimeError("the HTTP server stopped without being asked to")
