"""Cloudflare through its official SDK's async client.

Every call goes through `_call`, which honours 429 answers (waiting as
long as `retry-after` says, reporting each wait) and turns the SDK's
errors into homehost's: a missing permission names the permission, a
refused change carries Cloudflare's error codes.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Final, TypeVar, cast

import cloudflare
import httpx
from cloudflare import AsyncCloudflare
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
)

from homehost.dns.errors import (
    CloudflareNotConfigured,
    CloudflareRejected,
    CloudflareUnavailable,
    PermissionMissing,
    RateLimited,
    RecordNotFound,
)
from homehost.dns.records import DesiredRecord, ExistingRecord

logger = logging.getLogger(__name__)

T = TypeVar("T")

# The permission names Cloudflare's dashboard shows when making a token.
DNS_READ = "Zone / DNS / Read"
DNS_EDIT = "Zone / DNS / Edit"
ZONE_READ = "Zone / Zone / Read"
SETTINGS_READ = "Zone / Zone Settings / Read"
SETTINGS_EDIT = "Zone / Zone Settings / Edit"
SSL_READ = "Zone / SSL and Certificates / Read"
WAF_READ = "Zone / Zone WAF / Read"
WAF_EDIT = "Zone / Zone WAF / Edit"
TUNNEL_EDIT = "Account / Cloudflare Tunnel / Edit"

# Cloudflare's code for "Record does not exist."
RECORD_MISSING = 81044

# WAF managed rules run from the zone's entry point ruleset of this phase
# (https://developers.cloudflare.com/waf/managed-rules/deploy-api/); a zone
# that never had one answers 10003 "could not find entrypoint ruleset in the
# http_request_firewall_managed phase" (seen in ibm-mas/ansible-devops#2403).
MANAGED_PHASE: Final = "http_request_firewall_managed"
NO_ENTRYPOINT = 10003
# What a rule of an entry point ruleset may be sent back with; the others
# (version, last_updated) are Cloudflare's own bookkeeping.
_RULE_FIELDS = (
    "id",
    "ref",
    "action",
    "action_parameters",
    "expression",
    "description",
    "enabled",
    "logging",
)


@dataclass(frozen=True)
class Zone:
    """A zone at Cloudflare."""

    id: str
    name: str
    status: str
    plan: str


@dataclass(frozen=True)
class RateLimitWait:
    """Cloudflare answered 429; the call waits `seconds` before try `attempt`."""

    what: str
    seconds: float
    attempt: int
    attempts: int


RateLimitReporter = Callable[[RateLimitWait], Awaitable[None]]


@dataclass(frozen=True)
class BatchOutcome:
    """What one batch call did: the records it created, in request order."""

    created: list[ExistingRecord]
    updated: list[ExistingRecord]
    deleted_ids: list[str]


class CloudflareApi:
    """One API token's view of Cloudflare: zones, records, settings, Tunnel."""

    def __init__(
        self,
        *,
        api_token: str | None,
        base_url: str,
        account_id: str = "",
        tunnel_id: str = "",
        timeout: float = 30.0,
        page_size: int = 5000,
        rate_limit_attempts: int = 6,
        rate_limit_max_wait: float = 300.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        # No token yet is normal on a new box: every call then answers
        # CloudflareNotConfigured instead of reaching Cloudflare.
        self.configured = api_token is not None
        self.account_id = account_id
        self.tunnel_id = tunnel_id
        self.page_size = page_size
        self.rate_limit_attempts = rate_limit_attempts
        self.rate_limit_max_wait = rate_limit_max_wait
        # Calls by HTTP method, for the benchmark and for the logs.
        self.calls: Counter[str] = Counter()
        self._http = httpx.AsyncClient(
            timeout=timeout,
            event_hooks={"request": [self._sent], "response": [self._answered]},
        )
        # The SDK's own retries are silent; `_call` retries 429s and says so.
        self._client = AsyncCloudflare(
            api_token=api_token or "",
            base_url=self.base_url,
            max_retries=0,
            http_client=self._http,
        )

    async def close(self) -> None:
        """Close the HTTP connections."""
        await self._client.close()
        await self._http.aclose()

    async def _sent(self, request: httpx.Request) -> None:
        request.extensions["homehost_started"] = time.monotonic()

    async def _answered(self, response: httpx.Response) -> None:
        request = response.request
        started = request.extensions.get("homehost_started", time.monotonic())
        self.calls[request.method] += 1
        logger.info(
            "cloudflare %s %s -> %d (%.0f ms)",
            request.method,
            request.url.path,
            response.status_code,
            (time.monotonic() - started) * 1000,
        )

    async def check_configured(self) -> None:
        """Raise CloudflareNotConfigured when there is no API token; a health check."""
        if not self.configured:
            raise CloudflareNotConfigured

    @property
    def call_count(self) -> int:
        """Every HTTP call made so far."""
        return sum(self.calls.values())

    @property
    def changing_calls(self) -> int:
        """HTTP calls made so far that could change something."""
        return sum(n for method, n in self.calls.items() if method != "GET")

    # The one way out.

    async def _call(
        self,
        what: str,
        work: Callable[[], Awaitable[T]],
        *,
        permission: str,
        on_wait: RateLimitReporter | None = None,
    ) -> T:
        await self.check_configured()

        async def report(state: RetryCallState) -> None:
            wait = state.next_action.sleep if state.next_action else 0.0
            logger.warning(
                "Cloudflare rate limit on %s; waiting %.1f s before try %d of %d",
                what,
                wait,
                state.attempt_number + 1,
                self.rate_limit_attempts,
            )
            if on_wait is not None:
                await on_wait(
                    RateLimitWait(
                        what=what,
                        seconds=wait,
                        attempt=state.attempt_number + 1,
                        attempts=self.rate_limit_attempts,
                    )
                )

        retrying = AsyncRetrying(
            retry=retry_if_exception_type(cloudflare.RateLimitError),
            wait=self._retry_after,
            stop=stop_after_attempt(self.rate_limit_attempts),
            before_sleep=report,
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    return await work()
        except cloudflare.RateLimitError as exc:
            raise RateLimited(
                f"Cloudflare kept answering 429 to {what} after "
                f"{self.rate_limit_attempts} tries; nothing more was sent",
                details={"action": what, "attempts": self.rate_limit_attempts},
            ) from exc
        except cloudflare.PermissionDeniedError as exc:
            raise PermissionMissing(permission=permission, action=what) from exc
        except cloudflare.AuthenticationError as exc:
            raise PermissionMissing(
                permission="a valid API token", action=what
            ) from exc
        except cloudflare.APIStatusError as exc:
            errors = _errors_of(exc.body)
            if any(e.get("code") == RECORD_MISSING for e in errors):
                raise RecordNotFound(
                    f"Cloudflare has no such record ({what})",
                    details={"cloudflare_errors": errors},
                ) from exc
            if exc.status_code >= 500:
                raise CloudflareUnavailable(
                    f"Cloudflare failed to {what} (HTTP {exc.status_code})",
                    details={"cloudflare_errors": errors},
                ) from exc
            raise CloudflareRejected(
                f"Cloudflare refused to {what}: {describe_errors(errors)}",
                errors=errors,
            ) from exc
        except cloudflare.APIConnectionError as exc:
            raise CloudflareUnavailable(
                f"Cloudflare did not answer ({what}): {exc}"
            ) from exc
        raise AssertionError("unreachable: the retry loop either returns or raises")

    def _retry_after(self, state: RetryCallState) -> float:
        # Cloudflare sends `retry-after` in whole seconds with its 429
        # (https://developers.cloudflare.com/fundamentals/api/reference/limits/);
        # without one, back off exponentially.
        error = state.outcome.exception() if state.outcome else None
        fallback = min(2.0 ** (state.attempt_number - 1), self.rate_limit_max_wait)
        if not isinstance(error, cloudflare.RateLimitError):
            return fallback
        header = error.response.headers.get("retry-after", "")
        try:
            seconds = float(header)
        except ValueError:
            return fallback
        return min(max(seconds, 0.0), self.rate_limit_max_wait)

    async def _all_pages(
        self,
        what: str,
        fetch: Callable[[int], Awaitable[dict[str, Any]]],
        *,
        permission: str,
    ) -> list[dict[str, Any]]:
        """Every item of a paged list, reading `result_info.total_pages`."""
        items: list[dict[str, Any]] = []
        page_number = 1
        while True:
            page = await self._call(
                f"{what} (page {page_number})",
                lambda number=page_number: fetch(number),  # type: ignore[misc]  # Bound per loop turn on purpose.
                permission=permission,
            )
            result = page.get("result") or []
            items.extend(result)
            total_pages = (page.get("result_info") or {}).get("total_pages")
            if not result or total_pages is None or page_number >= total_pages:
                return items
            page_number += 1

    # Zones.

    async def list_zones(self, *, name: str | None = None) -> list[Zone]:
        """Every zone the token can see (or the one called `name`)."""
        filters: dict[str, Any] = {"name": name} if name else {}

        async def fetch(page: int) -> dict[str, Any]:
            return await _json(
                self._client.zones.with_raw_response.list(
                    page=page, per_page=50, **filters
                )
            )

        zones = await self._all_pages("list zones", fetch, permission=ZONE_READ)
        return [
            Zone(
                id=str(zone["id"]),
                name=str(zone["name"]).lower(),
                status=str(zone.get("status") or ""),
                plan=str((zone.get("plan") or {}).get("name") or ""),
            )
            for zone in zones
        ]

    # Records.

    async def list_records(self, zone_id: str) -> list[ExistingRecord]:
        """Every record of a zone, page by page."""

        # The raw JSON: the SDK's typed models cost about a millisecond per
        # record to build, and a zone may hold thousands.
        async def fetch(page: int) -> dict[str, Any]:
            return await _json(
                self._client.dns.records.with_raw_response.list(
                    zone_id=zone_id, page=page, per_page=self.page_size
                )
            )

        records = await self._all_pages("list records", fetch, permission=DNS_READ)
        return [_existing(record) for record in records]

    async def create_record(
        self, zone_id: str, record: DesiredRecord
    ) -> ExistingRecord:
        """Add one record."""
        body = record_body(record)
        created = await self._call(
            f"create {record.type} {record.name}",
            lambda: self._client.post(
                f"/zones/{zone_id}/dns_records", body=body, cast_to=_Envelope
            ),
            permission=DNS_EDIT,
        )
        return _existing(created.result)

    async def update_record(
        self, zone_id: str, record_id: str, record: DesiredRecord
    ) -> ExistingRecord:
        """Change one record in place (PATCH)."""
        body = record_body(record)
        updated = await self._call(
            f"update {record.type} {record.name}",
            lambda: self._client.patch(
                f"/zones/{zone_id}/dns_records/{record_id}",
                body=body,
                cast_to=_Envelope,
            ),
            permission=DNS_EDIT,
        )
        return _existing(updated.result)

    async def delete_record(self, zone_id: str, record_id: str) -> None:
        """Delete one record."""
        await self._call(
            f"delete record {record_id}",
            lambda: self._client.dns.records.delete(record_id, zone_id=zone_id),
            permission=DNS_EDIT,
        )

    async def batch(
        self,
        zone_id: str,
        *,
        deletes: list[str],
        patches: list[tuple[str, dict[str, Any]]],
        posts: list[dict[str, Any]],
        on_wait: RateLimitReporter | None = None,
    ) -> BatchOutcome:
        """Apply deletes, patches and posts in one all-or-nothing call."""
        what = (
            f"apply a batch of {len(deletes)} deletes, {len(patches)} patches and "
            f"{len(posts)} posts"
        )
        envelope = await self._call(
            what,
            # The SDK's generic POST: `dns.records.batch` walks every item
            # through its per-type schemas, about 10 ms per record, before
            # sending the same JSON.
            lambda: self._client.post(
                f"/zones/{zone_id}/dns_records/batch",
                body={
                    "deletes": [{"id": record_id} for record_id in deletes],
                    "patches": [{"id": rid, **body} for rid, body in patches],
                    "posts": posts,
                },
                cast_to=httpx.Response,
            ),
            permission=DNS_EDIT,
            on_wait=on_wait,
        )
        body = envelope.json()
        result = (body.get("result") if isinstance(body, dict) else None) or {}
        return BatchOutcome(
            created=[_existing(r) for r in result.get("posts") or []],
            updated=[_existing(r) for r in result.get("patches") or []],
            deleted_ids=[str(r.get("id")) for r in result.get("deletes") or []],
        )

    # Edge settings and certificates.

    async def get_setting(self, zone_id: str, setting_id: str) -> dict[str, Any]:
        """One zone setting: its value and whether it can be changed."""
        setting = await self._call(
            f"read the {setting_id} setting",
            lambda: self._client.zones.settings.get(setting_id, zone_id=zone_id),
            permission=SETTINGS_READ,
        )
        return setting.to_dict() if setting is not None else {}

    async def edit_setting(
        self, zone_id: str, setting_id: str, value: str
    ) -> dict[str, Any]:
        """Change one zone setting."""
        setting = await self._call(
            f"change the {setting_id} setting",
            lambda: self._client.zones.settings.edit(
                setting_id, zone_id=zone_id, value=cast(Any, value)
            ),
            permission=SETTINGS_EDIT,
        )
        return setting.to_dict() if setting is not None else {}

    async def certificates(self, zone_id: str) -> list[dict[str, Any]]:
        """The certificate verification state of each of the zone's hostnames."""
        verifications = await self._call(
            "read certificate status",
            lambda: self._client.ssl.verification.get(zone_id=zone_id),
            permission=SSL_READ,
        )
        return [item.to_dict() for item in verifications or []]

    # WAF managed rules.

    async def managed_entrypoint(self, zone_id: str) -> dict[str, Any] | None:
        """The zone's http_request_firewall_managed entry point ruleset, if any."""

        async def fetch() -> dict[str, Any] | None:
            try:
                ruleset = await self._client.rulesets.phases.get(
                    MANAGED_PHASE, zone_id=zone_id
                )
            except cloudflare.NotFoundError as exc:
                if any(e.get("code") == NO_ENTRYPOINT for e in _errors_of(exc.body)):
                    return None
                raise
            return cast(dict[str, Any], ruleset.to_dict())

        return await self._call(
            "read the WAF managed rules", fetch, permission=WAF_READ
        )

    async def put_managed_entrypoint(
        self, zone_id: str, rules: list[dict[str, Any]], *, dry_run: bool = False
    ) -> dict[str, Any] | None:
        """Replace the rules of the zone's managed WAF entry point ruleset.

        With `dry_run`, Cloudflare checks the request (and the token) and
        keeps nothing; the answer is then None.
        """
        sent = [
            {key: rule[key] for key in _RULE_FIELDS if key in rule} for rule in rules
        ]
        ruleset = await self._call(
            "change the WAF managed rules",
            lambda: self._client.rulesets.phases.update(
                MANAGED_PHASE,
                zone_id=zone_id,
                rules=cast(Any, sent),
                dry_run=True if dry_run else cloudflare.omit,
            ),
            permission=WAF_EDIT,
        )
        # A dry run answers `result: null`. The SDK hands the result over
        # as plain JSON here (its type is a union it does not build).
        if isinstance(ruleset, cloudflare.BaseModel):
            return cast(dict[str, Any], ruleset.to_dict())
        return cast(dict[str, Any], ruleset) if isinstance(ruleset, dict) else None

    # The Tunnel.

    async def tunnel_ingress(self) -> list[dict[str, Any]]:
        """The ingress rules of the remotely managed Tunnel, in order."""
        configuration = await self._call(
            "read the Tunnel configuration",
            lambda: self._client.zero_trust.tunnels.cloudflared.configurations.get(
                self.tunnel_id, account_id=self.account_id
            ),
            permission=TUNNEL_EDIT,
        )
        if configuration is None or configuration.config is None:
            return []
        config = cast(dict[str, Any], configuration.config.to_dict())
        return list(config.get("ingress") or [])

    async def put_tunnel_ingress(self, ingress: list[dict[str, Any]]) -> None:
        """Replace the Tunnel's ingress rules."""
        await self._call(
            "change the Tunnel configuration",
            lambda: self._client.zero_trust.tunnels.cloudflared.configurations.update(
                self.tunnel_id,
                account_id=self.account_id,
                config=cast(Any, {"ingress": ingress}),
            ),
            permission=TUNNEL_EDIT,
        )


async def _json(response: Awaitable[Any]) -> dict[str, Any]:
    """The v4 envelope of a raw response, as plain JSON."""
    raw = await response
    body = raw.http_response.json()
    return body if isinstance(body, dict) else {}


class _Envelope(cloudflare.BaseModel):
    """The v4 envelope of a call whose result is one record."""

    result: dict[str, Any]


def record_body(record: DesiredRecord) -> dict[str, Any]:
    """The JSON body Cloudflare takes for a record."""
    body: dict[str, Any] = {
        "type": record.type,
        "name": record.name,
        "ttl": record.ttl,
        "comment": record.comment,
        "tags": list(record.tags),
    }
    if record.type in ("A", "AAAA", "CNAME"):
        body["proxied"] = record.proxied
    if record.type == "SRV":
        weight, port, target = record.content.split()
        body["data"] = {
            "priority": record.priority,
            "weight": int(weight),
            "port": int(port),
            "target": target,
        }
    elif record.type == "CAA":
        flags, tag, value = record.content.split(" ", 2)
        body["data"] = {"flags": int(flags), "tag": tag, "value": value.strip('"')}
    else:
        body["content"] = record.content
    if record.type == "MX":
        body["priority"] = record.priority
    return body


def existing_body(record: ExistingRecord) -> dict[str, Any]:
    """The JSON body that recreates (or restores) an existing record."""
    desired = DesiredRecord(
        index=-1,
        type=record.type,
        name=record.name,
        content=record.content,
        ttl=record.ttl,
        proxied=record.proxied,
        priority=record.priority,
        comment=record.comment,
        tags=tuple(sorted(record.tags)),
    )
    return record_body(desired)


def _existing(raw: dict[str, Any]) -> ExistingRecord:
    priority = raw.get("priority")
    data = raw.get("data") or {}
    if priority is None and isinstance(data, dict) and "priority" in data:
        priority = data["priority"]
    return ExistingRecord(
        id=str(raw.get("id", "")),
        type=str(raw.get("type", "")),
        name=str(raw.get("name", "")).lower(),
        content=str(raw.get("content") or ""),
        ttl=int(raw.get("ttl") or 1),
        proxied=bool(raw.get("proxied")),
        priority=int(priority) if priority is not None else None,
        comment=str(raw.get("comment") or ""),
        tags=tuple(raw.get("tags") or ()),
    )


def _errors_of(body: object) -> list[dict[str, Any]]:
    if isinstance(body, dict):
        errors = body.get("errors")
        if isinstance(errors, list):
            return [e for e in errors if isinstance(e, dict)]
    return []


def describe_errors(errors: list[dict[str, Any]]) -> str:
    """Cloudflare's errors as one line: each code and message, and its chain."""
    if not errors:
        return "no reason given"
    parts = []
    for error in errors:
        text = f"{error.get('code')} {error.get('message')}"
        chain = [e for e in error.get("error_chain") or [] if isinstance(e, dict)]
        if chain:
            text += f" ({describe_errors(chain)})"
        parts.append(text)
    return "; ".join(parts)
