"""End to end: the RTSP camera simulator → the PyAV relay → the first HLS segment, over the API."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.stream.conftest import add_camera
from xueliang.core.config import Settings
from xueliang.sim.cameras_rtsp import CameraSimulator, available, prepare_source
from xueliang.stream.manager import RelayManager
from xueliang.stream.pyav_relay import PyAvPlugin
from xueliang.stream.relay import RelayOptions

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not available(), reason="needs GStreamer's RTSP server (scripts/install-system-deps.sh)"
    ),
]
CAM = "43010200001320000009"
WHY = {"purpose": "end-to-end test"}


@pytest.fixture(scope="module")
def simulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CameraSimulator]:
    cache = Path(tmp_path_factory.getbasetemp()).parent / "xueliang-sim-cache"
    with CameraSimulator(count=1, source=prepare_source(cache)) as sim:
        yield sim


@pytest.fixture
def pyav_admin(admin_client: TestClient, tmp_path: Path) -> Iterator[TestClient]:
    app = admin_client.app
    app.state.relays.stop()  # type: ignore[attr-defined]
    app.state.relays = RelayManager(
        root=tmp_path / "live",
        plugin=PyAvPlugin(),
        options=RelayOptions(open_timeout=3),  # type: ignore[attr-defined]
        idle_seconds=1,
        viewer_timeout=5,
    )
    yield admin_client
    app.state.relays.stop()  # type: ignore[attr-defined]


def _first_segment(client: TestClient, playlist_url: str, deadline: float) -> bytes:
    while time.monotonic() < deadline:
        playlist = client.get(playlist_url)
        names = [line for line in playlist.text.splitlines() if line.endswith(".ts")]
        if playlist.status_code == 200 and names:
            return client.get(playlist_url.replace("index.m3u8", names[0])).content
        time.sleep(0.2)
    raise AssertionError("no HLS segment in time")


def test_live__simulator_to_first_hls_segment(
    pyav_admin: TestClient, db: Session, settings: Settings, simulator: CameraSimulator
) -> None:
    add_camera(db, settings.effective_secret(), CAM, simulator.urls[0])
    db.commit()
    started = time.monotonic()
    live = pyav_admin.post(f"/api/v1/cameras/{CAM}/live", params=WHY)
    assert live.status_code == 200, live.text
    segment = _first_segment(pyav_admin, live.json()["playlist_url"], started + 15)
    assert segment[:1] == b"\x47" and len(segment) > 10_000
    snapshot = pyav_admin.get(f"/api/v1/cameras/{CAM}/snapshot", params=WHY)
    assert snapshot.status_code == 200 and snapshot.content[:2] == b"\xff\xd8"


def test_live__refused_rtsp_port_answers_offline_at_once(
    pyav_admin: TestClient, db: Session, settings: Settings
) -> None:
    add_camera(db, settings.effective_secret(), CAM, "rtsp://127.0.0.1:9/none")
    db.commit()
    started = time.monotonic()
    response = pyav_admin.post(f"/api/v1/cameras/{CAM}/live", params=WHY)
    assert response.status_code == 503 and response.json()["detail"] == "offline: connection refused"
    assert time.monotonic() - started < 3
