"""IoU + Kalman multi-object tracker, ByteTrack-style: confident detections are matched first,
weak ones then rescue the remaining tracks; only confident unmatched detections start tracks.

State per track: centre x, y, aspect ratio w/h, height, and their velocities (constant velocity).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from scipy.optimize import linear_sum_assignment  # type: ignore[import-untyped]

from xueliang.analytics.detections import Detections, FloatArray, box_iou_batch, scale_boxes

Matrix = npt.NDArray[np.float64]


def xyxy_to_xyah(box: FloatArray) -> Matrix:
    w, h = box[2] - box[0], max(float(box[3] - box[1]), 1e-3)
    return np.array([box[0] + w / 2, box[1] + h / 2, w / h, h], np.float64)


def xyah_to_xyxy(state: Matrix) -> FloatArray:
    cx, cy, a, h = state[:4]
    w = a * h
    return np.array([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], np.float32)


class KalmanBox:
    """Constant-velocity Kalman filter on (cx, cy, a, h); noise scales with the box height."""

    F = np.eye(8) + np.eye(8, k=4)
    H = np.eye(4, 8)

    def __init__(self, box: FloatArray) -> None:
        self.x = np.concatenate([xyxy_to_xyah(box), np.zeros(4)])
        h = self.x[3]
        self.P = np.diag(np.square([h / 10, h / 10, 1e-2, h / 10, h / 6, h / 6, 1e-5, h / 6]))

    def predict(self) -> None:
        h = self.x[3]
        q = np.diag(np.square([h / 20, h / 20, 1e-2, h / 20, h / 160, h / 160, 1e-5, h / 160]))
        self.x = self.F @ self.x
        self.P = self.F @ self.P @ self.F.T + q

    def update(self, box: FloatArray) -> None:
        h = self.x[3]
        r = np.diag(np.square([h / 20, h / 20, 1e-1, h / 20]))
        s = self.H @ self.P @ self.H.T + r
        gain = self.P @ self.H.T @ np.linalg.inv(s)
        self.x = self.x + gain @ (xyxy_to_xyah(box) - self.H @ self.x)
        self.P = (np.eye(8) - gain @ self.H) @ self.P

    @property
    def box(self) -> FloatArray:
        return xyah_to_xyxy(self.x)


@dataclass
class Track:
    track_id: int
    class_id: int
    kalman: KalmanBox
    confidence: float
    hits: int = 1
    age: int = 0  # frames since the last matched detection
    frames: int = 1
    first_frame: int = 0
    last_frame: int = 0
    history: list[tuple[int, FloatArray]] = field(default_factory=list)  # matched detections
    path: list[tuple[int, FloatArray]] = field(default_factory=list)  # predicted box, every frame

    @property
    def box(self) -> FloatArray:
        return self.kalman.box


@dataclass(frozen=True)
class TrackerConfig:
    high: float = 0.5  # detections at or above start and first-match tracks
    low: float = 0.2  # detections below are ignored
    match_iou: float = 0.2
    min_hits: int = 2  # a track is confirmed (reported) after this many matches
    max_age: int = 15  # frames a track survives unmatched (coasting on its prediction)
    buffer: float = 2.0  # second pass: boxes grown this much (fast objects, skipped frames)


def _match(
    tracks: list[Track], dets: Detections, min_iou: float, buffer: float = 1.0
) -> tuple[list[tuple[int, int]], list[int]]:
    """Hungarian assignment on IoU (same class only) of boxes grown by ``buffer`` (C-BIoU: a buffered
    second pass catches objects that moved more than their width between detections); returns pairs
    and unmatched detection indices."""
    if not tracks or not len(dets):
        return [], list(range(len(dets)))
    boxes = np.stack([t.box for t in tracks])
    iou = box_iou_batch(scale_boxes(boxes, buffer), scale_boxes(dets.xyxy, buffer))
    same = np.array([t.class_id for t in tracks])[:, None] == dets.class_id[None, :]
    iou = np.where(same, iou, 0.0)
    rows, cols = linear_sum_assignment(-iou)
    pairs = [(int(r), int(c)) for r, c in zip(rows, cols, strict=True) if iou[r, c] >= min_iou]
    matched = {c for _, c in pairs}
    return pairs, [i for i in range(len(dets)) if i not in matched]


def _unmatched(tracks: list[Track], pairs: list[tuple[int, int]]) -> list[Track]:
    taken = {p for p, _ in pairs}
    return [t for i, t in enumerate(tracks) if i not in taken]


class Tracker:
    def __init__(self, config: TrackerConfig | None = None) -> None:
        self.config = config or TrackerConfig()
        self.tracks: list[Track] = []
        self.finished: list[Track] = []
        self.frame = 0
        self._next_id = 1

    def predict(self) -> None:
        """Advance every track one frame without detections (a frame the gate skipped)."""
        self.frame += 1
        for t in self.tracks:
            t.kalman.predict()
            t.age += 1
            t.path.append((self.frame, t.box))
        self._retire()

    def nudge(self, track: Track, box: FloatArray) -> None:
        """A weak measurement between detections (``carry.py``): corrects the Kalman state and this
        frame's predicted box; hits, age and history (the detector's) are unchanged."""
        track.kalman.update(box)
        if track.path and track.path[-1][0] == self.frame:
            track.path[-1] = (self.frame, track.box)

    def update(self, dets: Detections) -> Detections:
        """One frame's detections → the same detections with ``tracker_id`` (0 = unconfirmed)."""
        self.predict()
        ids = np.zeros(len(dets), np.int64)
        high = np.flatnonzero(dets.confidence >= self.config.high)
        low = np.flatnonzero((dets.confidence >= self.config.low) & (dets.confidence < self.config.high))
        pairs, unmatched = _match(self.tracks, dets[high], self.config.match_iou)
        self._apply(pairs, self.tracks, dets, high, ids)
        rest = _unmatched(self.tracks, pairs)
        left = high[unmatched]
        pairs, unmatched = _match(rest, dets[left], self.config.match_iou, self.config.buffer)
        self._apply(pairs, rest, dets, left, ids)
        rest = _unmatched(rest, pairs)
        pairs_low, _ = _match(rest, dets[low], self.config.match_iou)
        self._apply(pairs_low, rest, dets, low, ids)
        for j in unmatched:
            ids[left[j]] = self._start(dets, int(left[j]))
        out = dets[np.arange(len(dets))]
        out.tracker_id = ids
        return out

    def _apply(
        self,
        pairs: list[tuple[int, int]],
        tracks: list[Track],
        dets: Detections,
        index: npt.NDArray[np.intp],
        ids: npt.NDArray[np.int64],
    ) -> None:
        for ti, dj in pairs:
            track, k = tracks[ti], int(index[dj])
            track.kalman.update(dets.xyxy[k])
            track.hits, track.age, track.last_frame = track.hits + 1, 0, self.frame
            track.confidence = max(track.confidence, float(dets.confidence[k]))
            track.history.append((self.frame, dets.xyxy[k].copy()))
            ids[k] = track.track_id if track.hits >= self.config.min_hits else 0

    def _start(self, dets: Detections, k: int) -> int:
        track = Track(
            track_id=self._next_id,
            class_id=int(dets.class_id[k]),
            kalman=KalmanBox(dets.xyxy[k]),
            confidence=float(dets.confidence[k]),
            first_frame=self.frame,
            last_frame=self.frame,
            history=[(self.frame, dets.xyxy[k].copy())],
        )
        self._next_id += 1
        self.tracks.append(track)
        return track.track_id if self.config.min_hits <= 1 else 0

    def _retire(self) -> None:
        alive = [t for t in self.tracks if t.age <= self.config.max_age]
        self.finished += [
            t for t in self.tracks if t.age > self.config.max_age and t.hits >= self.config.min_hits
        ]
        self.tracks = alive

    def flush(self) -> list[Track]:
        """End every track (end of stream); returns all confirmed tracks seen."""
        self.finished += [t for t in self.tracks if t.hits >= self.config.min_hits]
        self.tracks = []
        return self.finished

    @property
    def confirmed_boxes(self) -> FloatArray:
        boxes = [t.box for t in self.tracks if t.hits >= self.config.min_hits]
        return np.stack(boxes) if boxes else np.zeros((0, 4), np.float32)
