from __future__ import annotations

import numpy as np
import pytest

from xueliang.analytics.detections import Detections
from xueliang.analytics.tracker import KalmanBox, Tracker, TrackerConfig, xyah_to_xyxy, xyxy_to_xyah


def _dets(
    boxes: list[list[float]], conf: list[float] | None = None, cls: list[int] | None = None
) -> Detections:
    return Detections.from_arrays(boxes, conf or [0.9] * len(boxes), cls or [0] * len(boxes))


@pytest.mark.parametrize("box", [[0, 0, 10, 20], [5.5, 3, 105, 53], [100, 100, 101, 300]])
def test_xyah__round_trip(box: list[float]) -> None:
    arr = np.array(box, np.float32)
    assert xyah_to_xyxy(xyxy_to_xyah(arr)).tolist() == pytest.approx(box, abs=1e-3)


def test_kalman_box__learns_constant_velocity() -> None:
    kf = KalmanBox(np.array([0, 0, 20, 40], np.float32))
    for step in range(1, 10):
        kf.predict()
        kf.update(np.array([step * 5, 0, 20 + step * 5, 40], np.float32))
    kf.predict()
    assert kf.box[0] == pytest.approx(50, abs=2)


@pytest.mark.parametrize(("speed", "skip_every"), [(3, 0), (8, 0), (5, 2), (12, 3)])
def test_tracker__one_id_per_moving_object(speed: int, skip_every: int) -> None:
    tracker = Tracker(TrackerConfig(min_hits=2))
    for f in range(30):
        if skip_every and f % skip_every:
            tracker.predict()  # frames the motion gate let pass without detection
            continue
        tracker.update(
            _dets([[10 + f * speed, 50, 50 + f * speed, 130], [400 - f * speed, 60, 440 - f * speed, 140]])
        )
    assert len(tracker.flush()) == 2


def test_tracker__crossing_objects_keep_ids() -> None:
    tracker = Tracker()
    ids_at: list[list[int]] = []
    for f in range(40):
        a = [10 + f * 10, 50, 50 + f * 10, 130]
        b = [410 - f * 10, 60, 450 - f * 10, 140]
        out = tracker.update(_dets([a, b], cls=[0, 2]))
        ids_at.append(out.tracker_id.tolist() if out.tracker_id is not None else [])
    assert ids_at[5] == ids_at[39]
    assert len(tracker.flush()) == 2


def test_tracker__weak_detection_extends_but_never_starts_a_track() -> None:
    tracker = Tracker(TrackerConfig(high=0.5, low=0.2, min_hits=1))
    tracker.update(_dets([[0, 0, 40, 80]], [0.9]))
    out = tracker.update(_dets([[2, 0, 42, 80], [300, 300, 340, 380]], [0.3, 0.3]))
    assert out.tracker_id is not None
    assert out.tracker_id.tolist() == [1, 0]
    assert len(tracker.tracks) == 1


def test_tracker__lost_track_retires_after_max_age() -> None:
    tracker = Tracker(TrackerConfig(max_age=3, min_hits=1))
    tracker.update(_dets([[0, 0, 40, 80]]))
    for _ in range(4):
        tracker.update(Detections.empty())
    assert tracker.tracks == []
    assert [t.track_id for t in tracker.finished] == [1]


def test_tracker__single_hit_flicker_is_not_confirmed() -> None:
    tracker = Tracker(TrackerConfig(min_hits=2))
    tracker.update(_dets([[0, 0, 40, 80]]))
    tracker.update(_dets([[300, 300, 340, 380]]))
    assert tracker.flush() == []
