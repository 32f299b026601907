"""Live events over Server-Sent Events, resumed from Last-Event-ID."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from conftest import Gateway


async def _events(response: httpx.Response) -> AsyncIterator[dict[str, Any]]:
    """Yield each SSE message as {id, event, data}, comments as {comment}."""
    fields: dict[str, Any] = {}
    async for line in response.aiter_lines():
        if line == "":
            if fields:
                yield fields
            fields = {}
        elif line.startswith(":"):
            yield {"comment": line[1:].strip()}
        else:
            name, _, value = line.partition(": ")
            fields[name] = json.loads(value) if name == "data" else value


async def _next_event(stream: AsyncIterator[dict[str, Any]]) -> dict[str, Any]:
    async def read() -> dict[str, Any]:
        async for message in stream:
            if "comment" not in message:
                return message
        raise AssertionError("the stream ended")

    return await asyncio.wait_for(read(), 20)


async def _make_token(gateway: Gateway, bearer: str, name: str) -> None:
    async with gateway.client(headers={"Authorization": f"Bearer {bearer}"}) as c:
        response = await c.post("/api/tokens", json={"name": name, "scopes": ["read"]})
        assert response.status_code == 201


async def test_events_arrive_live_and_resume_after_a_reconnect(
    gateway: Gateway,
) -> None:
    token = await gateway.token_for("alice", ["read"])
    headers = {"Authorization": f"Bearer {token}"}

    async with gateway.client(headers=headers) as client:
        async with client.stream("GET", "/api/events") as response:
            stream = _events(response)
            assert response.headers["content-type"].startswith("text/event-stream")
            assert await anext(stream) == {"comment": "connected"}
            await _make_token(gateway, token, "first")
            first = await _next_event(stream)
        await _make_token(gateway, token, "second")
        await _make_token(gateway, token, "third")
        async with client.stream(
            "GET", "/api/events", headers={"Last-Event-ID": first["id"]}
        ) as response:
            stream = _events(response)
            await anext(stream)
            second = await _next_event(stream)
            third = await _next_event(stream)

    assert first["event"] == "audit.recorded"
    assert first["data"]["action"] == "tokens.create"
    assert first["data"]["actor"] == "alice"
    assert first["data"]["auth"] == "token"
    assert first["data"]["result"] == "success"
    assert int(second["id"]) > int(first["id"])
    assert int(third["id"]) > int(second["id"])
    audit_ids = [e["data"]["audit_id"] for e in (first, second, third)]
    assert audit_ids == sorted(audit_ids)
    assert len(set(audit_ids)) == 3


async def test_a_bad_last_event_id_names_the_header(gateway: Gateway) -> None:
    token = await gateway.token_for("alice", ["read"])
    async with gateway.client(headers={"Authorization": f"Bearer {token}"}) as client:
        response = await client.get("/api/events", headers={"Last-Event-ID": "abc"})

    assert response.status_code == 422
    assert response.json()["details"]["errors"][0]["field"] == "header.Last-Event-ID"
