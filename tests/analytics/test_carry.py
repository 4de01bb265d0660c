from __future__ import annotations

import numpy as np

from xueliang.analytics.carry import Carrier, CarryConfig
from xueliang.analytics.detections import Detections
from xueliang.analytics.tracker import Tracker

RNG = np.random.default_rng(3)
SPRITE = RNG.integers(0, 255, (60, 30), dtype=np.uint8)  # a textured object (its own crop is its template)


def _grey(x: int, sprite: np.ndarray = SPRITE) -> np.ndarray:
    frame = np.full((240, 320), 80, np.uint8)
    frame[90:150, x : x + 30] = sprite
    return frame


def _tracker_at(x: int) -> Tracker:
    tracker = Tracker()
    tracker.update(Detections.from_arrays([[x, 90, x + 30, 150]], [0.9], [0]))
    return tracker


def _everywhere() -> np.ndarray:
    return np.array([[0, 0, 320, 240]], np.float32)


def test_carrier__follows_a_moving_object_and_learns_its_velocity() -> None:
    tracker, carrier = _tracker_at(100), Carrier()
    carrier.remember(_grey(100), tracker.tracks)
    for step in range(1, 5):
        tracker.predict()
        assert carrier.carry(_grey(100 + 12 * step), tracker, _everywhere()) == 1
    (track,) = tracker.tracks
    assert abs(float(track.box[0]) - 148) < 8
    assert track.kalman.x[4] > 5  # moving right: the next detection is looked for where the object is


def test_carrier__carried_frames_are_not_hits() -> None:
    tracker, carrier = _tracker_at(100), Carrier()
    carrier.remember(_grey(100), tracker.tracks)
    tracker.predict()
    carrier.carry(_grey(110), tracker, _everywhere())
    (track,) = tracker.tracks
    assert (track.hits, track.age, len(track.history)) == (1, 1, 1)
    assert abs(float(track.path[-1][1][0]) - 110) < 6  # the frame's box is the corrected one


def test_carrier__needs_motion_at_the_match() -> None:
    tracker, carrier = _tracker_at(100), Carrier()
    carrier.remember(_grey(100), tracker.tracks)
    tracker.predict()
    elsewhere = np.array([[250, 0, 320, 60]], np.float32)
    assert carrier.carry(_grey(110), tracker, elsewhere) == 0
    assert carrier.carry(_grey(110), tracker, np.zeros((0, 4), np.float32)) == 0


def test_carrier__a_different_object_is_not_carried() -> None:
    tracker, carrier = _tracker_at(100), Carrier()
    carrier.remember(_grey(100), tracker.tracks)
    tracker.predict()
    other = RNG.integers(0, 255, (60, 30), dtype=np.uint8)
    assert carrier.carry(_grey(104, other), tracker, _everywhere()) == 0


def test_carrier__stops_after_max_age_and_forgets_retired_tracks() -> None:
    tracker, carrier = _tracker_at(100), Carrier(CarryConfig(max_age=2))
    carrier.remember(_grey(100), tracker.tracks)
    carried = []
    for step in range(1, 5):
        tracker.predict()
        carried.append(carrier.carry(_grey(100 + 5 * step), tracker, _everywhere()))
    assert carried == [1, 1, 0, 0]
    carrier.remember(_grey(0), [])
    assert carrier.templates == {}


def test_carrier__a_tall_object_is_matched_at_reduced_scale() -> None:
    tall = RNG.integers(0, 255, (150, 60), dtype=np.uint8)  # taller than max_height (48)
    frames = [np.full((240, 320), 80, np.uint8) for _ in range(2)]
    frames[0][40:190, 100:160] = tall
    frames[1][40:190, 114:174] = tall
    tracker = Tracker()
    tracker.update(Detections.from_arrays([[100, 40, 160, 190]], [0.9], [0]))
    carrier = Carrier()
    carrier.remember(frames[0], tracker.tracks)
    tracker.predict()
    assert carrier.carry(frames[1], tracker, _everywhere()) == 1
    (track,) = tracker.tracks
    assert abs(float(track.path[-1][1][0]) - 114) < 6
