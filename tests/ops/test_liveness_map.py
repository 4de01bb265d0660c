"""Stream liveness in the scheduled health job (the app's relay manager) and the health map."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.factories import login, make_user
from tests.stream.conftest import add_camera
from xueliang.auth.enums import ScopeKind
from xueliang.core.config import Settings
from xueliang.core.db import utcnow
from xueliang.ops import health
from xueliang.ops.enums import Source
from xueliang.ops.models import Diagnosis

LIVE = "43010200001320000301"
IDLE = "43010200001320000302"
OTHER_TOWN = "43010300001320000303"
WHY = {"purpose": "ops liveness test"}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"stream_relay_type": "fake"})


def _run_health_job(client: TestClient) -> None:
    scheduler = client.app.state.scheduler  # type: ignore[attr-defined]
    state = client.portal.call(scheduler.run_now, "ops.health")  # type: ignore[union-attr]
    assert state.last_ok, state.last_error


def test_health_job__channel_with_running_relay_counts_online(
    admin_client: TestClient, db: Session, settings: Settings
) -> None:
    key = settings.effective_secret()
    add_camera(db, key, LIVE, "fake://cam1")
    add_camera(db, key, IDLE, "fake://cam2")
    db.commit()
    assert admin_client.post(f"/api/v1/cameras/{LIVE}/live", params=WHY).status_code == 200
    _run_health_job(admin_client)
    rows = admin_client.get("/api/v1/ops/health").json()["items"]
    assert [(r["channel_id"], r["online"], r["source"]) for r in rows] == [(LIVE, True, "stream")]


def test_health_map__state_per_located_camera_within_scope(
    client: TestClient, db: Session, settings: Settings
) -> None:
    key = settings.effective_secret()
    cams = [add_camera(db, key, cid, "fake://x") for cid in (LIVE, IDLE)]
    other = add_camera(db, key, OTHER_TOWN, "fake://y")
    other.region_code = "430103001001"
    for n, channel in enumerate([*cams, other]):
        channel.longitude, channel.latitude = 112.4 + n / 100, 28.5
    now = utcnow()
    health.apply(db=db, verdicts={cams[0].id: (True, Source.rtsp, "ok", 2.0)}, now=now)
    health.apply(db=db, verdicts={other.id: (False, Source.rtsp, "offline: timed out", None)}, now=now)
    db.add(Diagnosis(channel_pk=cams[0].id, at=now, ok=False, faults="blur", measures={}))
    user = make_user(db, roles=("maintainer",), scopes=((ScopeKind.region, "430102"),))
    db.commit()
    login(client, user.username)
    body = client.get("/api/v1/ops/map").json()
    states = {f["properties"]["channel_id"]: f["properties"]["state"] for f in body["features"]}
    assert states == {LIVE: "faulty", IDLE: "unknown"}
    assert body["features"][0]["geometry"] == {"type": "Point", "coordinates": [112.4, 28.5]}


def test_ops_lists__limited_to_cameras_in_scope(client: TestClient, db: Session, settings: Settings) -> None:
    key = settings.effective_secret()
    mine = add_camera(db, key, LIVE, "fake://x")
    other = add_camera(db, key, OTHER_TOWN, "fake://y")
    other.region_code = "430103001001"
    now = utcnow()
    health.apply(
        db=db,
        verdicts={mine.id: (True, Source.rtsp, "ok", 2.0), other.id: (False, Source.rtsp, "down", None)},
        now=now,
    )
    hidden = Diagnosis(
        channel_pk=other.id, at=now, ok=False, faults="blur", measures={}, snapshot_sha="0" * 64
    )
    db.add_all([Diagnosis(channel_pk=mine.id, at=now, ok=False, faults="dark", measures={}), hidden])
    user = make_user(db, roles=("maintainer",), scopes=((ScopeKind.region, "430102"),))
    db.commit()
    login(client, user.username)
    assert [r["channel_id"] for r in client.get("/api/v1/ops/health").json()["items"]] == [LIVE]
    assert [r["channel_id"] for r in client.get("/api/v1/ops/diagnoses").json()["items"]] == [LIVE]
    assert client.get(f"/api/v1/ops/diagnoses/{hidden.id}/thumbnail").status_code == 404
    assert client.get(f"/api/v1/ops/channels/{OTHER_TOWN}/uptime").status_code == 404
