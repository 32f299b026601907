"""Login throttling and lockout, per account and per client address."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from typer.testing import CliRunner

from homehost.cli.admin import admin_app

if TYPE_CHECKING:
    from conftest import StartGateway

PASSWORD = "kettle-orbit-lantern-42"


def _from(address: str) -> dict[str, str]:
    return {"X-Forwarded-For": address}


async def test_repeated_failures_lock_the_account_until_another_admin_unlocks(
    start_gateway: StartGateway,
) -> None:
    gateway = await start_gateway(login_max_failures_per_account=3, lockout_seconds=600)
    alice = await gateway.add_admin("alice")
    await gateway.add_admin("bob")
    wrong = {"username": "alice", "password": "not-the-password"}
    right = {"username": "alice", "password": PASSWORD}

    async with gateway.client() as client:
        failures = [
            (await client.post("/api/auth/login", json=wrong)).status_code
            for _ in range(3)
        ]
        locked = await client.post("/api/auth/login", json=right)
    async with gateway.client() as bob:
        await gateway.log_in(bob, "bob")
        listed = {a["username"]: a for a in (await bob.get("/api/admins")).json()}
        unlocked = await bob.post(f"/api/admins/{alice.id}/unlock")
        lockouts = (
            await bob.get("/api/audit", params={"action": "auth.lockout"})
        ).json()
        unlocks = (
            await bob.get("/api/audit", params={"action": "admins.unlock"})
        ).json()
    async with gateway.client() as client:
        after = await client.post("/api/auth/login", json=right)

    assert failures == [401, 401, 401]
    assert locked.status_code == 429
    assert locked.json()["code"] == "too_many_attempts"
    retry_after = locked.json()["details"]["retry_after_seconds"]
    assert 1 <= retry_after <= 600
    assert locked.headers["Retry-After"] == str(retry_after)
    assert listed["alice"]["locked_until"] is not None
    assert listed["bob"]["locked_until"] is None
    assert unlocked.status_code == 204
    assert after.status_code == 200
    assert lockouts["total"] == 1
    entry = lockouts["items"][0]
    assert entry["target"] == "account:alice"
    assert entry["result"] == "denied"
    assert entry["actor"] == "system"
    assert entry["details"]["failures"] == 3
    assert unlocks["items"][0]["actor"] == "bob"
    assert unlocks["items"][0]["target"] == "admin:alice"
    assert unlocks["items"][0]["result"] == "success"


async def test_a_locked_account_is_refused_even_from_another_address(
    start_gateway: StartGateway,
) -> None:
    gateway = await start_gateway(
        login_max_failures_per_account=2, trusted_proxies=["127.0.0.1/32"]
    )
    await gateway.add_admin("alice")
    wrong = {"username": "alice", "password": "not-the-password"}

    async with gateway.client() as client:
        await client.post("/api/auth/login", json=wrong, headers=_from("192.0.2.1"))
        await client.post("/api/auth/login", json=wrong, headers=_from("192.0.2.2"))
        elsewhere = await client.post(
            "/api/auth/login",
            json={"username": "alice", "password": PASSWORD},
            headers=_from("192.0.2.3"),
        )

    assert elsewhere.status_code == 429


async def test_failures_from_one_address_block_that_address_only(
    start_gateway: StartGateway,
) -> None:
    gateway = await start_gateway(
        login_max_failures_per_address=3,
        login_max_failures_per_account=100,
        trusted_proxies=["127.0.0.1/32"],
    )
    await gateway.add_admin("alice")
    right = {"username": "alice", "password": PASSWORD}

    async with gateway.client() as client:
        statuses = [
            (
                await client.post(
                    "/api/auth/login",
                    json={"username": f"guess{n}", "password": "whatever-guess"},
                    headers=_from("203.0.113.5"),
                )
            ).status_code
            for n in range(3)
        ]
        blocked = await client.post(
            "/api/auth/login", json=right, headers=_from("203.0.113.5")
        )
        other = await client.post(
            "/api/auth/login", json=right, headers=_from("203.0.113.6")
        )
        await gateway.log_in(client, "alice")
        lockouts = (
            await client.get("/api/audit", params={"action": "auth.lockout"})
        ).json()

    assert statuses == [401, 401, 401]
    assert blocked.status_code == 429
    assert other.status_code == 200
    assert [entry["target"] for entry in lockouts["items"]] == ["address:203.0.113.5"]
    assert lockouts["items"][0]["client_address"] == "203.0.113.5"


async def test_forwarded_addresses_from_untrusted_peers_are_ignored(
    start_gateway: StartGateway,
) -> None:
    gateway = await start_gateway(login_max_failures_per_address=2)
    await gateway.add_admin("alice")

    async with gateway.client() as client:
        for n in range(2):
            await client.post(
                "/api/auth/login",
                json={"username": "alice", "password": "not-the-password"},
                headers=_from(f"198.51.100.{n}"),
            )
        # Both failures counted against the real peer, 127.0.0.1.
        blocked = await client.post(
            "/api/auth/login",
            json={"username": "alice", "password": PASSWORD},
            headers=_from("198.51.100.9"),
        )

    assert blocked.status_code == 429


async def test_a_success_clears_the_account_count(start_gateway: StartGateway) -> None:
    gateway = await start_gateway(login_max_failures_per_account=3)
    await gateway.add_admin("alice")
    wrong = {"username": "alice", "password": "not-the-password"}

    async with gateway.client() as client:
        for _ in range(2):
            await client.post("/api/auth/login", json=wrong)
        await gateway.log_in(client, "alice")
        for _ in range(2):
            await client.post("/api/auth/login", json=wrong)
        still_allowed = await client.post(
            "/api/auth/login", json={"username": "alice", "password": PASSWORD}
        )

    assert still_allowed.status_code == 200


async def test_unlocking_an_admin_also_lifts_the_address_blocks(
    start_gateway: StartGateway,
) -> None:
    gateway = await start_gateway(
        login_max_failures_per_address=2, login_max_failures_per_account=100
    )
    alice = await gateway.add_admin("alice")
    await gateway.add_admin("bob")
    wrong = {"username": "alice", "password": "not-the-password"}
    right = {"username": "alice", "password": PASSWORD}

    async with gateway.client() as client:
        await gateway.log_in(client, "bob")
        for _ in range(2):
            await client.post("/api/auth/login", json=wrong)
        blocked = await client.post("/api/auth/login", json=right)
        unlocked = await client.post(f"/api/admins/{alice.id}/unlock")
        after = await client.post("/api/auth/login", json=right)
        unlocks = (
            await client.get("/api/audit", params={"action": "admins.unlock"})
        ).json()

    assert blocked.status_code == 429
    assert unlocked.status_code == 204
    assert after.status_code == 200
    assert unlocks["items"][0]["details"]["unlocked_addresses"] == ["127.0.0.1"]


async def test_the_cli_unlocks_an_account_and_every_address(
    start_gateway: StartGateway,
) -> None:
    gateway = await start_gateway(
        login_max_failures_per_account=4,
        login_max_failures_per_address=2,
        trusted_proxies=["127.0.0.1/32"],
    )
    await gateway.add_admin("alice")
    wrong = {"username": "alice", "password": "not-the-password"}
    right = {"username": "alice", "password": PASSWORD}
    settings = gateway.settings
    environment = {
        "HOMEHOST_GATEWAY_DATABASE_NAME": settings.database_name,
        "HOMEHOST_GATEWAY_DATABASE_USER": settings.database_user,
        "HOMEHOST_GATEWAY_DATABASE_PASSWORD": (
            settings.database_password.get_secret_value()
        ),
    }

    async with gateway.client() as client:
        for address in ("192.0.2.7", "192.0.2.7", "192.0.2.8", "192.0.2.8"):
            await client.post("/api/auth/login", json=wrong, headers=_from(address))
        locked = await client.post(
            "/api/auth/login", json=right, headers=_from("192.0.2.9")
        )
        # The CLI runs its own event loop, so it runs in a thread here.
        result = await asyncio.to_thread(
            CliRunner().invoke, admin_app, ["unlock", "Alice"], env=environment
        )
        after = await client.post(
            "/api/auth/login", json=right, headers=_from("192.0.2.7")
        )
        unknown = await asyncio.to_thread(
            CliRunner().invoke, admin_app, ["unlock", "nobody"], env=environment
        )
        await gateway.log_in(client, "alice")
        unlocks = (
            await client.get("/api/audit", params={"action": "admins.unlock"})
        ).json()

    assert locked.status_code == 429
    assert result.exit_code == 0, result.output
    assert result.output == (
        "unlocked alice; addresses unblocked: 192.0.2.7, 192.0.2.8\n"
    )
    assert after.status_code == 200
    assert unknown.exit_code == 1
    assert unlocks["total"] == 1
    entry = unlocks["items"][0]
    assert entry["actor"].startswith("cli:")
    assert entry["target"] == "admin:alice"
    assert entry["result"] == "success"
    assert entry["details"] == {"unlocked_addresses": ["192.0.2.7", "192.0.2.8"]}
