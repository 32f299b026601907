"""TOTP enrolment, login with a code or a recovery code, and enforcement."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import httpx
import pyotp

if TYPE_CHECKING:
    from conftest import Gateway

PASSWORD = "kettle-orbit-lantern-42"
INVALID = {
    "code": "invalid_credentials",
    "message": "invalid credentials",
    "details": {},
}


async def _enrol(
    gateway: Gateway, client: httpx.AsyncClient
) -> tuple[pyotp.TOTP, list[str]]:
    """Enrol the logged-in admin; return its TOTP and recovery codes."""
    enrolment = await client.post("/api/auth/totp/enroll")
    assert enrolment.status_code == 200, enrolment.text
    totp = pyotp.TOTP(enrolment.json()["secret"])
    confirmed = await client.post("/api/auth/totp/confirm", json={"code": totp.now()})
    assert confirmed.status_code == 200, confirmed.text
    return totp, confirmed.json()["recovery_codes"]


def _next_code(totp: pyotp.TOTP) -> str:
    # The code of the next 30-second step: accepted (one step of clock
    # drift is allowed) and newer than the one enrolment used.
    return totp.at(time.time() + totp.interval)


async def _password_step(client: httpx.AsyncClient, username: str) -> dict[str, Any]:
    response = await client.post(
        "/api/auth/login", json={"username": username, "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_enrolment_gives_a_scannable_secret_and_ten_recovery_codes(
    gateway: Gateway,
) -> None:
    async with gateway.client() as client:
        await gateway.log_in(client, "alice")
        enrolment = (await client.post("/api/auth/totp/enroll")).json()
        not_yet = (await client.get("/api/auth/me")).json()["admin"]["totp_enabled"]
        wrong = await client.post("/api/auth/totp/confirm", json={"code": "000000"})
        totp = pyotp.TOTP(enrolment["secret"])
        confirmed = await client.post(
            "/api/auth/totp/confirm", json={"code": totp.now()}
        )
        again = await client.post("/api/auth/totp/enroll")
        me = (await client.get("/api/auth/me")).json()

    assert enrolment["otpauth_uri"] == totp.provisioning_uri(
        name="alice", issuer_name="homehost"
    )
    assert enrolment["qr_svg"].startswith("<svg")
    assert not_yet is False
    assert wrong.status_code == 422
    assert wrong.json()["details"]["errors"] == [
        {"field": "code", "message": "the code is not valid"}
    ]
    assert confirmed.status_code == 200
    codes = confirmed.json()["recovery_codes"]
    assert len(codes) == 10
    assert len(set(codes)) == 10
    assert all(len(code) == 19 and code.count("-") == 3 for code in codes)
    assert again.status_code == 409
    assert me["admin"]["totp_enabled"] is True
    stored = await gateway.sql("SELECT code_hash FROM recovery_codes")
    assert len(stored) == 10
    assert not {row["code_hash"] for row in stored} & set(codes)


async def test_login_asks_for_the_code_and_the_login_token_is_single_use(
    gateway: Gateway,
) -> None:
    async with gateway.client() as client:
        await gateway.log_in(client, "alice")
        totp, _ = await _enrol(gateway, client)

    async with gateway.client() as client:
        first = await _password_step(client, "alice")
        no_session = await client.get("/api/auth/me")
        wrong = await client.post(
            "/api/auth/login/totp",
            json={"login_token": first["login_token"], "code": "123456"},
        )
        code = _next_code(totp)
        right = await client.post(
            "/api/auth/login/totp",
            json={"login_token": first["login_token"], "code": code},
        )
        me = await client.get("/api/auth/me")
        reused_token = await client.post(
            "/api/auth/login/totp",
            json={"login_token": first["login_token"], "code": code},
        )
    async with gateway.client() as client:
        second = await _password_step(client, "alice")
        replayed_code = await client.post(
            "/api/auth/login/totp",
            json={"login_token": second["login_token"], "code": code},
        )

    assert first["status"] == "totp_required"
    assert first["admin"] is None
    assert first["csrf_token"] is None
    assert no_session.status_code == 401
    assert wrong.status_code == 401
    assert wrong.json() == INVALID
    assert right.status_code == 200
    assert right.json()["status"] == "authenticated"
    assert right.json()["admin"]["username"] == "alice"
    assert me.status_code == 200
    assert reused_token.json() == INVALID
    assert replayed_code.json() == INVALID


async def test_a_recovery_code_logs_in_once(gateway: Gateway) -> None:
    async with gateway.client() as client:
        await gateway.log_in(client, "alice")
        _, codes = await _enrol(gateway, client)

    async with gateway.client() as client:
        first = await _password_step(client, "alice")
        used = await client.post(
            "/api/auth/login/totp",
            json={"login_token": first["login_token"], "code": codes[0].upper()},
        )
    async with gateway.client() as client:
        second = await _password_step(client, "alice")
        reused = await client.post(
            "/api/auth/login/totp",
            json={"login_token": second["login_token"], "code": codes[0]},
        )
        other = await client.post(
            "/api/auth/login/totp",
            json={"login_token": second["login_token"], "code": codes[1]},
        )

    assert used.status_code == 200
    assert reused.json() == INVALID
    assert other.status_code == 200


async def test_an_expired_login_token_is_refused(gateway: Gateway) -> None:
    async with gateway.client() as client:
        await gateway.log_in(client, "alice")
        totp, _ = await _enrol(gateway, client)

    async with gateway.client() as client:
        first = await _password_step(client, "alice")
        await gateway.sql(
            "UPDATE login_challenges SET expires_at = NOW(6) - INTERVAL 1 SECOND"
        )
        late = await client.post(
            "/api/auth/login/totp",
            json={"login_token": first["login_token"], "code": _next_code(totp)},
        )

    assert late.json() == INVALID


async def test_enforcement_limits_an_unenrolled_admin_to_enrolment(
    gateway: Gateway,
) -> None:
    await gateway.add_admin("bob")
    async with gateway.client() as alice:
        await gateway.log_in(alice, "alice")
        enforced = await alice.put(
            "/api/settings/security", json={"enforce_totp": True}
        )

    async with gateway.client() as bob:
        login = await gateway.log_in(bob, "bob")
        blocked = await bob.get("/api/admins")
        me = (await bob.get("/api/auth/me")).json()
        await _enrol(gateway, bob)
        allowed = await bob.get("/api/admins")
        switch_off = await bob.request(
            "DELETE", "/api/auth/totp", json={"code": "000000"}
        )

    assert enforced.status_code == 200
    assert enforced.json() == {"enforce_totp": True}
    assert login["status"] == "totp_enrolment_required"
    assert login["admin"]["username"] == "bob"
    assert blocked.status_code == 403
    assert blocked.json()["code"] == "totp_enrolment_required"
    assert me["totp_enrolment_required"] is True
    assert allowed.status_code == 200
    assert switch_off.status_code == 409


async def test_totp_can_be_switched_off_with_a_recovery_code(gateway: Gateway) -> None:
    async with gateway.client() as client:
        await gateway.log_in(client, "alice")
        _, codes = await _enrol(gateway, client)
        wrong = await client.request(
            "DELETE", "/api/auth/totp", json={"code": "000000"}
        )
        off = await client.request("DELETE", "/api/auth/totp", json={"code": codes[3]})
        me = (await client.get("/api/auth/me")).json()
    async with gateway.client() as client:
        login = await _password_step(client, "alice")

    assert wrong.status_code == 422
    assert off.status_code == 204
    assert me["admin"]["totp_enabled"] is False
    assert login["status"] == "authenticated"
    assert await gateway.sql("SELECT * FROM recovery_codes") == []


async def test_api_tokens_cannot_manage_totp(gateway: Gateway) -> None:
    token = await gateway.token_for("alice", ["read", "write:admin"])
    async with gateway.client(headers={"Authorization": f"Bearer {token}"}) as client:
        response = await client.post("/api/auth/totp/enroll")

    assert response.status_code == 403
    assert response.json()["message"] == (
        "this needs a logged-in session, not an API token"
    )
