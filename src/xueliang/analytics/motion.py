"""Motion gate: compare each frame, downscaled and blurred, to a running background; yield the
regions (full-frame pixels) where something moved. Detection runs only there (after Frigate)."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from xueliang.analytics.detections import FloatArray

Image = npt.NDArray[np.uint8]


@dataclass(frozen=True)
class MotionConfig:
    width: int = 160  # frames are downscaled to this width before comparison
    threshold: int = 25  # grey-level difference that counts as change
    min_area: float = 0.0015  # smallest moving blob, as a fraction of the frame
    alpha: float = 0.05  # background learning rate
    padding: float = 0.1  # regions grow by this fraction of the frame's smaller side


class MotionGate:
    def __init__(self, config: MotionConfig | None = None) -> None:
        self.config = config or MotionConfig()
        self.background: npt.NDArray[np.float32] | None = None

    def _small(self, frame: Image) -> npt.NDArray[np.float32]:
        scale = self.config.width / frame.shape[1]
        grey = frame if frame.ndim == 2 else cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        small = cv2.resize(grey, (self.config.width, max(1, round(frame.shape[0] * scale))))
        return cv2.GaussianBlur(small, (5, 5), 0).astype(np.float32)

    def regions(self, frame: Image) -> FloatArray:
        """Moving regions of ``frame`` as (n, 4) xyxy in frame pixels; none on the first frame."""
        small = self._small(frame)
        if self.background is None or self.background.shape != small.shape:
            self.background = small
            return np.zeros((0, 4), np.float32)
        diff = cv2.absdiff(small, self.background)
        cv2.accumulateWeighted(small, self.background, self.config.alpha)
        mask = cv2.dilate(
            (diff > self.config.threshold).astype(np.uint8), np.ones((3, 3), np.uint8), iterations=2
        )
        contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        min_area = self.config.min_area * small.shape[0] * small.shape[1]
        boxes = [cv2.boundingRect(c) for c in contours if cv2.contourArea(c) >= min_area]
        if not boxes:
            return np.zeros((0, 4), np.float32)
        xywh = np.array(boxes, np.float32)
        xyxy = np.concatenate([xywh[:, :2], xywh[:, :2] + xywh[:, 2:]], axis=1)
        return self._to_frame(xyxy, frame.shape[1] / self.config.width, frame.shape[:2])

    def _to_frame(self, xyxy: FloatArray, scale: float, hw: tuple[int, ...]) -> FloatArray:
        pad = self.config.padding * min(hw)
        out = xyxy * scale + np.array([-pad, -pad, pad, pad], np.float32)
        out[:, [0, 2]] = out[:, [0, 2]].clip(0, hw[1])
        out[:, [1, 3]] = out[:, [1, 3]].clip(0, hw[0])
        return out.astype(np.float32)


def union_box(regions: FloatArray) -> FloatArray:
    """The one box covering every region (detection then costs one call per frame)."""
    return np.array([*regions[:, :2].min(axis=0), *regions[:, 2:].max(axis=0)], np.float32)


def covered(regions: FloatArray, boxes: FloatArray, margin: float = 0.25) -> bool:
    """Whether every region's centre lies inside one of ``boxes`` grown by ``margin``: motion that
    the current tracks already explain needs no new detection."""
    if len(regions) == 0:
        return True
    if len(boxes) == 0:
        return False
    size = boxes[:, 2:] - boxes[:, :2]
    grown = np.concatenate([boxes[:, :2] - size * margin, boxes[:, 2:] + size * margin], axis=1)
    centres = (regions[:, :2] + regions[:, 2:]) / 2
    inside = (
        (centres[:, None, 0] >= grown[None, :, 0])
        & (centres[:, None, 0] <= grown[None, :, 2])
        & (centres[:, None, 1] >= grown[None, :, 1])
        & (centres[:, None, 1] <= grown[None, :, 3])
    )
    return bool(inside.any(axis=1).all())


def fit_aspect(box: FloatArray, width: int, height: int) -> FloatArray:
    """``box`` grown about its centre (kept inside the frame) to the frame's aspect ratio, so that
    the detector sees a crop of the same proportions as the full frame (a wide strip squeezed into
    its square input misses people a full-frame look finds)."""
    x1, y1, x2, y2 = (float(v) for v in box)
    w, h = max(x2 - x1, 1.0), max(y2 - y1, 1.0)
    if w / h > width / height:
        h = min(w * height / width, height)
        y1 = max(0.0, min((y1 + y2 - h) / 2, height - h))
        y2 = y1 + h
    else:
        w = min(h * width / height, width)
        x1 = max(0.0, min((x1 + x2 - w) / 2, width - w))
        x2 = x1 + w
    return np.array([x1, y1, x2, y2], np.float32)
