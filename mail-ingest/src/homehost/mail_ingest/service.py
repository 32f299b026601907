"""The ingest service as the runtime starts it."""

from __future__ import annotations

import asyncio
import importlib.resources
import logging
from datetime import timedelta

from homehost.mail_ingest import __version__
from homehost.mail_ingest.adapters.clamd import Clamd
from homehost.mail_ingest.adapters.rspamd import Rspamd
from homehost.mail_ingest.delivery import Deliverer
from homehost.mail_ingest.handlers import MessageHandlers, register
from homehost.mail_ingest.http import create_app
from homehost.mail_ingest.intake import Intake
from homehost.mail_ingest.settings import IngestSettings
from homehost.mail_ingest.spool import Spool
from homehost.mail_ingest.store import IngestStore, utc_now
from homehost.shared.errors import ConfigurationError
from homehost.shared.http import serve_http
from homehost.shared.runtime import ServiceContext, ServiceDefinition

logger = logging.getLogger(__name__)

# How often signatures past the time window are dropped.
SIGNATURE_CLEANUP_SECONDS = 60.0
# How often the spool is swept of files no queued message needs; the first sweep
# runs at start.
SPOOL_SWEEP_SECONDS = 600.0


async def setup(context: ServiceContext) -> None:
    """Open the spool, start the delivery queue, serve HTTP and the bus."""
    settings = context.settings
    if not isinstance(settings, IngestSettings) or context.pool is None:
        raise ConfigurationError("the ingest service needs its settings and database")
    if not settings.worker_secret.get_secret_value():
        raise ConfigurationError(
            "HOMEHOST_INGEST_WORKER_SECRET is not set; the Email Worker signs with it"
        )
    spool = Spool(settings.spool_path)
    await asyncio.to_thread(spool.prepare)
    store = IngestStore(context.pool)
    deliverer = Deliverer(
        settings=settings, store=store, spool=spool, publish=context.publish
    )
    rspamd = Rspamd(settings.rspamd_url, timeout=settings.scan_timeout_seconds)
    context.on_stop(rspamd.close)
    clamd = Clamd(
        settings.clamd_host, settings.clamd_port, timeout=settings.scan_timeout_seconds
    )
    intake = Intake(
        settings=settings,
        spool=spool,
        store=store,
        rspamd=rspamd,
        clamd=clamd,
        bus=context.bus,
        deliverer=deliverer,
        publish=context.publish,
    )
    context.spawn(deliverer.run(), name="delivery")
    context.spawn(_drop_old_signatures(store, settings), name="signatures")
    context.spawn(_sweep_spool(spool, store), name="spool-sweep")
    await register(context.service, MessageHandlers(store, deliverer))
    await serve_http(
        context, create_app(intake), host=settings.http_host, port=settings.http_port
    )


async def _drop_old_signatures(store: IngestStore, settings: IngestSettings) -> None:
    while True:
        try:
            window = timedelta(seconds=2 * settings.signature_window_seconds)
            await store.drop_old_signatures(utc_now() - window)
        except Exception:
            logger.exception("could not drop old request signatures")
        await asyncio.sleep(SIGNATURE_CLEANUP_SECONDS)


async def _sweep_spool(spool: Spool, store: IngestStore) -> None:
    while True:
        try:
            removed = await spool.sweep_orphans(store)
            if removed:
                logger.info(
                    "removed %d spooled files that no queued message needs", removed
                )
        except Exception:
            logger.exception("could not sweep the spool")
        await asyncio.sleep(SPOOL_SWEEP_SECONDS)


definition = ServiceDefinition(
    name="ingest",
    version=__version__,
    description="Inbound mail: the Email Worker's endpoint, scanning, spool and "
    "LMTP delivery.",
    settings_class=IngestSettings,
    setup=setup,
    migrations=importlib.resources.files("homehost.mail_ingest") / "migrations",
    database_batches=True,
)
