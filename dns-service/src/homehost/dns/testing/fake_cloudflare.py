"""A fake Cloudflare v4 API for tests, faithful to the published contract.

It runs on 127.0.0.1 on a free port and serves what homehost calls:
zones, DNS records (one by one and in batches), zone settings, SSL
verification and a remotely managed Tunnel's configuration. Each
behaviour cites the page it follows. What a test needs to provoke (a
storm of 429s, a token without a scope, a write that races an apply, a
slow network) is a knob on `FakeCloudflare`.
"""

from __future__ import annotations

import asyncio
import copy
import ipaddress
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

# Token scopes, named after the permission groups of Cloudflare's dashboard
# (https://developers.cloudflare.com/fundamentals/api/reference/permissions/).
ALL_SCOPES = frozenset(
    {
        "zone:read",
        "dns:read",
        "dns:edit",
        "zone_settings:read",
        "zone_settings:edit",
        "ssl:read",
        "waf:read",
        "waf:edit",
        "tunnel:edit",
    }
)

# The zone-level phase of WAF managed rules and the managed rulesets that can
# be deployed to it, the Cloudflare Managed Ruleset and the Cloudflare OWASP
# Core Ruleset (https://developers.cloudflare.com/waf/managed-rules/).
MANAGED_PHASE = "http_request_firewall_managed"
MANAGED_RULESETS = frozenset(
    {"efb7b8c949ac4650a09736fc376e9aee", "4814384a9e5d4991b9815dcfc25d2f1f"}
)

# Only A, AAAA and CNAME records can be proxied
# (https://developers.cloudflare.com/dns/proxy-status/).
PROXIABLE = frozenset({"A", "AAAA", "CNAME"})
SUPPORTED = frozenset({"A", "AAAA", "CNAME", "MX", "TXT", "SRV", "CAA", "NS"})

# Batch size per plan: Free 200, Pro and above 3,500
# (https://developers.cloudflare.com/dns/manage-dns-records/how-to/batch-record-changes/).
FREE_BATCH_LIMIT = 200

# Edge settings and the values Cloudflare accepts for each
# (https://developers.cloudflare.com/api/resources/zones/subresources/settings/).
SETTING_VALUES: dict[str, tuple[str, ...]] = {
    "ssl": ("off", "flexible", "full", "strict"),
    "always_use_https": ("on", "off"),
    "min_tls_version": ("1.0", "1.1", "1.2", "1.3"),
    "security_level": (
        "off",
        "essentially_off",
        "low",
        "medium",
        "high",
        "under_attack",
    ),
}


