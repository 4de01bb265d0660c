from __future__ import annotations

import numpy as np
import pytest

from xueliang.analytics.bestshot import BestShot, face_pose, sharpness, shot_score, touches_edge
from xueliang.analytics.motion import MotionGate, covered, fit_aspect, union_box


def _frame(square_x: int | None) -> np.ndarray:
    frame = np.full((360, 640, 3), 90, np.uint8)
    if square_x is not None:
        frame[100:180, square_x : square_x + 60] = 230
    return frame


def test_motion_gate__static_scene_has_no_regions() -> None:
    gate = MotionGate()
    for _ in range(5):
        assert len(gate.regions(_frame(100))) == 0


def test_motion_gate__moving_square_yields_region_around_it() -> None:
    gate = MotionGate()
    gate.regions(_frame(None))
    regions = gate.regions(_frame(300))
    assert len(regions) == 1
    x1, y1, x2, y2 = regions[0]
    assert x1 <= 300 and x2 >= 360 and y1 <= 100 and y2 >= 180


def test_motion_gate__sensor_noise_is_ignored() -> None:
    rng = np.random.default_rng(1)
    gate = MotionGate()
    gate.regions(_frame(None))
    noisy = np.clip(_frame(None).astype(int) + rng.integers(-8, 9, (360, 640, 3)), 0, 255).astype(np.uint8)
    assert len(gate.regions(noisy)) == 0


@pytest.mark.parametrize(
    ("regions", "boxes", "expected"),
    [
        ([[10, 10, 20, 20]], [[0, 0, 30, 30]], True),
        ([[10, 10, 20, 20]], [[100, 100, 130, 130]], False),
        ([[10, 10, 20, 20], [200, 200, 210, 210]], [[0, 0, 30, 30]], False),
        ([], [], True),
        ([[10, 10, 20, 20]], [], False),
    ],
)
def test_covered__regions_explained_by_tracks(
    regions: list[list[float]], boxes: list[list[float]], expected: bool
) -> None:
    r = np.array(regions, np.float32).reshape(-1, 4)
    b = np.array(boxes, np.float32).reshape(-1, 4)
    assert covered(r, b) is expected


def test_union_box__covers_all() -> None:
    assert union_box(np.array([[5, 6, 10, 10], [0, 8, 7, 20]], np.float32)).tolist() == [0, 6, 10, 20]


@pytest.mark.parametrize(
    ("box", "expected"),
    [
        ([0, 100, 640, 200], [0, 0, 640, 360]),  # a wide strip: as tall as the frame allows
        ([100, 100, 260, 150], [100, 80, 260, 170]),  # wide: grown in height about its centre
        ([600, 0, 640, 90], [480, 0, 640, 90]),  # tall at the right edge: grown left, kept inside
    ],
)
def test_fit_aspect__frame_proportions_inside_the_frame(box: list[float], expected: list[float]) -> None:
    out = fit_aspect(np.array(box, np.float32), 640, 360)
    assert np.allclose(out, expected)


def test_sharpness__blur_lowers_it() -> None:
    rng = np.random.default_rng(0)
    sharp = rng.integers(0, 255, (64, 64), dtype=np.uint8)
    assert sharpness(sharp) > 10 * sharpness(np.full((64, 64), 128, np.uint8) + 0)
    assert sharpness(np.zeros((0, 0), np.uint8)) == 0.0


@pytest.mark.parametrize(("nose_x", "expected"), [(50.0, 1.0), (60.0, 0.5), (70.0, 0.0), (90.0, 0.0)])
def test_face_pose__nose_offset(nose_x: float, expected: float) -> None:
    marks = np.array([30, 40, 70, 40, nose_x, 60, 35, 80, 65, 80], np.float32)
    assert face_pose(marks) == pytest.approx(expected)


def test_best_shot__prefers_large_sharp_uncut() -> None:
    rng = np.random.default_rng(2)
    frame = rng.integers(0, 255, (200, 200, 3), dtype=np.uint8)
    shot = BestShot()
    assert shot.offer(frame, np.array([50, 50, 70, 70], np.float32), 0, 0.9)
    assert shot.offer(frame, np.array([50, 50, 150, 150], np.float32), 1, 0.9)
    assert not shot.offer(frame, np.array([0, 0, 100, 100], np.float32), 2, 0.9)  # cut by the edge
    assert shot.frame_index == 1
    assert touches_edge(np.array([0, 5, 10, 10], np.float32), (200, 200))
    assert shot_score(frame, np.array([50, 50, 150, 150], np.float32), pose=0.0) == 0.0
