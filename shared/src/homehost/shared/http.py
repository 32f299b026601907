"""Serving an ASGI app (the gateway, mail-ingest) inside a running service."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Generator
from typing import Any

import uvicorn

from homehost.shared.runtime import ServiceContext

logger = logging.getLogger(__name__)


class _EmbeddedServer(uvicorn.Server):
    """A uvicorn server that leaves signals to the process's supervisor."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        """Install nothing: several servers may share one process."""
        yield


async def serve_http(context: ServiceContext, app: Any, *, host: str, port: int) -> int:
    """Serve `app` as one of the service's tasks; return the bound port."""
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        lifespan="off",
        server_header=False,
    )
    server = _EmbeddedServer(config)
    # Binding here turns a taken port into an OSError for the caller;
    # uvicorn would end the whole process instead.
    listener = socket.create_server((host, port), reuse_port=False)
    listener.setblocking(False)
    task = context.spawn(server.serve(sockets=[listener]), name="http")

    async def shut_down() -> None:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(asyncio.shield(task), 10)

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