class CloudflareFault(Exception):
    """An error answer: HTTP status and v4 `errors` items."""

    def __init__(
        self,
        status: int,
        code: int,
        message: str,
        *,
        pointer: str | None = None,
        chain: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error: dict[str, Any] = {"code": code, "message": message}
        if chain:
            self.error["error_chain"] = chain
        if pointer is not None:
            self.error["source"] = {"pointer": pointer}


@dataclass
class FakeZone:
    """One zone: records (by id), edge settings, entry point rulesets, certificates.

    `rulesets` holds each phase's entry point ruleset once one was written.
    """

    id: str
    name: str
    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    settings: dict[str, str] = field(
        default_factory=lambda: {
            "ssl": "full",
            "always_use_https": "off",
            "min_tls_version": "1.0",
            "security_level": "medium",
        }
    )
    rulesets: dict[str, dict[str, Any]] = field(default_factory=dict)
    certificates: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Call:
    """One request the fake answered."""

    method: str
    path: str
    status: int


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _new_id() -> str:
    # Cloudflare identifiers are 32 hex characters ("maxLength32").
    return uuid.uuid4().hex


class FakeCloudflare:
    """The fake API server; `await start()` returns its base URL."""

    def __init__(
        self,
        *,
        latency: float = 0.0,
        batch_limit: int = FREE_BATCH_LIMIT,
        account_id: str = "a" * 32,
        tunnel_id: str = "0b5f7c2e-8d1a-4c3b-9e6f-2a7d4e1c9b80",
    ) -> None:
        self.latency = latency
        self.batch_limit = batch_limit
        self.account_id = account_id
        self.tunnel_id = tunnel_id
        self.zones: dict[str, FakeZone] = {}
        self.tokens: dict[str, frozenset[str]] = {}
        self.calls: list[Call] = []
        self.tunnel_ingress: list[dict[str, Any]] = [{"service": "http_status:404"}]
        self.tunnel_version = 1
        # Knobs for faults a test provokes.
        self.rate_limit_next = 0
        self.retry_after = 1
        # Only paths containing this text are limited (None: every path).
        self.rate_limit_only: str | None = None
        self.on_batch: Callable[[FakeZone, int], None] | None = None
        self._batches = 0
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None
        self.base_url = ""
        self.app = Starlette(routes=self._routes())

    # Setting the scene.

    def add_token(self, token: str, scopes: frozenset[str] = ALL_SCOPES) -> None:
        """Accept `token` with the given scopes."""
        self.tokens[token] = frozenset(scopes)

    def add_zone(self, name: str) -> FakeZone:
        """Create an active zone."""
        zone = FakeZone(id=_new_id(), name=name.lower())
        self.zones[zone.id] = zone
        return zone

    def zone_named(self, name: str) -> FakeZone:
        """The zone called `name`."""
        return next(z for z in self.zones.values() if z.name == name)

    def put_record(self, zone: FakeZone, body: dict[str, Any]) -> dict[str, Any]:
        """Store a record directly, as another client of the account would."""
        record = self._validated(zone, body, existing=None, where="")
        self._check_conflicts(zone, record, exclude=None, where="", duplicate=81058)
        zone.records[record["id"]] = record
        return self._shown(zone, record)

    def shown_records(self, zone_name: str) -> list[dict[str, Any]]:
        """A zone's records as the API shows them."""
        zone = self.zone_named(zone_name)
        return [self._shown(zone, r) for r in zone.records.values()]

    def changing_calls(self) -> list[Call]:
        """Every call answered so far that could have changed something."""
        return [c for c in self.calls if c.method != "GET"]

    # Serving.

    async def start(self) -> str:
        """Serve on a free port of 127.0.0.1; return the v4 base URL."""
        listener = socket.create_server(("127.0.0.1", 0))
        listener.setblocking(False)
        port = listener.getsockname()[1]
        config = uvicorn.Config(
            self.app,
            log_config=None,
            access_log=False,
            lifespan="off",
            ws="none",
            http="h11",
        )
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[listener]))
        while not self._server.started:
            if self._task.done():
                self._task.result()
            await asyncio.sleep(0.01)
        self.base_url = f"http://127.0.0.1:{port}/client/v4"
        return self.base_url

    async def stop(self) -> None:
        """Stop serving."""
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            await self._task
            self._server = None
            self._task = None

    def _routes(self) -> list[Route]:
        prefix = "/client/v4"
        return [
            Route(f"{prefix}/zones", self._zones, methods=["GET"]),
            Route(f"{prefix}/zones/{{zone_id}}", self._zone, methods=["GET"]),
            Route(
                f"{prefix}/zones/{{zone_id}}/dns_records",
                self._records,
                methods=["GET", "POST"],
            ),
            Route(
                f"{prefix}/zones/{{zone_id}}/dns_records/batch",
                self._batch,
                methods=["POST"],
            ),
            Route(
                f"{prefix}/zones/{{zone_id}}/dns_records/{{record_id}}",
                self._record,
                methods=["GET", "PATCH", "PUT", "DELETE"],
            ),
            Route(
                f"{prefix}/zones/{{zone_id}}/settings/{{setting_id}}",
                self._setting,
                methods=["GET", "PATCH"],
            ),
            Route(
                f"{prefix}/zones/{{zone_id}}/rulesets/phases/{{phase}}/entrypoint",
                self._entrypoint,
                methods=["GET", "PUT"],
            ),
            Route(
                f"{prefix}/zones/{{zone_id}}/ssl/verification",
                self._verification,
                methods=["GET"],
            ),
            Route(
                f"{prefix}/accounts/{{account_id}}/cfd_tunnel/{{tunnel_id}}/configurations",
                self._tunnel_configuration,
                methods=["GET", "PUT"],
            ),
        ]

    async def _answer(
        self,
        request: Request,
        scope: str | frozenset[str],
        work: Callable[[], Any],
        *,
        paged: bool = False,
    ) -> JSONResponse:
        # Every answer, good or bad, is wrapped in the v4 envelope:
        # success, errors, messages, result (and result_info for lists)
        # (https://developers.cloudflare.com/fundamentals/api/how-to/make-api-calls/).
        if self.latency:
            await asyncio.sleep(self.latency)
        try:
            self._admit(request, scope)
            outcome = work()
            if asyncio.iscoroutine(outcome):
                outcome = await outcome
        except CloudflareFault as fault:
            response = _envelope(None, errors=[fault.error], status=fault.status)
            if fault.status == 429:
                response.headers["retry-after"] = str(self.retry_after)
        else:
            if paged:
                result, info = outcome
                response = _envelope(result, result_info=info)
            else:
                response = _envelope(outcome)
        self.calls.append(Call(request.method, request.url.path, response.status_code))
        return response

    def _admit(self, request: Request, scope: str | frozenset[str]) -> None:
        # The global limit is 1,200 requests per five minutes; past it the API
        # answers 429 and `retry-after`, the seconds (rounded up) until more
        # capacity is available
        # (https://developers.cloudflare.com/fundamentals/api/reference/limits/).
        limited = self.rate_limit_only is None or self.rate_limit_only in str(
            request.url.path
        )
        if self.rate_limit_next > 0 and limited:
            self.rate_limit_next -= 1
            # The body's code and message, 971 "Please wait and consider
            # throttling your request speed", as the API answers today
            # (https://github.com/cloudflare/terraform-provider-cloudflare/issues/5494).
            raise CloudflareFault(
                429, 971, "Please wait and consider throttling your request speed"
            )
        authorization = request.headers.get("authorization", "")
        token = authorization.removeprefix("Bearer ").strip()
        scopes = self.tokens.get(token)
        if scopes is None:
            # An unknown token: "Invalid API Token" (code 1000)
            # (https://developers.cloudflare.com/fundamentals/api/troubleshooting/).
            raise CloudflareFault(401, 1000, "Invalid API Token")
        # A set of scopes means any one of them will do.
        wanted = {scope} if isinstance(scope, str) else scope
        if not wanted & scopes:
            # A valid token without the permission group gets 403 with code
            # 10000 "Authentication error"
            # (https://developers.cloudflare.com/fundamentals/api/troubleshooting/,
            # "The token has incorrect permissions").
            raise CloudflareFault(403, 10000, "Authentication error")

    def _zone_of(self, request: Request) -> FakeZone:
        zone = self.zones.get(request.path_params["zone_id"])
        if zone is None:
            # An unknown identifier: 404, code 7003 "Could not route to ...,
            # perhaps your object identifier is invalid?"
            # (https://github.com/qdm12/ddns-updater/discussions/1063).
            raise CloudflareFault(
                404,
                7003,
                f"Could not route to {request.url.path}, perhaps your object "
                "identifier is invalid?",
            )
        return zone

    # Zones.

    async def _zones(self, request: Request) -> JSONResponse:
        def work() -> tuple[list[dict[str, Any]], dict[str, int]]:
            name = request.query_params.get("name")
            zones = [
                _zone_json(z)
                for z in sorted(self.zones.values(), key=lambda z: z.name)
                if name is None or z.name == name.lower()
            ]
            # Zones are listed 20 a page by default, 50 at most
            # (https://developers.cloudflare.com/api/resources/zones/methods/list/).
            return _page(zones, request, default=20, largest=50)

        return await self._answer(request, "zone:read", work, paged=True)

    async def _zone(self, request: Request) -> JSONResponse:
        return await self._answer(
            request, "zone:read", lambda: _zone_json(self._zone_of(request))
        )

    # Records.

    async def _records(self, request: Request) -> JSONResponse:
        if request.method == "GET":

            def listing() -> tuple[list[dict[str, Any]], dict[str, int]]:
                zone = self._zone_of(request)
                wanted_type = request.query_params.get("type")
                wanted_name = request.query_params.get(
                    "name"
                ) or request.query_params.get("name.exact")
                records = [
                    self._shown(zone, r)
                    for r in sorted(
                        zone.records.values(),
                        key=lambda r: (r["type"], r["name"], r["created_on"]),
                    )
                    if (wanted_type is None or r["type"] == wanted_type)
                    and (wanted_name is None or r["name"] == wanted_name.lower())
                ]
                # DNS records: 100 a page by default, per_page from 5 to
                # 5,000,000, with result_info (page, per_page, count,
                # total_count, total_pages)
                # (https://developers.cloudflare.com/api/resources/dns/subresources/records/methods/list/).
                return _page(records, request, default=100, largest=5_000_000)

            return await self._answer(request, "dns:read", listing, paged=True)

        async def create() -> dict[str, Any]:
            zone = self._zone_of(request)
            body = await request.json()
            record = self._validated(zone, body, existing=None, where="")
            self._check_conflicts(zone, record, exclude=None, where="", duplicate=81058)
            zone.records[record["id"]] = record
            return self._shown(zone, record)

        return await self._answer(request, "dns:edit", create)

    async def _record(self, request: Request) -> JSONResponse:
        record_id = request.path_params["record_id"]
        scope = "dns:read" if request.method == "GET" else "dns:edit"

        async def work() -> dict[str, Any]:
            zone = self._zone_of(request)
            current = self._existing(zone, record_id, where="")
            if request.method == "GET":
                return self._shown(zone, current)
            if request.method == "DELETE":
                del zone.records[record_id]
                return {"id": record_id}
            body = await request.json()
            merged = {**current, **body} if request.method == "PATCH" else body
            record = self._validated(zone, merged, existing=current, where="")
            self._check_conflicts(
                zone, record, exclude=record_id, where="", duplicate=81057
            )
            zone.records[record_id] = record
            return self._shown(zone, record)

        return await self._answer(request, scope, work)

    async def _batch(self, request: Request) -> JSONResponse:
        async def work() -> dict[str, Any]:
            zone = self._zone_of(request)
            body = await request.json()
            self._batches += 1
            if self.on_batch is not None:
                self.on_batch(zone, self._batches)
            return self._apply_batch(zone, body)

        return await self._answer(request, "dns:edit", work)

    def _apply_batch(self, zone: FakeZone, body: dict[str, Any]) -> dict[str, Any]:
        # The operations run in the order deletes, patches, puts, posts, in
        # one database transaction: all of them or none
        # (https://developers.cloudflare.com/api/resources/dns/subresources/records/methods/batch/).
        deletes = body.get("deletes") or []
        patches = body.get("patches") or []
        puts = body.get("puts") or []
        posts = body.get("posts") or []
        total = len(deletes) + len(patches) + len(puts) + len(posts)
        if total > self.batch_limit:
            # The limit per plan is documented; the error code is not:
            # not documented; 1004 chosen because it is the API's generic
            # "DNS Validation Error" (cloudflare/python-cloudflare#63 shows it,
            # https://github.com/cloudflare/python-cloudflare/issues/63).
            raise CloudflareFault(
                400,
                1004,
                f"DNS Validation Error: {total} changes in one batch; this zone "
                f"allows {self.batch_limit}",
            )
        work = copy.deepcopy(zone.records)
        staged = FakeZone(id=zone.id, name=zone.name, records=work)
        result: dict[str, list[dict[str, Any]]] = {
            "deletes": [],
            "patches": [],
            "puts": [],
            "posts": [],
        }
        for index, item in enumerate(deletes):
            where = f"/deletes/{index}"
            current = self._existing(staged, str(item.get("id")), where=where)
            del work[current["id"]]
            result["deletes"].append(self._shown(staged, current))
        for key, items in (("patches", patches), ("puts", puts)):
            for index, item in enumerate(items):
                where = f"/{key}/{index}"
                current = self._existing(staged, str(item.get("id")), where=where)
                merged = {**current, **item} if key == "patches" else dict(item)
                record = self._validated(staged, merged, existing=current, where=where)
                self._check_conflicts(
                    staged, record, exclude=current["id"], where=where, duplicate=81057
                )
                work[current["id"]] = record
                result[key].append(self._shown(staged, record))
        for index, item in enumerate(posts):
            where = f"/posts/{index}"
            record = self._validated(staged, item, existing=None, where=where)
            self._check_conflicts(
                staged, record, exclude=None, where=where, duplicate=81058
            )
            work[record["id"]] = record
            result["posts"].append(self._shown(staged, record))
        zone.records = work
        return result

    def _existing(
        self, zone: FakeZone, record_id: str, *, where: str
    ) -> dict[str, Any]:
        record = zone.records.get(record_id)
        if record is None:
            # "Record does not exist." (code 81044), as the API answers an
            # id it does not know (seen in zanjie1999/cloudflare-api-v4-ddns#5).
            raise CloudflareFault(
                404, 81044, "Record does not exist.", pointer=where or None
            )
        return record

    def _validated(
        self,
        zone: FakeZone,
        body: dict[str, Any],
        *,
        existing: dict[str, Any] | None,
        where: str,
    ) -> dict[str, Any]:
        pointer = where or None
        record_type = str(body.get("type", "")).upper()
        if record_type not in SUPPORTED:
            raise CloudflareFault(
                400, 1004, "DNS Validation Error: unsupported type", pointer=pointer
            )
        name = str(body.get("name", "")).rstrip(".").lower()
        if not name or name == "@":
            name = zone.name
        elif name != zone.name and not name.endswith(f".{zone.name}"):
            # A name outside the zone is taken as relative to it.
            name = f"{name}.{zone.name}"
        proxied = bool(body.get("proxied", False))
        if proxied and record_type not in PROXIABLE:
            # Code 9004 "This record type cannot be proxied." (hashicorp/
            # terraform#11991; https://developers.cloudflare.com/dns/proxy-status/).
            raise CloudflareFault(
                400, 9004, "This record type cannot be proxied.", pointer=pointer
            )
        ttl = int(body.get("ttl", 1))
        if ttl != 1 and not 60 <= ttl <= 86400:
            # 1004 "DNS Validation Error" with 9021 in its error_chain
            # (https://github.com/timothymiller/cloudflare-ddns/issues/179;
            # 60 to 86400 outside Enterprise).
            raise CloudflareFault(
                400,
                1004,
                "DNS Validation Error",
                pointer=pointer,
                chain=[
                    {
                        "code": 9021,
                        "message": "TTL must be between 60 and 86400 seconds, "
                        "or 1 for Automatic.",
                    }
                ],
            )
        if proxied:
            # Proxied records always have automatic TTL; a value sent with
            # them is replaced, not refused (cloudflare-docs PR #29404,
            # https://developers.cloudflare.com/dns/proxy-status/).
            ttl = 1
        data = body.get("data")
        content = str(body.get("content") or "")
        priority = body.get("priority")
        if record_type == "A":
            content = _address(content, ipaddress.IPv4Address, 9005, pointer)
        elif record_type == "AAAA":
            content = _address(content, ipaddress.IPv6Address, 9006, pointer)
        elif record_type == "TXT":
            content = _txt_stored(content)
        elif record_type == "SRV":
            if not isinstance(data, dict):
                raise CloudflareFault(
                    400, 1004, "DNS Validation Error: SRV needs data", pointer=pointer
                )
            priority = int(data.get("priority", 0))
            content = f"{int(data['weight'])} {int(data['port'])} {data['target']}"
        elif record_type == "CAA":
            if not isinstance(data, dict):
                raise CloudflareFault(
                    400, 1004, "DNS Validation Error: CAA needs data", pointer=pointer
                )
            content = f'{int(data["flags"])} {data["tag"]} "{data["value"]}"'
        elif record_type in ("CNAME", "MX"):
            content = content.rstrip(".").lower()
        if record_type == "MX" and priority is None:
            raise CloudflareFault(
                400, 1004, "DNS Validation Error: MX needs a priority", pointer=pointer
            )
        comment = body.get("comment")
        if comment is not None and len(str(comment)) > 100:
            # Free zones take comments of up to 100 characters
            # (https://developers.cloudflare.com/dns/manage-dns-records/reference/record-attributes/).
            raise CloudflareFault(
                400, 1004, "DNS Validation Error: comment too long", pointer=pointer
            )
        now = _now()
        return {
            "id": existing["id"] if existing else _new_id(),
            "type": record_type,
            "name": name,
            "content": content,
            "proxied": proxied,
            "ttl": ttl,
            "priority": int(priority) if priority is not None else None,
            "data": data if record_type in ("SRV", "CAA") else None,
            "comment": comment or None,
            "tags": sorted(body.get("tags") or []),
            "created_on": existing["created_on"] if existing else now,
            "modified_on": now,
        }

    def _check_conflicts(
        self,
        zone: FakeZone,
        record: dict[str, Any],
        *,
        exclude: str | None,
        where: str,
        duplicate: int,
    ) -> None:
        pointer = where or None
        same_name = [
            r
            for r in zone.records.values()
            if r["name"] == record["name"] and r["id"] != exclude
        ]
        # A CNAME shares its name with nothing: adding one where records
        # exist is 81053, adding a record where a CNAME exists is 81054
        # (https://developers.cloudflare.com/dns/manage-dns-records/troubleshooting/records-with-same-name/;
        # the messages as joshuaavalon/SynologyCloudflareDDNS#29 shows them).
        if record["type"] == "CNAME" and same_name:
            raise CloudflareFault(
                400,
                81053,
                "An A, AAAA, or CNAME record with that host already exists.",
                pointer=pointer,
            )
        if any(r["type"] == "CNAME" for r in same_name):
            raise CloudflareFault(
                400,
                81054,
                "A CNAME record with that host already exists.",
                pointer=pointer,
            )
        for other in same_name:
            if (
                other["type"] == record["type"]
                and other["content"] == record["content"]
                and other.get("priority") == record.get("priority")
            ):
                # An identical record: 81058 "An identical record already
                # exists." on create; the older 81057 "The record already
                # exists." still answers a change that would duplicate one
                # (simplesurance/cfdns#17 records the move from 81057 to 81058).
                message = (
                    "An identical record already exists."
                    if duplicate == 81058
                    else "The record already exists."
                )
                raise CloudflareFault(400, duplicate, message, pointer=pointer)

    def _shown(self, zone: FakeZone, record: dict[str, Any]) -> dict[str, Any]:
        content = record["content"]
        if record["type"] == "TXT" and len(content.encode()) > 255:
            # TXT content is shown as quoted character-strings of at most 255
            # octets; longer values are split (the API reference for TXT
            # content, cloudflare/cloudflare-typescript#1777).
            content = " ".join(_quote(part) for part in _split(content))
        shown = {
            "id": record["id"],
            "zone_id": zone.id,
            "zone_name": zone.name,
            "name": record["name"],
            "type": record["type"],
            "content": content,
            "proxiable": record["type"] in PROXIABLE,
            "proxied": record["proxied"],
            "ttl": record["ttl"],
            "settings": {},
            "meta": {},
            "comment": record["comment"],
            "tags": list(record["tags"]),
            "created_on": record["created_on"],
            "modified_on": record["modified_on"],
        }
        if record["priority"] is not None:
            shown["priority"] = record["priority"]
        if record["data"] is not None:
            shown["data"] = record["data"]
        return shown

    # Edge settings, certificates, Tunnel.

    async def _setting(self, request: Request) -> JSONResponse:
        setting_id = request.path_params["setting_id"]
        scope = (
            "zone_settings:read" if request.method == "GET" else "zone_settings:edit"
        )

        async def work() -> dict[str, Any]:
            zone = self._zone_of(request)
            if setting_id not in zone.settings:
                raise CloudflareFault(404, 1003, f"Unknown setting {setting_id}")
            if request.method == "PATCH":
                value = str((await request.json()).get("value"))
                if value not in SETTING_VALUES[setting_id]:
                    raise CloudflareFault(
                        400, 1007, f"Invalid value for zone setting {setting_id}"
                    )
                zone.settings[setting_id] = value
            return {
                "id": setting_id,
                "value": zone.settings[setting_id],
                "editable": True,
                "modified_on": None,
            }

        return await self._answer(request, scope, work)

    async def _entrypoint(self, request: Request) -> JSONResponse:
        # A zone's entry point ruleset for a phase: GET the latest version,
        # PUT all of its rules (what is left out is removed), which creates
        # the entry point if there was none and a new version each time
        # (https://developers.cloudflare.com/ruleset-engine/basic-operations/add-rule-phase-rulesets/).
        # Reading takes Zone WAF Read or Edit, writing Zone WAF Edit
        # (https://developers.cloudflare.com/ruleset-engine/managed-rulesets/deploy-managed-ruleset/).
        phase = request.path_params["phase"]
        scope: str | frozenset[str] = (
            frozenset({"waf:read", "waf:edit"})
            if request.method == "GET"
            else "waf:edit"
        )

        async def work() -> dict[str, Any] | None:
            zone = self._zone_of(request)
            if phase != MANAGED_PHASE:
                # Not documented; the fake serves this one phase and answers
                # the others as a path it cannot route (7003, see _zone_of).
                raise CloudflareFault(
                    404, 7003, f"Could not route to {request.url.path}"
                )
            current = zone.rulesets.get(phase)
            if request.method == "GET":
                if current is None:
                    # 10003 "could not find entrypoint ruleset in the
                    # http_request_firewall_managed phase", as a zone without
                    # one answers (ibm-mas/ansible-devops#2403 shows the body;
                    # 404 is the status of a missing resource in the v4 API).
                    raise CloudflareFault(
                        404,
                        10003,
                        f"could not find entrypoint ruleset in the {phase} phase",
                    )
                return copy.deepcopy(current)
            body = await request.json()
            ruleset = _next_ruleset(phase, current, body)
            # dry_run=true validates and keeps nothing; result is null (the
            # SDK's documentation of `dry_run` for this operation).
            if request.query_params.get("dry_run") == "true":
                return None
            zone.rulesets[phase] = ruleset
            return copy.deepcopy(ruleset)

        return await self._answer(request, scope, work)

    async def _verification(self, request: Request) -> JSONResponse:
        # GET /zones/{zone_id}/ssl/verification lists certificate_status per
        # hostname (https://developers.cloudflare.com/api/resources/ssl/subresources/verification/methods/get/).
        return await self._answer(
            request,
            "ssl:read",
            lambda: copy.deepcopy(self._zone_of(request).certificates),
        )

    async def _tunnel_configuration(self, request: Request) -> JSONResponse:
        # A remotely managed Tunnel's configuration is one document, read
        # with GET and replaced with PUT
        # (https://developers.cloudflare.com/api/resources/zero_trust/subresources/tunnels/subresources/cloudflared/subresources/configurations/).
        async def work() -> dict[str, Any]:
            if (
                request.path_params["account_id"] != self.account_id
                or request.path_params["tunnel_id"] != self.tunnel_id
            ):
                raise CloudflareFault(404, 1003, "Tunnel not found")
            if request.method == "PUT":
                config = (await request.json()).get("config") or {}
                ingress = list(config.get("ingress") or [])
                if not ingress or "hostname" in ingress[-1]:
                    # cloudflared requires a last, catch-all rule
                    # (https://developers.cloudflare.com/cloudflare-one/connections/connect-networks/configure-tunnels/local-management/configuration-file/);
                    # the API's message as cloudflare/terraform-provider-cloudflare#2327
                    # shows it. The code is not documented; 1056 chosen
                    # because it is unused elsewhere in this fake.
                    raise CloudflareFault(
                        400,
                        1056,
                        "Validation failed: The last ingress rule must match all "
                        "URLs (i.e. it should not have a hostname or path filter)",
                    )
                self.tunnel_ingress = ingress
                self.tunnel_version += 1
            return {
                "account_id": self.account_id,
                "tunnel_id": self.tunnel_id,
                "version": self.tunnel_version,
                "source": "cloudflare",
                "created_at": _now(),
                "config": {"ingress": copy.deepcopy(self.tunnel_ingress)},
            }

        return await self._answer(request, "tunnel:edit", work)


