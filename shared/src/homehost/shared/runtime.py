"""Running services: one service's lifecycle, and a supervisor for many.

`run_service` connects a service to NATS (and to its database, applying
its migrations), registers its micro service, lets the service add its
own endpoints and tasks, then answers `health`, and runs until asked to
stop or until one of its tasks fails. `Supervisor` runs several services
in one process, one asyncio task each, restarting a failed one with
backoff without disturbing the others; while one is down it says on the
bus why (`api.<service>.failure`), so that health reports can show it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Collection, Coroutine, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import entry_points
from importlib.resources.abc import Traversable
from typing import Any, TypeVar

import aiomysql
from nats.aio.msg import Msg
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_never,
    wait_exponential,
)

from homehost.shared.bus.connection import Bus, connect_bus
from homehost.shared.bus.events import Event, ensure_events_stream, publish_event
from homehost.shared.bus.service import BusService, EmptyRequest
from homehost.shared.database import create_pool, ping
from homehost.shared.errors import ConfigurationError, HomehostError
from homehost.shared.health import (
    HealthCheck,
    ServiceFailure,
    ServiceHealth,
    check_dependencies,
    failure_subject,
)
from homehost.shared.logging import redact, register_secret
from homehost.shared.migrations import apply_migrations
from homehost.shared.settings import (
    DatabaseServiceSettings,
    ServiceSettings,
    load_settings,
)

logger = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "homehost.services"

T = TypeVar("T")


@dataclass(frozen=True)
class ServiceDefinition:
    """What a service is: its name on the bus, settings and start-up hook."""

    name: str
    version: str
    description: str
    settings_class: type[ServiceSettings]
    setup: Callable[[ServiceContext], Awaitable[None]] | None = None
    migrations: Traversable | None = None
    # Whether the pool takes several statements in one request, so that a
    # short transaction costs one round trip (every value still escaped).
    database_batches: bool = False


@dataclass
class ServiceContext:
    """What a running service holds: settings, bus, database and tasks."""

    definition: ServiceDefinition
    settings: ServiceSettings
    bus: Bus
    service: BusService
    pool: aiomysql.Pool | None = None
    http_port: int | None = None
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    health_checks: dict[str, HealthCheck] = field(default_factory=dict)
    _tasks: set[asyncio.Task[Any]] = field(default_factory=set)
    _failure: asyncio.Future[None] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )
    _started_monotonic: float = field(default_factory=time.monotonic)
    _cleanups: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    def add_health_check(self, name: str, check: HealthCheck) -> None:
        """Report `name` as a dependency in the service's health."""
        self.health_checks[name] = check

    def on_stop(self, cleanup: Callable[[], Awaitable[None]]) -> None:
        """Run `cleanup` when the service stops, newest first."""
        self._cleanups.append(cleanup)

    def spawn(
        self, coroutine: Coroutine[Any, Any, Any], *, name: str
    ) -> asyncio.Task[Any]:
        """Run a background task whose failure fails (and restarts) the service."""
        task = asyncio.create_task(coroutine, name=f"{self.definition.name}:{name}")
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def fail(self, error: BaseException) -> None:
        """Stop the service with `error`, as if one of its tasks had raised it."""
        if not self._failure.done():
            self._failure.set_exception(error)

    async def publish(self, event: Event) -> int:
        """Store an event in the events stream; returns its sequence number."""
        return await publish_event(self.bus, event)

    async def health(self, _: EmptyRequest) -> ServiceHealth:
        """Answer `api.<service>.health`."""
        dependencies = await check_dependencies(self.health_checks)
        return ServiceHealth(
            service=self.definition.name,
            status="ok" if all(d.ok for d in dependencies) else "degraded",
            version=self.definition.version,
            instance_id=self.service.instance_id,
            started_at=self.started_at,
            uptime_seconds=round(time.monotonic() - self._started_monotonic, 3),
            dependencies=dependencies,
        )

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        error = task.exception()
        if error is not None:
            self.fail(error)

    async def _wait_for_failure(self) -> None:
        await asyncio.shield(self._failure)

    async def _close(self) -> None:
        # Cleanups first, so a server can finish its requests; then whatever
        # task is still running is cancelled.
        for cleanup in reversed(self._cleanups):
            try:
                await cleanup()
            except Exception:
                logger.exception("cleanup of %s failed", self.definition.name)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if not self._failure.done():
            self._failure.cancel()
        elif not self._failure.cancelled():
            # Mark the failure as seen: it was raised, or the stop won.
            self._failure.exception()


