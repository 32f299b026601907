"""Admin accounts over the API, and `homehost admin create`."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from typer.testing import CliRunner

from homehost.cli.main import app

if TYPE_CHECKING:
    import pytest

    from conftest import Gateway

PASSWORD = "kettle-orbit-lantern-42"


async def test_an_admin_creates_another(gateway: Gateway) -> None:
    async with gateway.client() as client:
        await gateway.log_in(client, "alice")
        created = await client.post(
            "/api/admins",
            json={
                "username": "bob",
                "password": "ember-quartz-violin-77",
                "role": "viewer",
            },
        )
        listed = (await client.get("/api/admins")).json()
    async with gateway.client() as client:
        bob = await gateway.log_in(client, "bob", "ember-quartz-violin-77")

    assert created.status_code == 201
    body = created.json()
    assert set(body) == {
        "id",
        "username",
        "role",
        "totp_enabled",
        "disabled",
        "locked_until",
        "created_at",
        "last_login_at",
    }
    assert (body["username"], body["role"], body["disabled"]) == (
        "bob",
        "viewer",
        False,
    )
    assert body["totp_enabled"] is False
    assert body["locked_until"] is None
    assert body["last_login_at"] is None
    assert [admin["username"] for admin in listed] == ["alice", "bob"]
    assert bob["status"] == "authenticated"
    assert bob["admin"]["last_login_at"] is not None


async def test_bad_admins_are_refused_naming_the_field(gateway: Gateway) -> None:
    async with gateway.client() as client:
        await gateway.log_in(client, "alice")
        short = await client.post(
            "/api/admins",
            json={"username": "bob", "password": "short", "role": "admin"},
        )
        common = await client.post(
            "/api/admins",
            json={"username": "bob", "password": "password1234", "role": "admin"},
        )
        bad_name = await client.post(
            "/api/admins", json={"username": "Bob!", "password": PASSWORD}
        )
        taken = await client.post(
            "/api/admins",
            json={"username": "alice", "password": "ember-quartz-violin-77"},
        )
        extra = await client.post(
            "/api/admins",
            json={"username": "bob", "password": PASSWORD, "is_root": True},
        )

    assert short.status_code == 422
    assert short.json()["details"]["errors"] == [
        {"field": "password", "message": "must be at least 12 characters long"}
    ]
    assert common.json()["details"]["errors"] == [
        {"field": "password", "message": "is too weak: this is a very common password"}
    ]
    assert bad_name.status_code == 422
    assert bad_name.json()["details"]["errors"] == [
        {
            "field": "username",
            "message": "use 3 to 64 characters: lowercase letters, digits, '.', "
            "'_' or '-'",
        }
    ]
    assert taken.status_code == 409
    assert taken.json()["message"] == "an admin named alice exists already"
    assert [e["field"] for e in extra.json()["details"]["errors"]] == ["is_root"]


async def test_a_viewer_reads_but_does_not_change(gateway: Gateway) -> None:
    await gateway.add_admin("victor", role="viewer")
    async with gateway.client() as client:
        await gateway.log_in(client, "victor")
        read = await client.get("/api/admins")
        write = await client.post(
            "/api/admins", json={"username": "eve", "password": PASSWORD}
        )
        settings = await client.put(
            "/api/settings/security", json={"enforce_totp": True}
        )
        me = (await client.get("/api/auth/me")).json()

    assert read.status_code == 200
    assert write.status_code == 403
    assert write.json()["details"] == {"required_scope": "write:admin"}
    assert settings.status_code == 403
    assert me["scopes"] == ["read"]


async def test_the_last_admin_stays(gateway: Gateway) -> None:
    victor = await gateway.add_admin("victor", role="viewer")
    async with gateway.client() as client:
        alice = (await gateway.log_in(client, "alice"))["admin"]
        demote = await client.patch(
            f"/api/admins/{alice['id']}", json={"role": "viewer"}
        )
        disable = await client.patch(
            f"/api/admins/{alice['id']}", json={"disabled": True}
        )
        itself = await client.delete(f"/api/admins/{alice['id']}")
        other = await client.delete(f"/api/admins/{victor.id}")
        missing = await client.delete("/api/admins/999999")

    assert demote.status_code == 409
    assert (
        demote.json()["message"] == "this is the last enabled admin with the admin role"
    )
    assert disable.status_code == 409
    assert itself.status_code == 409
    assert itself.json()["message"] == "an admin cannot delete itself"
    assert other.status_code == 204
    assert missing.status_code == 404


async def test_disabling_an_admin_ends_its_sessions(gateway: Gateway) -> None:
    bob = await gateway.add_admin("bob")
    async with gateway.client() as bob_client, gateway.client() as alice:
        await gateway.log_in(bob_client, "bob")
        await gateway.log_in(alice, "alice")
        await alice.patch(f"/api/admins/{bob.id}", json={"disabled": True})
        after = await bob_client.get("/api/auth/me")

    assert after.status_code == 401


async def test_the_cli_creates_an_admin_from_a_password_file(
    gateway: Gateway, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOMEHOST_GATEWAY_DATABASE_NAME", gateway.settings.database_name)
    monkeypatch.setenv("HOMEHOST_GATEWAY_DATABASE_USER", gateway.settings.database_user)
    monkeypatch.setenv("HOMEHOST_STATE_DIR", str(tmp_path / "state"))
    password_file = tmp_path / "password"
    password_file.write_text("ember-quartz-violin-77\n")
    weak_file = tmp_path / "weak"
    weak_file.write_text("password1234\n")
    runner = CliRunner()

    def invoke(*args: str, stdin: str | None = None) -> tuple[int, str]:
        result = runner.invoke(app, list(args), input=stdin)
        return result.exit_code, result.output

    created = await asyncio.to_thread(
        invoke,
        "admin",
        "create",
        "carol",
        "--role",
        "viewer",
        "--password-file",
        str(password_file),
    )
    weak = await asyncio.to_thread(
        invoke, "admin", "create", "dave", "--password-file", str(weak_file)
    )
    prompted = await asyncio.to_thread(
        invoke,
        "admin",
        "create",
        "erin",
        stdin="ember-quartz-violin-77\nsomething-else-entirely\n"
        "ember-quartz-violin-77\nember-quartz-violin-77\n",
    )
    duplicate = await asyncio.to_thread(
        invoke, "admin", "create", "carol", "--password-file", str(password_file)
    )
    async with gateway.client() as client:
        carol = await gateway.log_in(client, "carol", "ember-quartz-violin-77")

    assert created[0] == 0, created[1]
    assert "created viewer carol" in created[1]
    assert weak[0] == 2
    assert "password is too weak: this is a very common password" in weak[1]
    assert prompted[0] == 0, prompted[1]
    assert "do not match" in prompted[1]
    assert duplicate[0] == 1
    assert "an admin named carol exists already" in duplicate[1]
    assert carol["admin"]["role"] == "viewer"
    usernames = [
        row["username"] for row in await gateway.sql("SELECT username FROM admins")
    ]
    assert sorted(usernames) == ["alice", "carol", "erin"]
