"""Login, sessions, CSRF and logout."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Gateway, StartGateway

PASSWORD = "kettle-orbit-lantern-42"

INVALID = {
    "code": "invalid_credentials",
    "message": "invalid credentials",
    "details": {},
}


def _cookie_header(response, name: str) -> str:  # type: ignore[no-untyped-def]
    for header in response.headers.get_list("set-cookie"):
        if header.startswith(f"{name}="):
            return str(header)
    raise AssertionError(f"no {name} cookie was set")


async def test_login_sets_a_session_and_a_csrf_cookie(gateway: Gateway) -> None:
    async with gateway.client() as client:
        response = await client.post(
            "/api/auth/login", json={"username": "alice", "password": PASSWORD}
        )
        body = response.json()

        assert response.status_code == 200
        assert body["status"] == "authenticated"
        assert body["admin"]["username"] == "alice"
        assert body["admin"]["role"] == "admin"
        assert body["admin"]["totp_enabled"] is False
        assert body["login_token"] is None
        session = _cookie_header(response, "homehost_session").lower()
        csrf = _cookie_header(response, "homehost_csrf").lower()
        assert "httponly" in session
        assert "samesite=strict" in session
        assert "path=/" in session
        assert "secure" not in session
        assert "httponly" not in csrf
        assert "samesite=strict" in csrf
        assert client.cookies["homehost_csrf"] == body["csrf_token"]

        me = await client.get("/api/auth/me")
        assert me.status_code == 200
        assert me.json()["auth"] == "session"
        assert me.json()["csrf_token"] == body["csrf_token"]
        assert me.json()["totp_enrolment_required"] is False
        assert me.json()["scopes"] == [
            "read",
            "write:mail",
            "write:dns",
            "write:containers",
            "write:sites",
            "write:databases",
            "write:backups",
            "write:admin",
        ]


async def test_wrong_password_and_unknown_name_get_the_same_answer(
    gateway: Gateway,
) -> None:
    async with gateway.client() as client:
        wrong = await client.post(
            "/api/auth/login", json={"username": "alice", "password": "not-it-at-all"}
        )
        unknown = await client.post(
            "/api/auth/login", json={"username": "mallory", "password": PASSWORD}
        )

    assert wrong.status_code == 401
    assert unknown.status_code == 401
    assert wrong.json() == INVALID
    assert unknown.json() == INVALID
    assert "set-cookie" not in wrong.headers


async def test_a_disabled_admin_cannot_log_in(gateway: Gateway) -> None:
    await gateway.add_admin("bob")
    await gateway.sql("UPDATE admins SET disabled = TRUE WHERE username = 'bob'")

    async with gateway.client() as client:
        response = await client.post(
            "/api/auth/login", json={"username": "bob", "password": PASSWORD}
        )

    assert response.status_code == 401
    assert response.json() == INVALID


async def test_cookies_are_secure_behind_a_trusted_https_proxy(
    start_gateway: StartGateway,
) -> None:
    trusting = await start_gateway(trusted_proxies=["127.0.0.1/32"])
    await trusting.add_admin("alice")
    untrusting = await start_gateway()
    await untrusting.add_admin("alice")
    login = {"username": "alice", "password": PASSWORD}
    forwarded = {"X-Forwarded-Proto": "https"}

    async with trusting.client() as client:
        behind_proxy = await client.post(
            "/api/auth/login", json=login, headers=forwarded
        )
    async with untrusting.client() as client:
        claimed = await client.post("/api/auth/login", json=login, headers=forwarded)

    assert "; secure" in _cookie_header(behind_proxy, "homehost_session").lower()
    assert "; secure" in _cookie_header(behind_proxy, "homehost_csrf").lower()
    assert "secure" not in _cookie_header(claimed, "homehost_session").lower()


async def test_state_changes_by_session_need_the_csrf_header(gateway: Gateway) -> None:
    async with gateway.client() as client:
        body = await gateway.log_in(client, "alice")
        del client.headers["X-CSRF-Token"]

        missing = await client.post("/api/auth/logout")
        wrong = await client.post(
            "/api/auth/logout", headers={"X-CSRF-Token": "x" + body["csrf_token"]}
        )
        still_in = await client.get("/api/auth/me")
        right = await client.post(
            "/api/auth/logout", headers={"X-CSRF-Token": body["csrf_token"]}
        )
        after = await client.get("/api/auth/me")

    assert missing.status_code == 403
    assert missing.json()["code"] == "csrf_failed"
    assert wrong.status_code == 403
    assert wrong.json()["code"] == "csrf_failed"
    assert still_in.status_code == 200
    assert right.status_code == 204
    assert after.status_code == 401
    assert after.json()["code"] == "unauthorized"


async def test_the_csrf_cookie_alone_is_not_enough(gateway: Gateway) -> None:
    async with gateway.client() as client:
        await gateway.log_in(client, "alice")
        client.headers["X-CSRF-Token"] = "forged-token-value"
        client.cookies.set("homehost_csrf", "forged-token-value")

        response = await client.post("/api/auth/logout")

    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"


async def test_an_idle_session_ends(gateway: Gateway) -> None:
    idle = gateway.settings.session_idle_seconds
    async with gateway.client() as client:
        await gateway.log_in(client, "alice")
        assert (await client.get("/api/auth/me")).status_code == 200
        await gateway.sql(
            "UPDATE sessions SET last_seen_at = last_seen_at - INTERVAL %s SECOND",
            (idle + 1,),
        )

        response = await client.get("/api/auth/me")
        sessions = await gateway.sql("SELECT * FROM sessions")

    assert response.status_code == 401
    assert response.json()["message"] == "the session has ended; log in again"
    assert sessions == []


async def test_a_session_ends_at_its_absolute_limit_even_when_used(
    gateway: Gateway,
) -> None:
    absolute = timedelta(seconds=gateway.settings.session_absolute_seconds)
    async with gateway.client() as client:
        await gateway.log_in(client, "alice")
        rows = await gateway.sql("SELECT created_at, expires_at FROM sessions")
        assert rows[0]["expires_at"] - rows[0]["created_at"] == absolute
        await gateway.sql("UPDATE sessions SET expires_at = created_at")

        response = await client.get("/api/auth/me")

    assert response.status_code == 401


async def test_logout_clears_the_cookies(gateway: Gateway) -> None:
    async with gateway.client() as client:
        await gateway.log_in(client, "alice")
        response = await client.post("/api/auth/logout")

    assert response.status_code == 204
    cleared = [
        header.split(";")[0] for header in response.headers.get_list("set-cookie")
    ]
    assert sorted(cleared) == ['homehost_csrf=""', 'homehost_session=""']
