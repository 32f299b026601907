"""API tokens: shown once, stored hashed, scoped, expiring, revocable."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Gateway


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_token_is_shown_once_and_stored_as_a_hash(gateway: Gateway) -> None:
    async with gateway.client() as client:
        await gateway.log_in(client, "alice")
        created = await client.post(
            "/api/tokens",
            json={
                "name": "backup script",
                "scopes": ["write:dns", "read"],
                "expires_in_days": 30,
            },
        )
        listed = (await client.get("/api/tokens")).json()
    token = created.json()["token"]
    async with gateway.client(headers=_bearer(token)) as client:
        me = (await client.get("/api/auth/me")).json()
    stored = await gateway.sql(
        "SELECT token_hash, prefix, last_used_at FROM api_tokens"
    )

    assert created.status_code == 201
    body = created.json()
    assert token.startswith("hh_")
    assert len(token) == 46
    assert body["prefix"] == token[:10]
    assert body["scopes"] == ["read", "write:dns"]
    assert body["owner"] == "alice"
    assert body["revoked_at"] is None
    assert body["last_used_at"] is None
    assert body["expires_at"] is not None
    assert [set(item) for item in listed] == [set(body) - {"token"}]
    assert me["auth"] == "token"
    assert me["csrf_token"] is None
    assert me["scopes"] == ["read", "write:dns"]
    assert stored[0]["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert stored[0]["last_used_at"] is not None


async def test_a_missing_scope_is_named(gateway: Gateway) -> None:
    token = await gateway.token_for("alice", ["read"])
    async with gateway.client(headers=_bearer(token)) as client:
        response = await client.post(
            "/api/admins",
            json={"username": "bob", "password": "kettle-orbit-lantern-42"},
        )
        everyone = await client.get("/api/tokens", params={"all": "true"})

    assert response.status_code == 403
    assert response.json() == {
        "code": "forbidden",
        "message": "this needs the scope write:admin",
        "details": {"required_scope": "write:admin"},
    }
    assert everyone.status_code == 403
    assert everyone.json()["details"] == {"required_scope": "write:admin"}


async def test_tokens_need_no_csrf_header(gateway: Gateway) -> None:
    token = await gateway.token_for("alice", ["read", "write:admin"])
    async with gateway.client(headers=_bearer(token)) as client:
        response = await client.put(
            "/api/settings/security", json={"enforce_totp": False}
        )

    assert response.status_code == 200


async def test_revoked_expired_and_unknown_tokens_get_401(gateway: Gateway) -> None:
    revoked = await gateway.token_for("alice", ["read"])
    expired = await gateway.token_for("alice", ["read"], expires_in_days=1)
    async with gateway.client() as client:
        await gateway.log_in(client, "alice")
        tokens = (await client.get("/api/tokens")).json()
        revoking = await client.delete(f"/api/tokens/{tokens[0]['id']}")
        listed = (await client.get("/api/tokens")).json()
    await gateway.sql(
        "UPDATE api_tokens SET expires_at = NOW(6) - INTERVAL 1 SECOND WHERE id = %s",
        (tokens[1]["id"],),
    )

    answers = []
    for token in (revoked, expired, "hh_" + "x" * 43, "not-even-a-token"):
        async with gateway.client(headers=_bearer(token)) as client:
            answers.append(await client.get("/api/auth/me"))

    assert revoking.status_code == 204
    assert listed[0]["revoked_at"] is not None
    assert [answer.status_code for answer in answers] == [401, 401, 401, 401]
    assert (
        answers[0].json()["message"] == "the API token is unknown, expired or revoked"
    )


async def test_a_token_is_capped_by_its_owners_role(gateway: Gateway) -> None:
    bob = await gateway.add_admin("bob")
    token = await gateway.token_for("bob", ["read", "write:dns"])
    async with gateway.client() as alice:
        await gateway.log_in(alice, "alice")
        await alice.patch(f"/api/admins/{bob.id}", json={"role": "viewer"})
    async with gateway.client(headers=_bearer(token)) as client:
        me = (await client.get("/api/auth/me")).json()

    assert me["scopes"] == ["read"]


async def test_a_viewer_cannot_make_a_write_token(gateway: Gateway) -> None:
    await gateway.add_admin("victor", role="viewer")
    async with gateway.client() as client:
        await gateway.log_in(client, "victor")
        write = await client.post(
            "/api/tokens", json={"name": "x", "scopes": ["read", "write:dns"]}
        )
        read = await client.post("/api/tokens", json={"name": "x", "scopes": ["read"]})

    assert write.status_code == 403
    assert write.json()["details"] == {"required_scope": "write:dns"}
    assert read.status_code == 201


async def test_a_disabled_owners_tokens_stop_working(gateway: Gateway) -> None:
    bob = await gateway.add_admin("bob")
    token = await gateway.token_for("bob", ["read"])
    async with gateway.client() as alice:
        await gateway.log_in(alice, "alice")
        disabled = await alice.patch(f"/api/admins/{bob.id}", json={"disabled": True})
    async with gateway.client(headers=_bearer(token)) as client:
        response = await client.get("/api/auth/me")

    assert disabled.json()["disabled"] is True
    assert response.status_code == 401


async def test_only_write_admin_may_revoke_someone_elses_token(
    gateway: Gateway,
) -> None:
    await gateway.add_admin("victor", role="viewer")
    await gateway.token_for("alice", ["read"])
    async with gateway.client() as victor:
        await gateway.log_in(victor, "victor")
        foreign = await victor.delete("/api/tokens/1")
        own = await victor.get("/api/tokens")
    async with gateway.client() as alice:
        await gateway.log_in(alice, "alice")
        everyone = await alice.get("/api/tokens", params={"all": "true"})

    assert foreign.status_code == 404
    assert own.json() == []
    assert [token["owner"] for token in everyone.json()] == ["alice"]
