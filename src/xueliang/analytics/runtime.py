"""``xueliang worker analytics``: one worker process, assembled as a flat list of start steps.

The view library, the bus, the shared stages (detector pool, describer), the image completion
consumer, then the lease loop that starts and stops camera pipelines. Leaves in reverse order.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from xueliang.analytics import completion
from xueliang.analytics.detectors import DetectorConfig
from xueliang.analytics.extractors import Extractor, make_extractors
from xueliang.analytics.ingest import ingest_objects
from xueliang.analytics.leases import LeaseStore, make_lease_store
from xueliang.analytics.pipeline import PipelineConfig
from xueliang.analytics.service import analytics_channels
from xueliang.analytics.worker import AnalyticsWorker, PipelineHost
from xueliang.camera.service import stream_url
from xueliang.core.bus import Bus, make_bus
from xueliang.core.config import Environment, Settings
from xueliang.core.db import engine_for, session_factory
from xueliang.viewlib.dependencies import ViewLibrary

logger = logging.getLogger(__name__)


def embedded_reason(settings: Settings) -> str:
    """Why one process must run the analytics worker (empty when workers can scale out): an
    in-process bus (leases, states and records stay in the process) or a record store that only one
    process may write (chdb; memory for tests)."""
    reasons = []
    if (settings.bus_url or "memory").partition("://")[0] == "memory":
        reasons.append("the bus is in-process (XUELIANG_BUS_URL is empty or memory://)")
    if settings.record_store_type != "clickhouse":
        reasons.append(f"the record store is {settings.record_store_type}, which one process writes")
    return " and ".join(reasons)


def runs_in_app(settings: Settings) -> bool:
    """``analytics_in_app``, or when unset: embedded deployments outside tests."""
    if settings.analytics_in_app is not None:
        return settings.analytics_in_app
    return bool(embedded_reason(settings)) and settings.env is not Environment.test


def pipeline_config(settings: Settings) -> PipelineConfig:
    return PipelineConfig(
        fps=settings.analytics_fps,
        max_width=settings.analytics_max_width,
        slots=settings.analytics_ring_slots,
        refresh=settings.analytics_refresh_frames,
        confirm=settings.analytics_confirm_frames,
        min_hits=settings.analytics_min_hits,
        backoff_max=settings.analytics_backoff_max_seconds,
    )


def extractor_factory(settings: Settings) -> Any:
    names = [n.strip() for n in settings.analytics_extractors.split(",") if n.strip()]

    def make() -> list[Extractor]:
        return make_extractors(names)

    return make


def camera_sources(settings: Settings, factory: sessionmaker[Session]) -> Any:
    key = settings.effective_secret()

    def cameras() -> dict[str, str]:
        with factory() as db:
            channels = analytics_channels(db=db, settings=settings)
            urls = {c.channel_id: stream_url(channel=c, key=key, which="sub") for c in channels}
        return {camera: url for camera, url in urls.items() if url}

    return cameras


async def serve(
    settings: Settings, stop: asyncio.Event, *, factory: sessionmaker[Session] | None = None,
    viewlib: ViewLibrary | None = None, bus: Bus | None = None, leases: LeaseStore | None = None,
    worker: str | None = None,
) -> AnalyticsWorker:  # fmt: skip
    """Run one worker until ``stop`` is set; returns it (its counters) when it has left."""
    factory = factory or session_factory(engine_for(settings.database_url))
    lib = viewlib or ViewLibrary.open(settings, ledger=False)
    own_bus = bus is None
    bus = bus or make_bus(settings.bus_url)
    if own_bus:
        await bus.start()
    loop = asyncio.get_running_loop()

    def sink(by_kind: dict[str, list[dict[str, Any]]]) -> None:
        ingest = ingest_objects(writer=lib.writer, blobs=lib.blobs, bus=bus, tz=settings.timezone,
                                by_kind=by_kind, ledger=lib.ledger)  # fmt: skip
        asyncio.run_coroutine_threadsafe(ingest, loop).result(timeout=120)

    detector = DetectorConfig(
        type=settings.analytics_detector_type, model_path=settings.analytics_detector_model
    )
    host = PipelineHost(config=pipeline_config(settings), detector=detector,
                        processes=settings.analytics_detector_processes,
                        make_extractors=extractor_factory(settings), sink=sink)  # fmt: skip
    host.__enter__()
    try:
        if settings.analytics_complete_images:
            completer = completion.Completer(store=lib.store, blobs=lib.blobs, bus=bus, tz=settings.timezone,
                                             make=extractor_factory(settings))  # fmt: skip
            await completion.subscribe(bus, completer)
        runner = AnalyticsWorker(
            leases=leases or make_lease_store(settings.bus_url), cameras=camera_sources(settings, factory),
            start=host.start, worker=worker, lease_s=settings.analytics_lease_seconds,
            heartbeat_s=settings.analytics_heartbeat_seconds,
        )  # fmt: skip
        logger.info("analytics worker %s started", runner.id)
        await runner.run(stop)
        return runner
    finally:
        await asyncio.to_thread(host.__exit__, None, None, None)
        if own_bus:
            await bus.close()
        if viewlib is None:
            lib.close()
