from __future__ import annotations

from pathlib import Path

import pytest

from xueliang.stream.exceptions import CameraOfflineError
from xueliang.stream.manager import RelayManager
from xueliang.stream.relay import FakePlugin, RelayOptions


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def manager(tmp_path: Path) -> tuple[RelayManager, Clock]:
    clock = Clock()
    return RelayManager(
        root=tmp_path,
        plugin=FakePlugin(),
        options=RelayOptions(open_timeout=1),
        idle_seconds=10,
        viewer_timeout=5,
        clock=clock,
    ), clock


def test_reap__stops_relay_idle_seconds_after_last_viewer(manager: tuple[RelayManager, Clock]) -> None:
    relays, clock = manager
    session = relays.join("c1", "fake://a", viewer="v1", username="u")
    relays.join("c1", "fake://a", viewer="v2", username="u")
    assert relays.sessions["c1"] is session and (session.out_dir / "index.m3u8").is_file()
    clock.now += 4
    assert relays.touch("c1", "v1", "u") is not None
    clock.now += 3  # v2 silent for 7 s > 5: gone; v1 still here
    assert relays.reap() == [] and set(session.viewers) == {"v1"}
    relays.leave("c1", "v1")
    assert relays.reap() == []
    clock.now += 10
    assert relays.reap() == ["c1"] and not session.out_dir.exists()
    relays.stop()


def test_join__offline_raises_and_keeps_nothing(manager: tuple[RelayManager, Clock]) -> None:
    relays, _ = manager
    with pytest.raises(CameraOfflineError, match="connection refused"):
        relays.join("c2", "fake://offline", viewer="v", username="u")
    assert relays.sessions == {}


def test_touch__other_users_viewer_unknown(manager: tuple[RelayManager, Clock]) -> None:
    relays, _ = manager
    relays.join("c1", "fake://a", viewer="v1", username="alice")
    assert relays.touch("c1", "v1", "mallory") is None
    relays.stop()
    assert relays.sessions == {}
