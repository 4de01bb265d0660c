"""Stream intake refuses devices that are not admitted (安全准入): live, snapshot, public links and
recorders, each with an alarm row and an audit entry."""

from __future__ import annotations

import threading

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.stream.conftest import add_camera
from xueliang.audit.models import AuditEntry
from xueliang.camera import service as cameras
from xueliang.camera.enums import Admission
from xueliang.camera.models import Alarm
from xueliang.core.config import Settings
from xueliang.stream.models import RecordingPlan
from xueliang.stream.scheduled import Recordings

PENDING = "43010200001320000011"
PUBLIC_PENDING = "43010200001320000012"
BOUND = "43010200001320000013"
WHY = {"purpose": "巡查 north gate"}


def _alarms(db: Session, device_id: str) -> list[str]:
    db.expire_all()
    return list(db.scalars(select(Alarm.kind).where(Alarm.device_id == device_id)))


def _refusals(db: Session, device_id: str) -> list[AuditEntry]:
    query = select(AuditEntry).where(
        AuditEntry.action == "camera.device.refused", AuditEntry.object_id == device_id
    )
    return list(db.scalars(query))


def test_live__pending_device_refused_with_alarm_and_audit(
    admin_client: TestClient, db: Session, settings: Settings
) -> None:
    add_camera(db, settings.effective_secret(), PENDING, "fake://cam11", admit=False)
    db.commit()
    response = admin_client.post(f"/api/v1/cameras/{PENDING}/live", params=WHY)
    assert response.status_code == 403, response.text
    body = response.json()
    assert response.headers["content-type"].startswith("application/problem+json")
    assert body["code"] == "camera.not_admitted" and "device is pending" in body["detail"]
    assert "fake://" not in response.text
    assert not admin_client.app.state.relays.sessions
    assert _alarms(db, PENDING) == ["not_admitted"]
    refused = _refusals(db, PENDING)
    assert len(refused) == 1 and refused[0].outcome == "denied"
    live = db.scalar(select(AuditEntry).where(AuditEntry.action == "stream.live"))
    assert live is not None and live.outcome == "denied" and live.purpose == WHY["purpose"]
    snapshot = admin_client.get(f"/api/v1/cameras/{PENDING}/snapshot", params=WHY)
    assert snapshot.status_code == 403 and _alarms(db, PENDING) == ["not_admitted"] * 2


def test_live__admitted_then_revoked_device(
    admin_client: TestClient, db: Session, settings: Settings
) -> None:
    add_camera(db, settings.effective_secret(), PENDING, "fake://cam11", admit=False)
    db.commit()
    devices = "/api/v1/cameras/devices"
    assert admin_client.post(f"{devices}/{PENDING}/admit", json={}).status_code == 200
    assert admin_client.post(f"/api/v1/cameras/{PENDING}/live", params=WHY).status_code == 200
    assert admin_client.post(f"{devices}/{PENDING}/revoke").status_code == 200
    again = admin_client.post(f"/api/v1/cameras/{PENDING}/live", params=WHY)
    assert again.status_code == 403 and "revoked" in again.json()["detail"]


def test_live__stream_address_not_the_bound_one(
    admin_client: TestClient, db: Session, settings: Settings
) -> None:
    add_camera(db, settings.effective_secret(), BOUND, "rtsp://10.9.9.9:554/live", admit=False)
    db.commit()
    admit = {"bound_ip": "10.1.1.5"}
    assert admin_client.post(f"/api/v1/cameras/devices/{BOUND}/admit", json=admit).status_code == 200
    response = admin_client.post(f"/api/v1/cameras/{BOUND}/live", params=WHY)
    assert response.status_code == 403 and "address differs" in response.json()["detail"]
    assert _alarms(db, BOUND) == ["identity_changed"]


def test_public_link__pending_device_refused(
    admin_client: TestClient, db: Session, settings: Settings
) -> None:
    add_camera(db, settings.effective_secret(), PUBLIC_PENDING, "fake://cam12", public=True, admit=False)
    db.commit()
    url = admin_client.post(f"/api/v1/cameras/{PUBLIC_PENDING}/public-links", json={}).json()["url"]
    refused = TestClient(admin_client.app).get(url)
    assert refused.status_code == 403 and refused.json()["code"] == "camera.not_admitted"
    assert _alarms(db, PUBLIC_PENDING) == ["not_admitted"]


class _StubRecorder:
    def __init__(self) -> None:
        self.stop_event = threading.Event()

    def stop(self) -> None:
        self.stop_event.set()


def test_recorders__not_admitted_not_started_alarm_once(
    db: Session, settings: Settings, session_maker: sessionmaker[Session]
) -> None:
    channel = add_camera(db, settings.effective_secret(), PENDING, "fake://cam11", admit=False)
    db.add(RecordingPlan(channel_pk=channel.id, mode="continuous"))
    db.commit()
    recordings = Recordings(session_maker, settings)
    started: list[str] = []

    def fake_start(channel_id: str, *args: object) -> _StubRecorder:
        started.append(channel_id)
        return _StubRecorder()

    recordings._start = fake_start  # type: ignore[assignment,method-assign]
    assert recordings.reconcile() == "0 cameras recording"
    assert recordings.reconcile() == "0 cameras recording"
    assert _alarms(db, PENDING) == ["not_admitted"] and len(_refusals(db, PENDING)) == 1
    device = cameras.get_device(db=db, device_id=PENDING)
    assert device is not None
    device.admission = Admission.admitted
    db.commit()
    assert recordings.reconcile() == "1 cameras recording" and started == [PENDING]
    stub = recordings.running[PENDING]
    recordings.stop()
    assert stub.stop_event.is_set() and not recordings.running