def _next_ruleset(
    phase: str,
    current: dict[str, Any] | None,
    body: dict[str, Any],
) -> dict[str, Any]:
    now = _now()
    version = int(current["version"]) + 1 if current else 1
    before = {rule["id"]: rule for rule in (current or {}).get("rules", [])}
    rules = []
    for index, item in enumerate(body.get("rules") or []):
        pointer = f"/rules/{index}"
        action = item.get("action")
        if not action or "expression" not in item:
            # Not documented: the code for an incomplete rule; 1004, the
            # generic validation code this fake answers elsewhere.
            raise CloudflareFault(
                400,
                1004,
                "a rule needs an action and an expression",
                pointer=pointer,
            )
        executed = (item.get("action_parameters") or {}).get("id")
        if action == "execute" and executed not in MANAGED_RULESETS:
            # Not documented either; same choice of code as above.
            raise CloudflareFault(
                400,
                1004,
                f"ruleset {executed} cannot be executed in the {phase} phase",
                pointer=pointer,
            )
        old = before.get(str(item.get("id")))
        rule = {
            **{k: v for k, v in item.items() if k not in ("version",)},
            "id": old["id"] if old else _new_id(),
            "enabled": bool(item.get("enabled", True)),
            "version": str(int(old["version"]) + 1) if old else "1",
            "last_updated": now,
        }
        rule.setdefault("ref", rule["id"])
        rules.append(rule)
    return {
        "id": current["id"] if current else _new_id(),
        "name": "zone",
        "description": body.get("description", ""),
        "kind": "zone",
        "phase": phase,
        "version": str(version),
        "last_updated": now,
        "rules": rules,
    }


