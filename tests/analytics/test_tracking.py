from __future__ import annotations

import numpy as np

from xueliang.analytics.carry import CarryConfig
from xueliang.analytics.detections import Detections
from xueliang.analytics.detectors import FakeDetector
from xueliang.analytics.tracking import CameraTracker


def _scene(x: int | None) -> np.ndarray:
    frame = np.full((240, 320, 3), 80, np.uint8)
    if x is not None:
        frame[100:160, x : x + 40] = 220
    return frame


def _boxer(n: int, image: np.ndarray) -> Detections:
    """A fake detector that boxes the bright square wherever it is in the image it is given."""
    ys, xs = np.nonzero(image[:, :, 0] > 200)
    if len(xs) == 0:
        return Detections.empty()
    return Detections.from_arrays([[xs.min(), ys.min(), xs.max() + 1, ys.max() + 1]], [0.9], [2])


def test_camera_tracker__static_scene_never_calls_the_detector() -> None:
    camera = CameraTracker(FakeDetector(_boxer))
    for _ in range(20):
        camera.feed(_scene(None))
    assert camera.detector_calls == 0


def test_camera_tracker__gate_calls_fewer_times_than_naive_and_finds_the_track() -> None:
    frames = [_scene(None)] * 5 + [_scene(10 + 6 * f) for f in range(40)] + [_scene(None)] * 30
    results = {}
    for naive in (True, False):
        camera = CameraTracker(FakeDetector(_boxer), naive=naive, refresh=6)
        finished = [t for frame in frames for t in camera.feed(frame)] + camera.flush()
        results[naive] = (camera.detector_calls, finished)
    assert results[True][0] == len(frames)
    assert results[False][0] * 5 <= results[True][0]
    (gated,) = results[False][1]
    assert gated.shot.frame is not None
    assert gated.shot.box is not None
    assert gated.track.class_id == 2


def test_camera_tracker__confirm_catches_an_object_gone_before_the_next_refresh() -> None:
    frames = [_scene(None)] * 5 + [_scene(100 + 4 * f) for f in range(4)] + [_scene(None)] * 20
    found = {}
    for confirm in (0, 1):
        camera = CameraTracker(FakeDetector(_boxer), refresh=6, confirm=confirm)
        finished = [t for frame in frames for t in camera.feed(frame)] + camera.flush()
        found[confirm] = (len(finished), camera.detector_calls)
    assert found[0][0] == 0  # seen once, tentative, never confirmed: lost
    assert found[1][0] == 1  # one more look the next frame confirms it
    assert found[1][1] <= found[0][1] + 2


def _textured(x: int | None) -> np.ndarray:
    """A bright-edged object with texture inside (a template can find it; ``_boxer`` boxes it)."""
    frame = np.full((240, 320, 3), 80, np.uint8)
    if x is not None:
        frame[100:160, x : x + 30, 0] = 255
        frame[100:160, x : x + 30, 1:] = np.random.default_rng(5).integers(
            0, 255, (60, 30, 2), dtype=np.uint8
        )
    return frame


def test_camera_tracker__carry_links_a_fast_object_across_detections() -> None:
    """An object moving more than its width between detections: a track of one detection has no
    velocity, so without carry each detection starts a new tentative track and none is confirmed."""
    frames = [_textured(None)] * 5 + [_textured(10 + 9 * f) for f in range(30)] + [_textured(None)] * 20
    found = {}
    for carry in (None, CarryConfig()):
        camera = CameraTracker(FakeDetector(_boxer), refresh=6, carry=carry)
        finished = [t for frame in frames for t in camera.feed(frame)] + camera.flush()
        found[carry is not None] = (len(finished), camera.detector_calls)
    assert found[False][0] == 0
    assert found[True][0] == 1
    assert found[True][1] <= found[False][1]
