"""One real camera: the GStreamer RTSP simulator probed, snapshotted through the PyAV plugin and
diagnosed by the scheduled ops jobs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.stream.conftest import add_camera
from xueliang.core.config import Settings
from xueliang.ops.models import Diagnosis, Health
from xueliang.ops.probe import RtspProber
from xueliang.ops.scheduled import OpsJobs, default_snapshotter
from xueliang.sim.cameras_rtsp import CameraSimulator, available, prepare_source

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not available(), reason="needs GStreamer's RTSP server (scripts/install-system-deps.sh)"
    ),
]
CAM = "43010200001320000401"


@pytest.fixture(scope="module")
def simulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CameraSimulator]:
    cache = Path(tmp_path_factory.getbasetemp()).parent / "xueliang-sim-cache"
    with CameraSimulator(count=1, source=prepare_source(cache)) as sim:
        yield sim


def test_ops_jobs__simulated_camera_online_snapshot_diagnosed(
    db: Session, session_maker: sessionmaker[Session], settings: Settings, simulator: CameraSimulator
) -> None:
    s = settings.model_copy(update={"stream_relay_type": "pyav", "stream_open_timeout_seconds": 5.0})
    add_camera(db, s.effective_secret(), CAM, simulator.urls[0])
    db.commit()
    jobs = OpsJobs(session_maker, s, RtspProber(3.0, 4), default_snapshotter(s))
    assert jobs.health_cycle().startswith("1/1 online")
    assert jobs.diagnosis_cycle() == "1 cameras diagnosed, 0 with faults"
    db.expire_all()
    row = db.scalars(select(Health)).one()
    assert (row.online, row.source, row.detail) == (True, "rtsp", "ok")
    assert row.latency_ms is not None and row.latency_ms < 3000
    diagnosis = db.scalars(select(Diagnosis)).one()
    assert diagnosis.ok and diagnosis.snapshot_sha == row.reference_sha
    assert jobs.blobs.thumbnail(diagnosis.snapshot_sha)[:2] == b"\xff\xd8"
