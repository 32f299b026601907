"""The audit log: every state-changing request, searchable."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Gateway

PASSWORD = "kettle-orbit-lantern-42"


async def test_state_changes_are_recorded_with_who_how_and_what(
    gateway: Gateway,
) -> None:
    token = await gateway.token_for("alice", ["read", "write:admin"])
    async with gateway.client() as client:
        await client.post(
            "/api/auth/login", json={"username": "alice", "password": "wrong-password"}
        )
    async with gateway.client(headers={"Authorization": f"Bearer {token}"}) as client:
        await client.post(
            "/api/admins",
            json={"username": "bob", "password": PASSWORD, "role": "admin"},
        )
        await client.get("/api/admins")
        page = (await client.get("/api/audit")).json()
    token_id = (await gateway.sql("SELECT id FROM api_tokens"))[0]["id"]

    actions = [(e["action"], e["result"], e["status_code"]) for e in page["items"]]
    assert actions == [
        ("admins.create", "success", 201),
        ("auth.login", "denied", 401),
        ("tokens.create", "success", 201),
        ("auth.login", "success", 200),
    ]
    created, failed, made_token, logged_in = page["items"]
    assert created["actor"] == "alice"
    assert created["auth"] == "token"
    assert created["token_id"] == token_id
    assert created["target"] == "admin:bob"
    assert created["client_address"] == "127.0.0.1"
    assert created["details"] == {
        "method": "POST",
        "path": "/api/admins",
        "role": "admin",
    }
    assert failed["actor"] == "anonymous"
    assert failed["auth"] == "anonymous"
    assert failed["target"] == "admin:alice"
    assert made_token["auth"] == "session"
    assert made_token["target"] == f"token:{token_id}"
    assert logged_in["actor"] == "alice"
    assert page["total"] == 4
    assert PASSWORD not in str(page)
    assert "wrong-password" not in str(page)


async def test_search_filters_and_pages(gateway: Gateway) -> None:
    async with gateway.client() as client:
        for _ in range(3):
            await client.post(
                "/api/auth/login", json={"username": "alice", "password": "wrong-one-x"}
            )
        await gateway.log_in(client, "alice")
        await client.put("/api/settings/security", json={"enforce_totp": False})

        denied = (await client.get("/api/audit", params={"result": "denied"})).json()
        by_text = (await client.get("/api/audit", params={"q": "security"})).json()
        by_actor = (await client.get("/api/audit", params={"actor": "alice"})).json()
        first = (await client.get("/api/audit", params={"page_size": 2})).json()
        second = (
            await client.get("/api/audit", params={"page_size": 2, "page": 2})
        ).json()
        third = (
            await client.get("/api/audit", params={"page_size": 2, "page": 3})
        ).json()
        future = (
            await client.get("/api/audit", params={"since": "2999-01-01T00:00:00Z"})
        ).json()
        bad = await client.get("/api/audit", params={"page": 0})

    assert denied["total"] == 3
    assert [e["action"] for e in by_text["items"]] == ["settings.security_update"]
    assert [e["action"] for e in by_actor["items"]] == [
        "settings.security_update",
        "auth.login",
    ]
    assert (first["total"], first["page"], first["page_size"]) == (5, 1, 2)
    ids = [e["id"] for e in first["items"] + second["items"] + third["items"]]
    assert ids == sorted(ids, reverse=True)
    assert len(set(ids)) == 5
    assert future["items"] == []
    assert future["total"] == 0
    assert bad.status_code == 422
    assert bad.json()["details"]["errors"][0]["field"] == "query.page"