async def run_service(
    definition: ServiceDefinition,
    *,
    settings: ServiceSettings | None = None,
    stop: asyncio.Event | None = None,
    on_ready: Callable[[ServiceContext], None] | None = None,
) -> None:
    """Run one service until `stop` is set; raise if one of its tasks fails.

    Settings that cannot be read, and a database that refuses the service's
    login, raise `ConfigurationError`; while NATS or MariaDB do not answer
    the start is retried here, until they do or `stop` is set.
    """
    settings = settings or load_settings(definition.settings_class)
    for secret in settings.secret_values():
        register_secret(secret)
    stop = stop or asyncio.Event()

    try:
        bus = await _unless_stopped(
            connect_bus(
                settings.nats_url,
                name=f"homehost-{definition.name}",
                namespace=settings.bus_namespace,
                request_timeout=settings.request_timeout,
            ),
            stop,
        )
    except _Stopped:
        return
    pool: aiomysql.Pool | None = None
    service = BusService(
        bus,
        name=definition.name,
        version=definition.version,
        description=definition.description,
    )
    context: ServiceContext | None = None
    try:
        if isinstance(settings, DatabaseServiceSettings):
            pool = await _unless_stopped(
                _open_database(settings, batches=definition.database_batches), stop
            )
            if definition.migrations is not None:
                await apply_migrations(pool, definition.migrations)
        await ensure_events_stream(bus)
        await service.start()
        context = ServiceContext(
            definition=definition,
            settings=settings,
            bus=bus,
            service=service,
            pool=pool,
        )
        if pool is not None:
            database_pool = pool
            context.add_health_check("mariadb", lambda: ping(database_pool))
        context.add_health_check(
            "jetstream", lambda: bus.jetstream.stream_info(bus.events_stream)
        )
        if definition.setup is not None:
            await definition.setup(context)
        # Health is answered only once the setup is done: a copy that is still
        # starting, or about to fail (its port taken), must not report ok.
        await service.add_endpoint("health", context.health, EmptyRequest)
        logger.info("service %s %s is ready", definition.name, definition.version)
        if on_ready is not None:
            on_ready(context)
        await _until_stop_or_failure(stop, context)
    except _Stopped:
        pass
    finally:
        await _shut_down(definition, context, service, pool, bus)


@dataclass
class StartedService:
    """A service running as a task of this event loop (tests, benchmarks)."""

    context: ServiceContext
    task: asyncio.Task[None]
    stop_requested: asyncio.Event

    async def stop(self) -> None:
        """Ask the service to stop and wait until it has."""
        self.stop_requested.set()
        await self.task


async def start_service(
    definition: ServiceDefinition,
    *,
    settings: ServiceSettings | None = None,
    timeout: float = 30.0,
) -> StartedService:
    """Start a service in this event loop; return once it answers requests."""
    ready: asyncio.Future[ServiceContext] = asyncio.get_running_loop().create_future()
    stop = asyncio.Event()
    task = asyncio.create_task(
        run_service(definition, settings=settings, stop=stop, on_ready=ready.set_result)
    )
    waiting: set[asyncio.Future[Any]] = {ready, task}
    done, _ = await asyncio.wait(
        waiting, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
    )
    if not done:
        stop.set()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        raise TimeoutError(f"{definition.name} was not ready within {timeout:g} s")
    if ready not in done:
        task.result()  # Raises the error the service stopped with, if any.
        raise RuntimeError(f"{definition.name} stopped before it was ready")
    return StartedService(context=ready.result(), task=task, stop_requested=stop)


class _Stopped(Exception):
    """The service was asked to stop while it was still starting."""


