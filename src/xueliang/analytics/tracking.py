"""One camera's detection loop: motion gate → (maybe) detector → tracker → best shot per track.

The gate decides when the detector runs: never without motion; when every moving region is already
explained by a confirmed track or lies in the area searched at the last detection, the tracks coast
on their Kalman predictions and the detector runs only every ``refresh`` frames; motion elsewhere
(something new) triggers it at once. The
detector sees one crop: the union of the moving regions grown to the frame's aspect ratio
(``naive=True`` runs it on every full frame, the baseline of bench/analytics.py). Between detections
the tracks are carried by appearance (``carry.py``) so that the next detection finds them.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from xueliang.analytics.bestshot import BestShot
from xueliang.analytics.carry import Carrier, CarryConfig
from xueliang.analytics.detections import Detections
from xueliang.analytics.detectors import Detector, detect_in_region
from xueliang.analytics.motion import MotionConfig, MotionGate, covered, fit_aspect, union_box
from xueliang.analytics.tracker import Track, Tracker, TrackerConfig

Image = npt.NDArray[np.uint8]
Locate = Callable[[Image, npt.NDArray[np.float32]], Detections]


@dataclass
class FinishedTrack:
    track: Track
    shot: BestShot


STAGE_BUCKETS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0)  # seconds, + ∞


@dataclass
class StageTimes:
    """Per stage: total seconds, calls and a latency histogram (``STAGE_BUCKETS``, cumulative per
    bucket as Prometheus has them; the last count is +∞ = all calls)."""

    seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    buckets: dict[str, list[int]] = field(default_factory=dict)

    def add(self, stage: str, started: float) -> None:
        took = time.perf_counter() - started
        self.seconds[stage] += took
        self.counts[stage] += 1
        counts = self.buckets.setdefault(stage, [0] * (len(STAGE_BUCKETS) + 1))
        for i, bound in enumerate(STAGE_BUCKETS):
            if took <= bound:
                counts[i] += 1
        counts[-1] += 1

    def histograms(self) -> dict[str, dict[str, Any]]:
        """A copy fit for JSON: ``{stage: {"buckets": [...], "sum": seconds, "count": n}}``."""
        return {
            stage: {"buckets": list(counts), "sum": round(self.seconds[stage], 6), "count": counts[-1]}
            for stage, counts in list(self.buckets.items())
        }

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
        carry: CarryConfig | None = CarryConfig(),
        keep_aspect: bool = True,
    ) -> None:
        """``locate(frame, region)`` searches one region (default: the detector on its crop; the
        pipeline passes the detector pool's, which reads the frame from shared memory). ``confirm``
        (0 = off): when the last detection started or matched a tentative track (fewer matches than the
        tracker's ``min_hits``), detect again ``confirm`` frames later instead of ``refresh``, so that
        short tracks are confirmed before they end. ``carry`` (None = off): carry tracks by appearance
        between detections. ``keep_aspect``: grow the crop to the frame's aspect ratio."""
        self.detector, self.naive, self.refresh, self.confirm = detector, naive, refresh, confirm
        self.locate: Locate = locate or (lambda frame, region: detect_in_region(detector, frame, region))
        self.gate = MotionGate(motion)
        self.tracker = Tracker(tracker)
        self.carrier = Carrier(carry) if carry and not naive else None
        self.keep_aspect = keep_aspect
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
            region = self.checked[0]
            if self.keep_aspect:
                region = fit_aspect(region, frame.shape[1], frame.shape[0])
            found = self.locate(frame, region)
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
            if self.carrier:
                self.carrier.remember(_grey(frame), self.tracker.tracks)
            self.times.add("track", started)
        else:
            self.tracker.predict()
            self.since_detection += 1
            if self.carrier and self.carrier.templates and len(regions):
                started = time.perf_counter()
                self.carrier.carry(_grey(frame), self.tracker, regions)
                self.times.add("carry", started)
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


def _grey(frame: Image) -> Image:
    if frame.ndim == 2:
        return frame
    return np.asarray(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY), np.uint8)
