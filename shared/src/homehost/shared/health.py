"""The health report every service answers on `api.<service>.health`.

A service whose every copy is down answers nothing. The supervisor that
runs a copy of it (`homehost run`) answers `api.<service>.failure` instead,
with the error that copy last stopped with, so that the report can say why
the service is down.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Literal

import nats.errors
from pydantic import BaseModel

from homehost.shared.bus.connection import Bus
from homehost.shared.errors import HomehostError, ServiceUnavailable

HealthCheck = Callable[[], Awaitable[object]]
HealthStatus = Literal["ok", "degraded", "down"]

# Shorter than the time a caller waits for the whole report (2 s by
# default), so that a hung dependency makes its service `degraded`, with the
# reason, instead of making the service look silent and `down`.
CHECK_TIMEOUT_SECONDS = 1.0


class DependencyHealth(BaseModel):
    """Whether one thing a service needs answers, and how fast."""

    name: str
    ok: bool
    detail: str = ""
    latency_ms: float | None = None


class ServiceHealth(BaseModel):
    """A service's own account of its health."""

    service: str
    status: HealthStatus
    version: str
    instance_id: str
    started_at: datetime
    uptime_seconds: float
    dependencies: list[DependencyHealth]


async def check_dependencies(
    checks: Mapping[str, HealthCheck],
) -> list[DependencyHealth]:
    """Run every check at once, each within `CHECK_TIMEOUT_SECONDS`."""

    async def run(name: str, check: HealthCheck) -> DependencyHealth:
        started = time.perf_counter()
        try:
            await asyncio.wait_for(check(), CHECK_TIMEOUT_SECONDS)
        except TimeoutError:
            return DependencyHealth(
                name=name, ok=False, detail=f"no answer in {CHECK_TIMEOUT_SECONDS:g} s"
            )
        except Exception as exc:
            return DependencyHealth(name=name, ok=False, detail=_describe(exc))
        latency = round((time.perf_counter() - started) * 1000, 2)
        return DependencyHealth(name=name, ok=True, latency_ms=latency)

    return list(await asyncio.gather(*(run(n, c) for n, c in checks.items())))


def _describe(error: BaseException) -> str:
    text = str(error) or type(error).__name__
    return " ".join(text.split())[:200]


class ServiceFailure(BaseModel):
    """A supervisor's account of a service it runs that does not answer.

    `error` is why the service last stopped, or None when it has not failed
    (it is still starting, or running).
    """

    service: str
    error: str | None = None


def failure_subject(service: str) -> str:
    """The subject a supervisor answers with `ServiceFailure` for `service`."""
    return f"api.{service}.failure"


class ServiceHealthView(BaseModel):
    """One service's health as seen from outside, `down` when it is silent."""

    service: str
    status: HealthStatus
    version: str | None = None
    instance_id: str | None = None
    started_at: datetime | None = None
    uptime_seconds: float | None = None
    dependencies: list[DependencyHealth] = []
    error: str | None = None


class SystemHealth(BaseModel):
    """The health of every service: `ok` only when each one is."""

    status: HealthStatus
    checked_at: datetime
    services: list[ServiceHealthView]


async def collect_health(
    bus: Bus, services: Iterable[str], *, timeout: float = 2.0
) -> SystemHealth:
    """Ask every service for its health over the bus, all at once."""

    async def ask(name: str) -> ServiceHealthView:
        try:
            health = await bus.request(
                f"api.{name}.health", None, ServiceHealth, timeout=timeout
            )
        except ServiceUnavailable as exc:
            # No copy listens; the supervisor of one that failed knows why.
            reason = await _last_failure(bus, name, timeout=timeout)
            return ServiceHealthView(
                service=name, status="down", error=reason or exc.message
            )
        except HomehostError as exc:
            return ServiceHealthView(service=name, status="down", error=exc.message)
        except nats.errors.Error as exc:
            # The bus itself is closed or reconnecting: nothing can answer.
            return ServiceHealthView(service=name, status="down", error=_describe(exc))
        return ServiceHealthView(**health.model_dump())

    views = list(await asyncio.gather(*(ask(name) for name in services)))
    statuses = {view.status for view in views}
    overall: HealthStatus
    if statuses <= {"ok"}:
        overall = "ok"
    elif statuses == {"down"}:
        overall = "down"
    else:
        overall = "degraded"
    return SystemHealth(status=overall, checked_at=datetime.now(UTC), services=views)


async def _last_failure(bus: Bus, name: str, *, timeout: float) -> str | None:
    """Why `name` is down, if a supervisor running it knows; else None."""
    try:
        failure = await bus.request(
            failure_subject(name), None, ServiceFailure, timeout=timeout
        )
    except (HomehostError, nats.errors.Error):
        return None
    return failure.error