async def _unless_stopped(work: Awaitable[T], stop: asyncio.Event) -> T:
    """Await `work`, or cancel it and raise `_Stopped` once `stop` is set."""
    working = asyncio.ensure_future(work)
    stopping = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({working, stopping}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()
        # Python 3.11 loses a cancellation that meets a `wait_for` whose
        # work just ended (nats.connect has such one), so it is repeated.
        while not working.done():
            working.cancel()
            await asyncio.wait({working}, timeout=0.1)
    if working.cancelled() or (stop.is_set() and working.exception() is not None):
        raise _Stopped
    return working.result()


async def _shut_down(
    definition: ServiceDefinition,
    context: ServiceContext | None,
    service: BusService,
    pool: aiomysql.Pool | None,
    bus: Bus,
) -> None:
    # Requests stop first (those in flight may finish), then the service's
    # own tasks and servers, then what they used. Each step runs even when
    # the one before failed, and a failure here is logged rather than
    # hiding the error the service stopped with.
    steps: list[tuple[str, Callable[[], Awaitable[None]]]] = [
        ("its micro service", service.stop)
    ]
    if context is not None:
        steps.append(("its tasks", context._close))
    if pool is not None:
        steps.append(("its MariaDB pool", lambda: _close_pool(pool)))
    steps.append(("its NATS connection", bus.close))
    for what, step in steps:
        try:
            await step()
        except Exception:
            logger.exception("service %s could not close %s", definition.name, what)
    logger.info("service %s stopped", definition.name)


async def _close_pool(pool: aiomysql.Pool) -> None:
    pool.close()
    await pool.wait_closed()


async def _until_stop_or_failure(stop: asyncio.Event, context: ServiceContext) -> None:
    stopping = asyncio.create_task(stop.wait())
    failing = asyncio.create_task(context._wait_for_failure())
    try:
        await asyncio.wait({stopping, failing}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()
        failing.cancel()
    if context._failure.done() and not context._failure.cancelled():
        error = context._failure.exception()
        if error is not None:
            raise error


# MariaDB client errors that mean "nothing answers (yet)": retried at start.
_UNREACHABLE = frozenset({2002, 2003, 2006, 2013})
# Errors that mean the server answered and refused: the settings or the
# grants are wrong, which a person must fix.
_REFUSED = frozenset({1044, 1045, 1049, 1698})


def _database_unreachable(error: BaseException) -> bool:
    if isinstance(error, aiomysql.OperationalError):
        return bool(error.args) and error.args[0] in _UNREACHABLE
    return isinstance(error, OSError)


async def _open_database(
    settings: DatabaseServiceSettings, *, batches: bool = False
) -> aiomysql.Pool:
    def log_retry(state: RetryCallState) -> None:
        wait = state.next_action.sleep if state.next_action else 0.0
        error = state.outcome.exception() if state.outcome else None
        logger.warning(
            "MariaDB at %s:%d does not answer (%s); retrying in %.1f s",
            settings.mariadb_host,
            settings.mariadb_port,
            error,
            wait,
        )

    retrying = AsyncRetrying(
        retry=retry_if_exception(_database_unreachable),
        wait=wait_exponential(multiplier=0.5, max=15),
        stop=stop_never,
        before_sleep=log_retry,
        reraise=True,
    )
    try:
        async for attempt in retrying:
            with attempt:
                return await create_pool(settings, multi_statements=batches)
    except aiomysql.OperationalError as exc:
        if not exc.args or exc.args[0] not in _REFUSED:
            raise
        raise ConfigurationError(
            f"MariaDB at {settings.mariadb_host}:{settings.mariadb_port} refused "
            f"user {settings.database_user} on database {settings.database_name}: "
            f"{exc.args[-1]}",
            details={"mariadb_error": exc.args[0]},
        ) from exc
    raise AssertionError("unreachable: the retry loop either returns or raises")


# How long a restarted service must stay up before its backoff starts over.
STABLE_AFTER_SECONDS = 60.0


class Supervisor:
    """Runs services in one process; a failed one is restarted with backoff."""

    def __init__(
        self,
        definitions: Iterable[ServiceDefinition],
        *,
        settings: dict[str, ServiceSettings] | None = None,
        restart_backoff: tuple[float, ...] = (1.0, 2.0, 5.0, 10.0, 30.0),
    ) -> None:
        self.definitions = {definition.name: definition for definition in definitions}
        self.settings = settings or {}
        self.restart_backoff = restart_backoff
        self.contexts: dict[str, ServiceContext] = {}
        self.restarts: dict[str, int] = dict.fromkeys(self.definitions, 0)
        # The error each service last stopped with, kept until it is ready.
        self.failures: dict[str, Exception] = {}
        self._stop = asyncio.Event()

    def stop(self) -> None:
        """Ask every service to stop cleanly."""
        self._stop.set()

    async def run(self) -> None:
        """Run every service until `stop` is called."""
        tasks = [
            asyncio.create_task(self._keep_running(definition), name=definition.name)
            for definition in self.definitions.values()
        ]
        explaining = asyncio.create_task(self._explain_failures(), name="failures")
        try:
            await asyncio.gather(*tasks)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            # Its connection is closed in order once it sees the stop.
            self._stop.set()
            await explaining

    async def _explain_failures(self) -> None:
        """Answer `api.<service>.failure` for every service here, until stopped.

        The answers travel on a connection of the supervisor's own, made
        with the first service's settings: a service that is down has none.
        """
        try:
            settings = next(iter(self.settings.values()), None) or load_settings(
                ServiceSettings
            )
        except ConfigurationError as exc:
            logger.warning(
                "cannot say on the bus why a service is down: %s", exc.message
            )
            return
        try:
            bus = await _unless_stopped(
                connect_bus(
                    settings.nats_url,
                    name="homehost-supervisor",
                    namespace=settings.bus_namespace,
                    request_timeout=settings.request_timeout,
                ),
                self._stop,
            )
        except _Stopped:
            return
        try:
            for name in self.definitions:
                await bus.client.subscribe(
                    bus.subject(failure_subject(name)), cb=self._failure_answerer(name)
                )
            await bus.client.flush()
            await self._stop.wait()
        except Exception:
            # The services run on without it; only their reports lose a reason.
            logger.exception("cannot say on the bus why a service is down")
        finally:
            await bus.close()

    def _failure_answerer(self, name: str) -> Callable[[Msg], Awaitable[None]]:
        async def answer(message: Msg) -> None:
            failure = self.failures.get(name)
            report = ServiceFailure(
                service=name,
                error=None if failure is None else failure_reason(failure),
            )
            await message.respond(report.model_dump_json().encode())

        return answer

    def _ready(self, name: str, context: ServiceContext) -> None:
        self.contexts[name] = context
        self.failures.pop(name, None)

    async def _keep_running(self, definition: ServiceDefinition) -> None:
        failures = 0
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                await run_service(
                    definition,
                    settings=self.settings.get(definition.name),
                    stop=self._stop,
                    on_ready=lambda context: self._ready(definition.name, context),
                )
            except Exception as exc:
                if time.monotonic() - started > STABLE_AFTER_SECONDS:
                    failures = 0
                delay = self.restart_backoff[
                    min(failures, len(self.restart_backoff) - 1)
                ]
                failures += 1
                self.restarts[definition.name] += 1
                self.failures[definition.name] = exc
                if isinstance(exc, HomehostError):
                    # A known condition: its message says all, no traceback.
                    logger.error(
                        "service %s cannot run: %s; trying again in %g s",
                        definition.name,
                        exc.message,
                        delay,
                    )
                else:
                    logger.exception(
                        "service %s failed; restarting it in %g s",
                        definition.name,
                        delay,
                    )
                self.contexts.pop(definition.name, None)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), delay)
            else:
                return


