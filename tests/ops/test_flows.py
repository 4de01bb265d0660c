from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.factories import login, make_user
from xueliang.auth.models import OrgUnit
from xueliang.camera import service as cameras
from xueliang.camera.models import Channel
from xueliang.core.config import Settings
from xueliang.core.db import utcnow
from xueliang.ops import assessment, degrade, health, orders
from xueliang.ops.enums import AlarmState, OrderState
from xueliang.ops.models import Alarm, Contract, Diagnosis, OnlineDaily, StateChange, WorkOrder
from xueliang.ops.probe import FakeProber, ProbeResult
from xueliang.ops.scheduled import OpsJobs


def _scene() -> np.ndarray:
    """A textured, coloured test picture (gradient background, 60 filled rectangles)."""
    rng = np.random.default_rng(3)
    y, x = np.mgrid[0:240, 0:320]
    img = np.dstack([60 + x * 0.4, 80 + y * 0.3, 100 + (x + y) * 0.15]).astype(np.uint8)
    for _ in range(60):
        p = (int(rng.integers(0, 300)), int(rng.integers(0, 220)))
        q = (p[0] + int(rng.integers(8, 40)), p[1] + int(rng.integers(8, 40)))
        cv2.rectangle(img, p, q, tuple(int(c) for c in rng.integers(0, 255, 3)), -1)
    return img


SCENE = _scene()
GOOD = degrade.jpeg(SCENE)


class FakeSnapshotter:
    def __init__(self) -> None:
        self.pictures: dict[str, bytes] = {}

    def __call__(self, url: str) -> bytes:
        if url not in self.pictures:
            raise TimeoutError("no answer")
        return self.pictures[url]


def _channel(db: Session, n: int, region: str, key: str) -> Channel:
    channel = Channel(
        channel_id=f"3301060000132{n:07d}", name=f"cam {n}", kind="ordinary", region_code=region
    )
    db.add(channel)
    db.flush()
    cameras.set_stream_urls(channel=channel, key=key, main=None, sub=f"rtsp://127.0.0.1:9/{n}")
    return channel


@pytest.fixture
def world(db: Session, settings: Settings) -> tuple[list[Channel], OrgUnit]:
    key = settings.effective_secret()
    contractor = OrgUnit(code="maint-co", name="Maintenance Co", kind="contractor")
    db.add(contractor)
    db.flush()
    db.add(Contract(org_unit_id=contractor.id, region_prefix="330106"))
    channels = [_channel(db, i, "330106001001", key) for i in range(3)]
    db.commit()
    return channels, contractor


def _jobs(
    session_maker: sessionmaker[Session], settings: Settings, answers: dict[int, ProbeResult]
) -> OpsJobs:
    s = settings.model_copy(update={"ops_offline_alarm_minutes": 0.0, "ops_storage_alarm_percent": 100.0})
    return OpsJobs(session_maker, s, FakeProber(answers), FakeSnapshotter())


def test_health_cycle__history_daily_rate_alarms_and_orders(
    db: Session,
    session_maker: sessionmaker[Session],
    settings: Settings,
    world: tuple[list[Channel], OrgUnit],
) -> None:
    channels, contractor = world
    up = ProbeResult(True, "ok", 3.0)
    jobs = _jobs(session_maker, settings, {channels[0].id: up, channels[1].id: up})
    jobs.health_cycle()
    jobs.prober = FakeProber({c.id: up for c in channels})
    jobs.health_cycle()
    db.expire_all()
    assert db.scalars(select(StateChange).where(StateChange.channel_pk == channels[2].id)).all()[-1].online
    district = db.scalars(select(OnlineDaily).where(OnlineDaily.dimension == "district")).one()
    assert (district.key, district.total, district.online, district.samples) == ("330106", 6, 5, 2)
    alarm = db.scalars(select(Alarm).where(Alarm.kind == "offline")).one()
    assert alarm.state == AlarmState.cleared and alarm.channel_pk == channels[2].id
    order = db.scalars(select(WorkOrder)).one()
    assert order.contractor_id == contractor.id and order.repair_due > order.response_due > order.created_at


def test_uptime__share_of_window_from_state_changes(
    db: Session, world: tuple[list[Channel], OrgUnit]
) -> None:
    channel, now = world[0][0], utcnow()
    health.apply(
        db=db, verdicts={channel.id: (True, health.Source.rtsp, "ok", 1.0)}, now=now - timedelta(hours=4)
    )
    health.apply(
        db=db, verdicts={channel.id: (False, health.Source.rtsp, "x", None)}, now=now - timedelta(hours=1)
    )
    share = health.uptime(db=db, channel_pk=channel.id, start=now - timedelta(hours=8), end=now)
    assert share == pytest.approx(3 / 8, abs=1e-3)


