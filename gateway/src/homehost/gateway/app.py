"""The FastAPI application of the gateway."""

from __future__ import annotations

import base64
import hashlib
import logging
import re
from typing import Any

import swagger_ui_bundle  # type: ignore[import-untyped]  # Ships no type information.
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from homehost.gateway import __version__
from homehost.gateway.api import (
    admins,
    audit,
    auth,
    dns,
    events,
    health,
    mail_accounts,
    mail_messages,
    portal,
    self_service,
    settings,
    tokens,
)
from homehost.gateway.api.responses import COMMON
from homehost.gateway.deps import GatewayState
from homehost.gateway.errors import PayloadTooLarge, TooManyAttempts, http_status_for
from homehost.gateway.middleware import (
    CONTENT_SECURITY_POLICY,
    AuditMiddleware,
    BodyLimitMiddleware,
    JsonBodyMiddleware,
    SecurityHeadersMiddleware,
)
from homehost.shared.errors import HomehostError, invalid_request

logger = logging.getLogger(__name__)

# Routes anyone may call; every other route needs a session or a token.
PUBLIC_ROUTES = frozenset(
    {
        ("GET", "/api/health"),
        ("POST", "/api/auth/login"),
        ("POST", "/api/auth/login/totp"),
        # Proven with the mailbox's own password, checked by Dovecot.
        ("POST", "/api/self-service/password"),
    }
)

# Swagger UI is served from the gateway itself: the docs work offline and
# no third-party script runs on the admin origin.
DOCS_ASSETS = "/api/docs/assets"
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)

_HTTP_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: PayloadTooLarge.code,
}


def _operation_id(route: APIRoute) -> str:
    # Route names are the audit log's action names (`admins.create`); the
    # same name, in a form code generators accept, is the operation id.
    return route.name.replace(".", "_")


def create_app(state: GatewayState) -> FastAPI:
    """Build the gateway's app around a running bus and database."""
    app = FastAPI(
        title="homehost",
        version=__version__,
        description="The REST API of homehost.",
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
        generate_unique_id_function=_operation_id,
        responses=COMMON,
    )
    app.state.gateway = state
    for area in (
        health,
        auth,
        admins,
        tokens,
        audit,
        events,
        settings,
        mail_accounts,
        mail_messages,
        self_service,
        dns,
    ):
        app.include_router(area.router)
    app.mount(
        DOCS_ASSETS,
        StaticFiles(directory=swagger_ui_bundle.swagger_ui_path),
        name="docs.assets",
    )
    app.add_api_route(
        "/api/docs",
        _api_docs,
        methods=["GET"],
        name="docs.page",
        include_in_schema=False,
        response_class=HTMLResponse,
    )
    # Last, so that it only answers what no API route does.
    app.include_router(portal.router)

    app.add_exception_handler(HomehostError, _homehost_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    # The last one added runs first: the audit log sees every answer; a
    # body refused for its size reaches no route and is not recorded.
    app.add_middleware(BodyLimitMiddleware, limit=state.settings.max_body_bytes)
    app.add_middleware(JsonBodyMiddleware)
    app.add_middleware(
        AuditMiddleware, audit=lambda: state.audit, settings=state.settings
    )
    app.add_middleware(SecurityHeadersMiddleware)
    return app


async def _api_docs() -> HTMLResponse:
    """Swagger UI for the API, with its assets served by the gateway."""
    page = get_swagger_ui_html(
        openapi_url="/api/openapi.json",
        title="homehost API",
        swagger_js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
        swagger_css_url=f"{DOCS_ASSETS}/swagger-ui.css",
        swagger_favicon_url=f"{DOCS_ASSETS}/favicon-32x32.png",
    )
    # The page starts Swagger UI from one inline script: the policy allows
    # exactly that script, by its hash, and no other.
    hashes = " ".join(
        "'sha256-"
        + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        + "'"
        for script in _INLINE_SCRIPT.findall(bytes(page.body).decode())
    )
    policy = CONTENT_SECURITY_POLICY.replace(
        "script-src 'self'", f"script-src 'self' {hashes}"
    )
    return HTMLResponse(page.body, headers={"Content-Security-Policy": policy})


async def _homehost_error(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, HomehostError)  # noqa: S101  # Registered for this type only.
    headers = {}
    if isinstance(error, TooManyAttempts):
        headers["Retry-After"] = str(error.retry_after_seconds)
    return JSONResponse(
        error.to_payload(), status_code=http_status_for(error.code), headers=headers
    )


def _field_location(problem: dict[str, Any]) -> dict[str, Any]:
    location = tuple(problem["loc"])
    if problem.get("type") == "json_invalid":
        location = ("body",)
    elif len(location) > 1 and location[0] == "body":
        # Body fields are named as the client sent them: `password`.
        location = location[1:]
    return {**problem, "loc": location}


async def _validation_error(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)  # noqa: S101  # Registered for this type only.
    problems = [_field_location(problem) for problem in error.errors()]
    return JSONResponse(invalid_request(problems).to_payload(), status_code=422)


async def _http_error(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)  # noqa: S101  # Registered for this type only.
    payload = {
        "code": _HTTP_CODES.get(error.status_code, "http_error"),
        "message": str(error.detail),
        "details": {},
    }
    return JSONResponse(payload, status_code=error.status_code, headers=error.headers)
