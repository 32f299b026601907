"""The FastAPI application of the gateway."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from homehost.gateway import __version__
from homehost.gateway.api import health
from homehost.gateway.deps import GatewayState
from homehost.shared.errors import HomehostError, http_status_for, invalid_request

logger = logging.getLogger(__name__)


def create_app(state: GatewayState) -> FastAPI:
    """Build the gateway's app around a running bus connection."""
    app = FastAPI(
        title="homehost",
        version=__version__,
        description="The REST API of homehost.",
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.gateway = state
    app.include_router(health.router)
    app.add_exception_handler(HomehostError, _homehost_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    return app


async def _homehost_error(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, HomehostError)  # noqa: S101  # Registered for this type only.
    return JSONResponse(error.to_payload(), status_code=http_status_for(error.code))


async def _validation_error(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)  # noqa: S101  # Registered for this type only.
    return JSONResponse(invalid_request(error.errors()).to_payload(), status_code=422)
