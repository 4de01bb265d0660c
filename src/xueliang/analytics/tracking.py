"""One camera's detection loop: motion gate → (maybe) detector → tracker → best shot per track.

The gate decides when the detector runs: never without motion; when every moving region is already
explained by a confirmed track or lies in the area searched at the last detection, the tracks coast
on their Kalman predictions and the detector runs only every ``refresh`` frames; motion elsewhere
(something new) triggers it at once. The
detector sees one crop: the union of the moving regions (``naive=True`` runs it on every full frame,
the baseline of bench/analytics.py).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from xueliang.analytics.bestshot import BestShot
from xueliang.analytics.detections import Detections
from xueliang.analytics.detectors import Detector, detect_in_region
from xueliang.analytics.motion import MotionConfig, MotionGate, covered, union_box
from xueliang.analytics.tracker import Track, Tracker, TrackerConfig

Image = npt.NDArray[np.uint8]
Locate = Callable[[Image, npt.NDArray[np.float32]], Detections]


@dataclass
class FinishedTrack:
    track: Track
    shot: BestShot


@dataclass
class StageTimes:
    seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, stage: str, started: float) -> None:
        self.seconds[stage] += time.perf_counter() - started
        self.counts[stage] += 1

    def mean_ms(self) -> dict[str, float]:
        return {k: 1000 * v / max(self.counts[k], 1) for k, v in self.seconds.items()}


class CameraTracker:
    def __init__(
        self,
        detector: Detector,
        *,
        naive: bool = False,
        refresh: int = 6,
        confirm: int = 0,
        motion: MotionConfig | None = None,
        tracker: TrackerConfig | None = None,
        locate: Locate | None = None,
    ) -> None:
        """``locate(frame, region)`` searches one region (default: the detector on its crop; the
        pipeline passes the detector pool's, which reads the frame from shared memory). ``confirm``
        (0 = off): when the last detection started or matched a tentative track (fewer matches than the
        tracker's ``min_hits``), detect again ``confirm`` frames later instead of ``refresh``, so that
        short tracks are confirmed before they end."""
        self.detector, self.naive, self.refresh, self.confirm = detector, naive, refresh, confirm
        self.locate: Locate = locate or (lambda frame, region: detect_in_region(detector, frame, region))
        self.gate = MotionGate(motion)
        self.tracker = Tracker(tracker)
        self.shots: dict[int, BestShot] = {}
        self.since_detection = 0
        self.checked = np.zeros((0, 4), np.float32)  # searched at the last detection: nothing new there
        self.detector_calls = 0
        self.times = StageTimes()

    def _should_detect(self, regions: npt.NDArray[np.float32]) -> bool:
        if self.naive:
            return True
        if len(regions) == 0:
            return False
        if self.since_detection + 1 >= self._interval():
            return True
        return not covered(regions, np.concatenate([self.tracker.confirmed_boxes, self.checked]))

    def _interval(self) -> int:
        """Frames between detections: ``confirm`` after a detection that started or matched a still
        tentative track (one more look at it), else ``refresh``."""
        needed, since = self.tracker.config.min_hits, self.since_detection
        tentative = any(t.hits < needed and t.age == since for t in self.tracker.tracks)
        if self.confirm and tentative:
            return min(self.confirm, self.refresh)
        return self.refresh

    def _detect(self, frame: Image, regions: npt.NDArray[np.float32]) -> Detections:
        started = time.perf_counter()
        self.detector_calls += 1
        if self.naive:
            found = self.detector.detect(frame)
        else:
            self.checked = union_box(regions)[None]
            found = self.locate(frame, self.checked[0])
        self.times.add("detect", started)
        return found

    def feed(self, frame: Image) -> list[FinishedTrack]:
        """Process one frame; returns the tracks that ended with it."""
        started = time.perf_counter()
        regions = self.gate.regions(frame) if not self.naive else np.zeros((0, 4), np.float32)
        self.times.add("motion", started)
        if self._should_detect(regions):
            dets = self._detect(frame, regions)
            started = time.perf_counter()
            tracked = self.tracker.update(dets)
            self._offer(frame, tracked)
            self.since_detection = 0
            self.times.add("track", started)
        else:
            self.tracker.predict()
            self.since_detection += 1
        return self._finished()

    def _offer(self, frame: Image, tracked: Detections) -> None:
        if tracked.tracker_id is None:
            return
        for i, tid in enumerate(tracked.tracker_id.tolist()):
            if tid:
                shot = self.shots.setdefault(tid, BestShot())
                shot.offer(frame, tracked.xyxy[i], self.tracker.frame, float(tracked.confidence[i]))

    def _finished(self) -> list[FinishedTrack]:
        done = [t for t in self.tracker.finished if t.track_id in self.shots]
        self.tracker.finished = []
        return [FinishedTrack(t, self.shots.pop(t.track_id)) for t in done]

    def flush(self) -> list[FinishedTrack]:
        self.tracker.flush()
        return self._finished()