def test_diagnosis_cycle__faults_raise_quality_alarm_and_close_needs_evidence(
    db: Session,
    session_maker: sessionmaker[Session],
    settings: Settings,
    world: tuple[list[Channel], OrgUnit],
) -> None:
    channels, _ = world
    jobs = _jobs(session_maker, settings, {c.id: ProbeResult(True, "ok") for c in channels})
    snap = FakeSnapshotter()
    snap.pictures = {"rtsp://127.0.0.1:9/0": GOOD, "rtsp://127.0.0.1:9/1": b"garbage"}
    jobs.snapshotter = snap
    jobs.health_cycle()
    assert jobs.diagnosis_cycle() == "3 cameras diagnosed, 2 with faults"
    jobs.health_cycle()
    db.expire_all()
    faulty = {a.channel_pk for a in db.scalars(select(Alarm).where(Alarm.kind == "quality"))}
    assert faulty == {channels[1].id, channels[2].id}
    order = db.scalars(select(WorkOrder).where(WorkOrder.channel_pk == channels[1].id)).one()
    with pytest.raises(Exception, match="evidence snapshot fails diagnosis"):
        orders.close(
            db=db,
            order=order,
            key=settings.effective_secret(),
            snapshotter=snap,
            blobs=jobs.blobs,
            now=utcnow(),
        )
    snap.pictures["rtsp://127.0.0.1:9/1"] = degrade.jpeg(cv2.add(SCENE, 3))
    orders.close(
        db=db, order=order, key=settings.effective_secret(), snapshotter=snap, blobs=jobs.blobs, now=utcnow()
    )
    assert order.state == OrderState.closed and db.get(Diagnosis, order.evidence_id).ok  # type: ignore[union-attr]


def test_month_figures__availability_and_timeliness(
    db: Session, settings: Settings, world: tuple[list[Channel], OrgUnit]
) -> None:
    channels, contractor = world
    tz, now = ZoneInfo(settings.timezone), utcnow()
    day = now.astimezone(tz).date()
    db.add(OnlineDaily(day=day, dimension="district", key="330106", total=10, online=9, samples=1))
    limits = orders.Limits(calendar=_calendar(db, settings), response_hours=2, repair_hours=8)
    late = orders.open_order(
        db=db, limits=limits, title="t", now=now - timedelta(hours=1), channel=channels[0]
    )
    late.repair_due = now - timedelta(minutes=1)
    month = day.strftime("%Y-%m")
    assessment.store_month(db=db, month=month, tz=tz, now=now)
    (row,) = assessment.stored_month(db=db, month=month)
    assert (row.org_unit_id, row.availability, row.orders, row.timeliness) == (contractor.id, 0.9, 1, 0.0)


def _calendar(db: Session, settings: Settings):  # type: ignore[no-untyped-def]
    from xueliang.incident.service import load_calendar

    return load_calendar(db=db, settings=settings)


def test_api__maintainer_reads_acknowledges_and_opens_orders(
    client: TestClient, db: Session, world: tuple[list[Channel], OrgUnit]
) -> None:
    channel = world[0][0]
    db.add(Alarm(kind="storage", key="storage:data", message="disk 95 %"))
    user = make_user(db, roles=("maintainer",))
    db.commit()
    login(client, user.username)
    alarm_id = client.get("/api/v1/ops/alarms").json()["items"][0]["id"]
    assert client.post(f"/api/v1/ops/alarms/{alarm_id}/acknowledge").json()["state"] == "acknowledged"
    assert client.post(f"/api/v1/ops/alarms/{alarm_id}/acknowledge").status_code == 409
    body = {"title": "lens dirty", "channel_id": channel.channel_id}
    created = client.post("/api/v1/ops/work-orders", json=body)
    assert created.status_code == 201 and created.json()["contractor_id"] == world[1].id
    assert (
        client.post(f"/api/v1/ops/work-orders/{created.json()['id']}/respond").json()["state"] == "responded"
    )
    assert (
        client.put(
            f"/api/v1/ops/channels/{channel.channel_id}/thresholds", json={"overrides": {"x": 1}}
        ).status_code
        == 422
    )
    assert client.get("/api/v1/ops/contractor-months/2026-13").status_code == 422
    assert (
        client.get(
            "/api/v1/ops/online-rates?dimension=owner&day_from=2026-02-01&day_to=2026-01-01"
        ).status_code
        == 422
    )
    assert client.get("/api/v1/ops/diagnoses/999/thumbnail").status_code == 404
    assert "xueliang_disk_bytes" in client.get("/metrics").text
