"""Carrying tracks between detector calls by appearance (normalised cross-correlation).

At each detection a track's grey crop is kept as its template. On the frames the gate lets pass
without a detection, the template is searched around the track's Kalman prediction; a good match
whose centre lies in a moving region corrects the track's state (position and, over a few frames,
velocity), so the next detection finds the track where the object is instead of where a track of one
detection (no velocity yet) would put it. A carried frame is never a hit: tracks are confirmed by the
detector only, which keeps the gate's tracks as precise as the detector's.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from xueliang.analytics.detections import FloatArray
from xueliang.analytics.motion import covered
from xueliang.analytics.tracker import Track, Tracker

Grey = npt.NDArray[np.uint8]


@dataclass(frozen=True)
class CarryConfig:
    min_score: float = 0.5  # TM_CCOEFF_NORMED of the template at its best place
    max_age: int = 8  # frames after its last detection a track is still carried
    margin: float = 1.0  # search window: the box grown by this many widths sideways, half as many heights
    min_texture: float = 8.0  # grey-level standard deviation below which a crop matches anywhere: not kept
    max_height: int = 48  # taller templates are matched with their window scaled down to this height


class Carrier:
    def __init__(self, config: CarryConfig | None = None) -> None:
        self.config = config or CarryConfig()
        self.templates: dict[int, Grey] = {}
        self.carried = 0

    def remember(self, grey: Grey, tracks: list[Track]) -> None:
        """Keep the crop of every track matched (or started) by this frame's detection."""
        live = {t.track_id for t in tracks}
        self.templates = {k: v for k, v in self.templates.items() if k in live}
        for t in tracks:
            if t.age == 0 and t.history:
                x1, y1, x2, y2 = np.maximum(t.history[-1][1], 0).astype(int)
                crop = grey[y1:y2, x1:x2]
                if min(crop.shape) >= 4 and float(crop.std()) >= self.config.min_texture:
                    self.templates[t.track_id] = crop.copy()
                else:
                    self.templates.pop(t.track_id, None)

    def carry(self, grey: Grey, tracker: Tracker, regions: FloatArray) -> int:
        """Correct the tracks found again in this (undetected) frame; returns how many."""
        if len(regions) == 0:
            return 0
        done = 0
        for t in tracker.tracks:
            template = self.templates.get(t.track_id)
            if template is None or t.age > self.config.max_age:
                continue
            box = self._search(grey, t.box, template)
            if box is not None and covered(box[None], regions, 0.0):
                tracker.nudge(t, box)
                done += 1
        self.carried += done
        return done

    def _search(self, grey: Grey, predicted: FloatArray, template: Grey) -> FloatArray | None:
        th, tw = template.shape
        cx, cy = (predicted[0] + predicted[2]) / 2, (predicted[1] + predicted[3]) / 2
        mx, my = tw * self.config.margin + 4, th * self.config.margin / 2 + 4
        x1, y1 = int(max(cx - tw / 2 - mx, 0)), int(max(cy - th / 2 - my, 0))
        x2, y2 = int(min(cx + tw / 2 + mx, grey.shape[1])), int(min(cy + th / 2 + my, grey.shape[0]))
        if x2 - x1 < tw or y2 - y1 < th:
            return None
        window, scale = grey[y1:y2, x1:x2], min(1.0, self.config.max_height / th)
        if scale < 1.0:
            window = _scaled(window, scale)
            template = _scaled(template, scale)
            if window.shape[0] < template.shape[0] or window.shape[1] < template.shape[1]:
                return None
        scores = cv2.matchTemplate(window, template, cv2.TM_CCOEFF_NORMED)
        _, best, _, (bx, by) = cv2.minMaxLoc(scores)
        if best < self.config.min_score:
            return None
        x, y = x1 + bx / scale, y1 + by / scale
        return np.array([x, y, x + tw, y + th], np.float32)


def _scaled(image: Grey, scale: float) -> Grey:
    return np.asarray(cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA), np.uint8)
