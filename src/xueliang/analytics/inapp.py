"""The analytics worker inside the API process, for embedded deployments (``runtime.runs_in_app``).

With the in-process bus and the chdb record store a separate ``xueliang worker analytics`` could not
work: its leases and states would be invisible to the API, its records would miss the API's
consumers, and chdb has one writing process. So the app's lifespan runs ``runtime.serve`` as a task
on the app's own bus, view library (the single writer of the record store) and lease store, which
``GET /api/v1/analytics/cameras`` reads.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from xueliang.analytics.leases import LeaseStore, MemoryLeaseStore, make_lease_store
from xueliang.core.bus import Bus
from xueliang.viewlib.dependencies import viewlib_of

logger = logging.getLogger(__name__)


def _leases(state: Any) -> LeaseStore:
    """The API's lease store when it is in-process (so the API sees this worker's cameras); on NATS
    the worker opens its own connection to the same bucket."""
    store: LeaseStore | None = getattr(state, "analytics_leases", None)
    if store is None:
        store = make_lease_store(state.settings.bus_url)
        if isinstance(store, MemoryLeaseStore):
            state.analytics_leases = store
    return store


def _report(task: asyncio.Task[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.error("the in-app analytics worker stopped", exc_info=task.exception())


async def start(app: Any, bus: Bus) -> None:
    """Start the in-app worker when the settings ask for it (call after the bus has started)."""
    from xueliang.analytics.runtime import runs_in_app, serve  # OpenCV and PyAV only when used

    state = app.state
    if not runs_in_app(state.settings):
        return
    stop = asyncio.Event()
    lib = await asyncio.to_thread(viewlib_of, state)
    leases = _leases(state)
    work = serve(state.settings, stop, factory=state.sessionmaker, viewlib=lib, bus=bus, leases=leases)
    task = asyncio.create_task(work, name="xl-analytics-in-app")
    task.add_done_callback(_report)
    state.analytics_in_app = (stop, task)
    logger.info("analytics worker runs inside the API process")


async def stop(app: Any) -> None:
    """Stop the in-app worker (its pipelines, detector pool and describer) before the bus closes."""
    running: tuple[asyncio.Event, asyncio.Task[Any]] | None = getattr(app.state, "analytics_in_app", None)
    if running is None:
        return
    app.state.analytics_in_app = None
    stop_event, task = running
    stop_event.set()
    with contextlib.suppress(Exception):  # already logged by _report
        await task
