"""Every route is locked; bodies are bounded; the portal is served."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from homehost.gateway.app import PUBLIC_ROUTES

if TYPE_CHECKING:
    from conftest import Gateway, StartGateway

METHODS = ("get", "post", "put", "patch", "delete")


async def test_every_route_but_the_public_ones_needs_credentials(
    gateway: Gateway,
) -> None:
    async with gateway.client() as client:
        spec = (await client.get("/api/openapi.json")).json()
        answers = {}
        for path, operations in spec["paths"].items():
            concrete = re.sub(r"\{[^}]+\}", "1", path)
            for method in METHODS:
                if method in operations:
                    response = await client.request(method.upper(), concrete, json={})
                    answers[(method.upper(), path)] = response

    routes = set(answers)
    assert routes >= PUBLIC_ROUTES
    assert len(routes) == 56
    for route, response in answers.items():
        if route in PUBLIC_ROUTES:
            assert response.status_code != 401 or route[1].startswith("/api/auth/login")
            continue
        assert response.status_code == 401, route
        assert response.json()["code"] == "unauthorized", route


async def test_public_routes_answer_without_credentials(gateway: Gateway) -> None:
    async with gateway.client() as client:
        health = await client.get("/api/health")
        docs = await client.get("/api/docs")

    assert health.status_code == 200
    assert docs.status_code == 200


async def test_oversized_and_malformed_bodies_are_refused(
    start_gateway: StartGateway,
) -> None:
    gateway = await start_gateway(max_body_bytes=4096)
    async with gateway.client() as client:
        oversized = await client.post(
            "/api/auth/login",
            content=b'{"username": "' + b"a" * 5000 + b'"}',
            headers={"Content-Type": "application/json"},
        )
        malformed = await client.post(
            "/api/auth/login",
            content=b'{"username": "alice", ',
            headers={"Content-Type": "application/json"},
        )
        missing = await client.post("/api/auth/login", json={"username": "alice"})
        wrong_type = await client.post(
            "/api/auth/login", json={"username": ["alice"], "password": "x"}
        )

    assert oversized.status_code == 413
    assert oversized.json()["code"] == "payload_too_large"
    assert malformed.status_code == 422
    assert [e["field"] for e in malformed.json()["details"]["errors"]] == ["body"]
    assert missing.status_code == 422
    assert missing.json()["details"]["errors"] == [
        {"field": "password", "message": "Field required"}
    ]
    assert [e["field"] for e in wrong_type.json()["details"]["errors"]] == ["username"]


async def test_a_body_that_is_not_json_is_refused_naming_its_type(
    gateway: Gateway,
) -> None:
    body = b'{"username": "alice", "password": "x"}'
    async with gateway.client() as client:
        plain = await client.post(
            "/api/auth/login", content=body, headers={"Content-Type": "text/plain"}
        )
        form = await client.post(
            "/api/auth/login", data={"username": "alice", "password": "x"}
        )
        untyped = await client.post("/api/auth/login", content=body)
        with_charset = await client.post(
            "/api/auth/login",
            content=body,
            headers={"Content-Type": "application/json; charset=utf-8"},
        )
        no_body = await client.post("/api/auth/logout")

    assert (plain.status_code, plain.json()) == (
        415,
        {
            "code": "unsupported_media_type",
            "message": "the body must be JSON (Content-Type: application/json)",
            "details": {"content_type": "text/plain"},
        },
    )
    assert form.status_code == 415
    assert form.json()["details"] == {
        "content_type": "application/x-www-form-urlencoded"
    }
    assert untyped.status_code == 415
    assert untyped.json()["details"] == {"content_type": None}
    assert with_charset.status_code == 401
    assert no_body.status_code != 415


async def test_a_chunked_body_over_the_limit_is_refused(
    start_gateway: StartGateway,
) -> None:
    gateway = await start_gateway(max_body_bytes=4096)

    async def chunks():  # type: ignore[no-untyped-def]
        for _ in range(10):
            yield b"x" * 1000

    async with gateway.client() as client:
        response = await client.post(
            "/api/auth/login",
            content=chunks(),
            headers={"Content-Type": "application/json"},
        )

    assert response.status_code == 413


async def test_the_built_portal_is_served_with_a_fallback_for_its_pages(
    start_gateway: StartGateway, tmp_path: Path
) -> None:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<html>portal</html>")
    (dist / "assets" / "app-1234.js").write_text("console.log(1)")
    (tmp_path / "secret.txt").write_text("outside")
    gateway = await start_gateway(portal_dir=dist)

    async with gateway.client() as client:
        root = await client.get("/")
        page = await client.get("/settings/tokens")
        asset = await client.get("/assets/app-1234.js")
        missing_asset = await client.get("/assets/nope.js")
        api = await client.get("/api/nope")
        escape = await client.send(
            httpx.Request("GET", f"{gateway.url}/assets/..%2f..%2fsecret.txt")
        )

    assert root.text == "<html>portal</html>"
    assert root.headers["cache-control"] == "no-cache"
    assert page.text == "<html>portal</html>"
    assert asset.text == "console.log(1)"
    assert "immutable" in asset.headers["cache-control"]
    assert missing_asset.status_code == 404
    assert api.status_code == 404
    assert api.json()["code"] == "not_found"
    assert escape.status_code == 404


async def test_without_a_built_portal_pages_are_404(
    start_gateway: StartGateway, tmp_path: Path
) -> None:
    gateway = await start_gateway(portal_dir=tmp_path / "absent")
    async with gateway.client() as client:
        response = await client.get("/")

    assert response.status_code == 404
    assert response.json()["message"] == (
        "the portal is not built; run `homehost up` to build it"
    )


PORTAL_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)


async def test_every_answer_carries_the_security_headers(
    start_gateway: StartGateway, tmp_path: Path
) -> None:
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "index.html").write_text("<html>portal</html>")
    gateway = await start_gateway(portal_dir=dist)

    async with gateway.client() as client:
        answers = {
            "page": await client.get("/"),
            "api": await client.get("/api/health"),
            "refused": await client.get("/api/admins"),
            "missing": await client.get("/api/nope"),
            "login": await client.post("/api/auth/login", json={}),
        }

    for name, answer in answers.items():
        headers = answer.headers
        assert headers["x-content-type-options"] == "nosniff", name
        assert headers["x-frame-options"] == "DENY", name
        assert headers["referrer-policy"] == "same-origin", name
        assert headers["content-security-policy"] == PORTAL_POLICY, name


async def test_the_api_docs_load_swagger_ui_from_the_gateway(
    gateway: Gateway,
) -> None:
    async with gateway.client() as client:
        docs = await client.get("/api/docs")
        script = await client.get("/api/docs/assets/swagger-ui-bundle.js")
        style = await client.get("/api/docs/assets/swagger-ui.css")

    sources = re.findall(r'(?:src|href)="([^"]+)"', docs.text)
    inline = re.findall(r"<script>(.*?)</script>", docs.text, re.DOTALL)
    digest = base64.b64encode(hashlib.sha256(inline[0].encode()).digest()).decode()
    assert docs.status_code == 200
    assert sources == [
        "/api/docs/assets/swagger-ui.css",
        "/api/docs/assets/favicon-32x32.png",
        "/api/docs/assets/swagger-ui-bundle.js",
    ]
    assert "cdn.jsdelivr.net" not in docs.text
    assert docs.headers["content-security-policy"] == PORTAL_POLICY.replace(
        "script-src 'self'", f"script-src 'self' 'sha256-{digest}'"
    )
    assert script.status_code == 200
    assert script.headers["content-type"] == "text/javascript; charset=utf-8"
    assert style.status_code == 200
    assert style.headers["content-type"] == "text/css; charset=utf-8"
