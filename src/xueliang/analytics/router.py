"""Analytics API under /api/v1/analytics: the structurization pipelines' states."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from fastapi import APIRouter, Request

from xueliang.analytics import service
from xueliang.analytics.leases import LeaseStore, make_lease_store
from xueliang.analytics.schemas import CameraPipelineRead
from xueliang.api import API_PREFIX
from xueliang.api.deps import SessionDep, SettingsDep
from xueliang.auth.dependencies import CurrentPrincipal

router = APIRouter(prefix=f"{API_PREFIX}/analytics", tags=["analytics"])
_lock = asyncio.Lock()


async def leases_of(state: Any) -> LeaseStore:
    """The app's view of the camera leases (opened on first use; tests set ``analytics_leases``)."""
    async with _lock:
        store: LeaseStore | None = getattr(state, "analytics_leases", None)
        if store is None:
            store = make_lease_store(state.settings.bus_url)
            await store.start()
            state.analytics_leases = store
    return store


@router.get("/cameras", response_model=list[CameraPipelineRead])
async def list_cameras(
    request: Request, db: SessionDep, principal: CurrentPrincipal, settings: SettingsDep
) -> list[CameraPipelineRead]:
    """Each structured camera's pipeline: state (with the reason of a backoff), fps, dropped frames,
    restarts, worker. Needs ``ops.read`` or ``camera.read``."""
    entries = await (await leases_of(request.app.state)).entries()
    return service.camera_states(
        db=db, principal=principal, settings=settings, entries=entries, now=time.time()
    )
