"""The application factory: routers, error handlers, middleware, health, metrics, static UI."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from xueliang import __version__
from xueliang.analytics import inapp as analytics_inapp
from xueliang.analytics.metrics import register_collector as register_analytics_metrics
from xueliang.analytics.router import router as analytics_router
from xueliang.api.errors import install_error_handlers
from xueliang.api.middleware import BodySizeLimitMiddleware, Metrics, RequestLogMiddleware
from xueliang.api.static import install_static
from xueliang.assessment import scheduled as assessment_scheduled
from xueliang.assessment.router import router as assessment_router
from xueliang.audit import scheduled as audit_scheduled
from xueliang.audit.router import router as audit_router
from xueliang.auth.router import admin_router
from xueliang.auth.router import router as auth_router
from xueliang.camera.router import router as camera_router
from xueliang.camera.sharing_router import router as sharing_router
from xueliang.core.bus import make_bus
from xueliang.core.config import Settings, get_settings
from xueliang.core.db import engine_for, session_factory
from xueliang.core.ratelimit import SlidingWindowLimiter
from xueliang.core.runtime import tune_gc
from xueliang.core.scheduler import Scheduler
from xueliang.grid.router import router as grid_router
from xueliang.grid.router import tiles_router as grid_tiles_router
from xueliang.incident import scheduled as incident_scheduled
from xueliang.incident.open311 import router as open311_router
from xueliang.incident.router import router as incident_router
from xueliang.investigation import consumers as investigation_consumers
from xueliang.investigation import scheduled as investigation_scheduled
from xueliang.investigation.router import router as investigation_router
from xueliang.ops import scheduled as ops_scheduled
from xueliang.ops.metrics import register_collector as register_ops_metrics
from xueliang.ops.router import router as ops_router
from xueliang.stream import scheduled as stream_scheduled
from xueliang.stream.manager import RelayManager
from xueliang.stream.plugins import make_manager
from xueliang.stream.recording_router import router as recording_router
from xueliang.stream.router import router as stream_router
from xueliang.viewlib.dependencies import close_viewlib, drain_viewlib, republish_due
from xueliang.viid import scheduled as viid_scheduled
from xueliang.viid.route import UploadDispatch
from xueliang.viid.router import router as viid_router

logger = logging.getLogger(__name__)


# Each domain router carries its full prefix (API_PREFIX + its own), so that the route template a
# request matched (used for metrics, logs and audit actions) is the whole path on every FastAPI version.
# Matched in this order, route by route: /VIID first, as its uploads are most of the requests
# (placed tenth, its routes were tried after ~70 others: ~0.3 ms per upload, in py-spy).
DOMAIN_ROUTERS: tuple[APIRouter, ...] = (
    viid_router,
    auth_router,
    admin_router,
    audit_router,
    grid_router,
    grid_tiles_router,
    camera_router,
    sharing_router,
    stream_router,
    recording_router,
    incident_router,
    assessment_router,
    open311_router,
    investigation_router,
    ops_router,
    analytics_router,
)


def register_jobs(
    scheduler: Scheduler,
    *,
    factory: sessionmaker[Session],
    settings: Settings | None = None,
    relays: RelayManager | None = None,
) -> None:
    """Each domain with periodic work registers it here."""
    audit_scheduled.register(scheduler, factory=factory)
    incident_scheduled.register(scheduler, factory=factory, settings=settings or get_settings())
    assessment_scheduled.register(scheduler, factory=factory, settings=settings or get_settings())
    viid_scheduled.register(scheduler, factory=factory)
    stream_scheduled.register(scheduler, factory=factory, settings=settings or get_settings())
    ops_scheduled.register(scheduler, factory=factory, settings=settings or get_settings(), relays=relays)
    investigation_scheduled.register(scheduler, factory=factory)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Start the bus and the scheduler with the app; stop them (and the engine) with it."""
    settings: Settings = app.state.settings
    logger.info(
        "xueliang %s starting (database %s, bus %s)",
        __version__,
        app.state.engine.url.get_backend_name(),
        settings.bus_url or "in-process",
    )
    bus = make_bus(settings.bus_url)
    await bus.start()
    await investigation_consumers.start(app, bus, subscribe=settings.run_consumers)
    await analytics_inapp.start(app, bus)  # embedded deployments: the analytics worker runs here
    await republish_due(app.state, bus)  # after an unclean stop: publications a crash may have lost
    scheduler = Scheduler(tz=settings.timezone)
    register_jobs(scheduler, factory=app.state.sessionmaker, settings=settings, relays=app.state.relays)
    app.state.bus, app.state.scheduler = bus, scheduler
    if settings.run_scheduler:
        scheduler.start()
    app.state.relays.start()
    tune_gc()  # last: what startup loaded is long-lived
    try:
        yield
    finally:
        await analytics_inapp.stop(app)
        app.state.relays.stop()
        await scheduler.stop()
        stream_scheduled.stop_recorders(scheduler)
        await drain_viewlib(app.state)  # journaled uploads inserted and published before the bus goes
        await bus.close()
        investigation_consumers.stop(app)
        close_viewlib(app.state)
        app.state.engine.dispose()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    settings.require_secure()
    app = FastAPI(
        title="Xueliang API",
        version=__version__,
        lifespan=lifespan,
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine_for(settings.database_url)
    app.state.sessionmaker = session_factory(app.state.engine)
    app.state.login_limiter = SlidingWindowLimiter(settings.login_rate_per_minute, 60)
    app.state.metrics = Metrics()
    register_ops_metrics(app.state.metrics.registry, app.state)
    register_analytics_metrics(app.state.metrics.registry, app.state)
    app.state.relays = make_manager(settings)  # live relays; started and stopped with the app
    install_error_handlers(app)
    for router in DOMAIN_ROUTERS:
        app.include_router(router)
    _install_probes(app)
    install_static(app)
    app.add_middleware(UploadDispatch)  # innermost: uploads are size-limited and logged like the rest
    app.add_middleware(BodySizeLimitMiddleware, limit=settings.max_body_bytes)
    app.add_middleware(RequestLogMiddleware, metrics=app.state.metrics)
    return app


def _install_probes(app: FastAPI) -> None:
    @app.get("/healthz", tags=["ops"], summary="Liveness and database check")
    def healthz(request: Request) -> JSONResponse:
        try:
            with request.app.state.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as exc:  # the probe reports, never raises
            logger.warning("health check: database unavailable: %s", type(exc).__name__)
            return JSONResponse({"status": "error", "database": "unavailable"}, status_code=503)
        return JSONResponse({"status": "ok", "database": "ok", "version": __version__})

    @app.get("/metrics", tags=["ops"], summary="Prometheus metrics", include_in_schema=False)
    def metrics(request: Request) -> Response:
        return Response(generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST)
