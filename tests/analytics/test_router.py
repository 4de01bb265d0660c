"""GET /api/v1/analytics/cameras: each structured camera's pipeline state, from the leases."""

from __future__ import annotations

import asyncio
import time

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.factories import login, make_user
from tests.stream.conftest import add_camera
from xueliang.analytics.leases import MemoryLeaseStore
from xueliang.core.config import Settings

RUNNING, FAILING, FREE = "43010200001320000011", "43010200001320000012", "43010200001320000013"


def _cameras(db: Session, settings: Settings, client: TestClient) -> MemoryLeaseStore:
    key = settings.effective_secret()
    for channel in (RUNNING, FAILING, FREE):
        add_camera(db, key, channel, f"rtsp://127.0.0.1:1/{channel}")
    db.commit()
    store = MemoryLeaseStore()
    later = time.time() + 30
    status = {"state": "running", "fps": 4.9, "dropped": 3, "frames": 120, "since": time.time()}
    backoff = {"state": "backoff", "reason": "InvalidDataError: … (retry in 4.0 s)", "restarts": 3}
    asyncio.run(store.create(f"camera.{RUNNING}", {"worker": "w1", "expires": later, "status": status}))
    asyncio.run(store.create(f"camera.{FAILING}", {"worker": "w1", "expires": later, "status": backoff}))
    client.app.state.analytics_leases = store  # type: ignore[attr-defined]
    return store


def test_cameras__states_fps_dropped_and_worker(
    admin_client: TestClient, db: Session, settings: Settings
) -> None:
    _cameras(db, settings, admin_client)
    response = admin_client.get("/api/v1/analytics/cameras")
    assert response.status_code == 200
    by_id = {c["camera_id"]: c for c in response.json()}
    assert by_id[RUNNING]["state"] == "running"
    assert by_id[RUNNING]["fps"] == 4.9
    assert by_id[RUNNING]["dropped"] == 3
    assert by_id[RUNNING]["worker"] == "w1"
    assert by_id[FAILING]["state"] == "backoff"
    assert "InvalidDataError" in by_id[FAILING]["reason"]
    assert by_id[FREE]["state"] == "unassigned"


def test_cameras__camera_read_suffices_and_others_are_refused(
    client: TestClient, db: Session, settings: Settings
) -> None:
    _cameras(db, settings, client)
    viewer, worker = make_user(db, roles=("viewer",)), make_user(db, roles=("grid_worker",))
    db.commit()
    assert login(client, viewer.username).get("/api/v1/analytics/cameras").status_code == 200
    refused = login(client, worker.username).get("/api/v1/analytics/cameras")
    assert refused.status_code == 403
    assert refused.json()["code"] == "auth.permission_denied"
