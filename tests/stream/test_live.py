from __future__ import annotations

import time

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.factories import login, make_user
from tests.stream.conftest import OFFLINE, PRIVATE, PUBLIC
from xueliang.audit.models import AuditEntry
from xueliang.auth import service as auth_service
from xueliang.auth.enums import ScopeKind
from xueliang.camera import service as cameras
from xueliang.camera.models import Device

WHY = {"purpose": "巡查 east gate"}


def test_start_live__non_public_needs_purpose_and_is_audited(admin: TestClient, db: Session) -> None:
    refused = admin.post(f"/api/v1/cameras/{PRIVATE}/live")
    assert refused.status_code == 400 and refused.json()["code"] == "audit.purpose_required"
    started = admin.post(f"/api/v1/cameras/{PRIVATE}/live", params=WHY)
    assert started.status_code == 200, started.text
    playlist = admin.get(started.json()["playlist_url"])
    assert playlist.status_code == 200 and "seg0.ts" in playlist.text
    segment = admin.get(started.json()["playlist_url"].replace("index.m3u8", "seg0.ts"))
    assert segment.status_code == 200 and segment.content[:1] == b"\x47"
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "stream.live"))
    assert entry is not None and entry.purpose == WHY["purpose"] and entry.object_id == PRIVATE


def test_start_live__public_camera_without_purpose_and_shared_relay(admin: TestClient) -> None:
    first = admin.post(f"/api/v1/cameras/{PUBLIC}/live").json()
    second = admin.post(f"/api/v1/cameras/{PUBLIC}/live").json()
    assert first["viewer_id"] != second["viewer_id"] and second["viewers"] == 2
    assert len(admin.app.state.relays.sessions) == 1
    assert admin.delete(f"/api/v1/cameras/{PUBLIC}/live/{first['viewer_id']}").status_code == 204
    assert admin.app.state.relays.viewer_count(PUBLIC) == 1


def test_start_live__unreachable_camera_answers_fast_offline(admin: TestClient, db: Session) -> None:
    started = time.monotonic()
    response = admin.post(f"/api/v1/cameras/{OFFLINE}/live", params=WHY)
    assert time.monotonic() - started < 2
    assert response.status_code == 503 and response.json()["detail"] == "offline: connection refused"
    db.expire_all()
    channel = cameras.get_channel(db=db, channel_id=OFFLINE)
    assert channel is not None and channel.status == "offline"


def test_start_live__out_of_scope_and_foreign_viewer_refused(
    client: TestClient, db: Session, three_cameras: None
) -> None:
    outsider = make_user(db, roles=("operator",), scopes=((ScopeKind.region, "9999"),))
    insider = make_user(db, roles=("operator",), scopes=((ScopeKind.camera, PRIVATE),))
    db.commit()
    login(client, insider.username)
    url = client.post(f"/api/v1/cameras/{PRIVATE}/live", params=WHY).json()["playlist_url"]
    client.post("/api/v1/auth/logout")
    login(client, outsider.username)
    assert client.post(f"/api/v1/cameras/{PRIVATE}/live", params=WHY).status_code == 403
    assert client.get(url).status_code == 404
    assert client.get(url.replace("index.m3u8", "..%2Fx.ts")).status_code in {404, 422}


def test_snapshot__jpeg_with_purpose(admin: TestClient) -> None:
    assert admin.get(f"/api/v1/cameras/{PRIVATE}/snapshot").status_code == 400
    response = admin.get(f"/api/v1/cameras/{PRIVATE}/snapshot", params=WHY)
    assert response.status_code == 200 and response.headers["content-type"] == "image/jpeg"
    assert admin.get(f"/api/v1/cameras/{OFFLINE}/snapshot", params=WHY).status_code == 503


def test_live_file__ended_scope_stops_a_running_view(
    client: TestClient, db: Session, three_cameras: None
) -> None:
    viewer = make_user(db, roles=("operator",), scopes=((ScopeKind.camera, PRIVATE),))
    db.commit()
    login(client, viewer.username)
    url = client.post(f"/api/v1/cameras/{PRIVATE}/live", params=WHY).json()["playlist_url"]
    assert client.get(url).status_code == 200
    auth_service.set_scopes(db=db, user=viewer, scopes=())
    db.commit()
    refused = client.get(url)
    assert refused.status_code == 403
    assert client.app.state.relays.viewer_count(PRIVATE) == 0  # type: ignore[attr-defined]


def test_live_file__revoked_device_stops_a_running_view(admin: TestClient, db: Session) -> None:
    url = admin.post(f"/api/v1/cameras/{PRIVATE}/live", params=WHY).json()["playlist_url"]
    assert admin.get(url).status_code == 200
    channel = cameras.get_channel(db=db, channel_id=PRIVATE)
    assert channel is not None and channel.device_pk is not None
    device = db.get(Device, channel.device_pk)
    assert device is not None
    device.admission = "revoked"
    db.commit()
    assert admin.get(url).status_code == 403