def _envelope(
    result: Any,
    *,
    errors: list[dict[str, Any]] | None = None,
    result_info: dict[str, int] | None = None,
    status: int = 200,
) -> JSONResponse:
    body: dict[str, Any] = {
        "success": not errors,
        "errors": errors or [],
        "messages": [],
        "result": result,
    }
    if result_info is not None:
        body["result_info"] = result_info
    return JSONResponse(body, status_code=status)


def _page(
    items: list[dict[str, Any]], request: Request, *, default: int, largest: int
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    try:
        page = max(int(float(request.query_params.get("page", "1"))), 1)
        per_page = int(float(request.query_params.get("per_page", str(default))))
    except ValueError as exc:
        raise CloudflareFault(400, 1004, "page and per_page are numbers") from exc
    per_page = min(max(per_page, 5), largest)
    start = (page - 1) * per_page
    chunk = items[start : start + per_page]
    total_pages = max((len(items) + per_page - 1) // per_page, 1)
    return chunk, {
        "page": page,
        "per_page": per_page,
        "count": len(chunk),
        "total_count": len(items),
        "total_pages": total_pages,
    }


def _zone_json(zone: FakeZone) -> dict[str, Any]:
    return {
        "id": zone.id,
        "name": zone.name,
        "status": "active",
        "paused": False,
        "type": "full",
        "plan": {"id": "0feeeeeeeeeeeeeeeeeeeeeeeeeeeeee", "name": "Free Website"},
    }


def _address(
    content: str,
    family: type[ipaddress.IPv4Address] | type[ipaddress.IPv6Address],
    code: int,
    pointer: str | None,
) -> str:
    # Invalid content is refused with a code per type, for A 9005 "Content
    # for A record must be a valid IPv4 address." (simplesurance/cfdns#17),
    # for AAAA 9006 "Content for AAAA record must be a valid IPv6 address."
    # (https://github.com/wherelse/cloudflare-ddns-script/issues/15).
    kind = "IPv4" if family is ipaddress.IPv4Address else "IPv6"
    try:
        address = ipaddress.ip_address(content.strip())
    except ValueError:
        address = None
    if not isinstance(address, family):
        record_type = "A" if kind == "IPv4" else "AAAA"
        raise CloudflareFault(
            400,
            code,
            f"Content for {record_type} record must be a valid {kind} address.",
            pointer=pointer,
        )
    return address.compressed


def _txt_stored(content: str) -> str:
    # Content that starts with a quote is read as RFC 1035 character-strings
    # and joined; otherwise it is the value itself, split when served.
    text = content.strip()
    if not text.startswith('"'):
        return content
    parts: list[str] = []
    current: list[str] = []
    inside = False
    position = 0
    while position < len(text):
        char = text[position]
        if inside and char == "\\" and position + 1 < len(text):
            current.append(text[position + 1])
            position += 2
            continue
        if char == '"':
            if inside:
                parts.append("".join(current))
                current = []
            inside = not inside
        elif inside:
            current.append(char)
        position += 1
    return "".join(parts)


def _split(value: str) -> list[str]:
    data = value.encode()
    return [
        data[i : i + 255].decode(errors="replace") for i in range(0, len(data), 255)
    ]


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