def failure_reason(error: BaseException) -> str:
    """Say in one line why a service stopped, for a health report.

    A homehost error's message says all; anything else is named with its
    type, as its traceback in the log is. Registered secrets are masked.
    """
    if isinstance(error, HomehostError):
        text = error.message
    elif str(error):
        text = f"{type(error).__name__}: {error}"
    else:
        text = type(error).__name__
    return redact(" ".join(text.split()))[:200]


def service_names() -> list[str]:
    """The names of every installed service, without importing any of them."""
    return sorted(entry.name for entry in entry_points(group=ENTRY_POINT_GROUP))


def discover_services(
    names: Collection[str] | None = None,
) -> dict[str, ServiceDefinition]:
    """Return the installed services (those in `names`, or all), by entry point.

    An entry point is named after its service; only the ones asked for are
    imported, so running one service does not load the others' libraries.
    """
    found: dict[str, ServiceDefinition] = {}
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        if names is not None and entry.name not in names:
            continue
        definition = entry.load()
        if not isinstance(definition, ServiceDefinition):
            raise TypeError(f"entry point {entry.name} is not a ServiceDefinition")
        if definition.name != entry.name:
            raise TypeError(
                f"entry point {entry.name} holds service {definition.name}; "
                "the two names must match"
            )
        found[definition.name] = definition
    return dict(sorted(found.items()))
