"""Best shot per track: the crop that is largest, sharpest and most frontal, not cut by the frame."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from xueliang.analytics.detections import FloatArray, crop

Image = npt.NDArray[np.uint8]


def sharpness(image: Image) -> float:
    """Variance of the Laplacian of the grey image (higher = sharper); 0 for an empty crop."""
    if image.size == 0:
        return 0.0
    grey = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    return float(cv2.Laplacian(grey, cv2.CV_64F).var())


def face_pose(landmarks: FloatArray) -> float:
    """Frontalness from YuNet's five landmarks (right eye, left eye, nose, mouth corners): 1 when the
    nose sits midway between the eyes, falling to 0 for a profile."""
    eyes_mid = (landmarks[0] + landmarks[2]) / 2
    eye_span = abs(landmarks[2] - landmarks[0])
    if eye_span < 1e-3:
        return 0.0
    return float(max(0.0, 1.0 - abs(landmarks[4] - eyes_mid) / (eye_span / 2)))


def touches_edge(box: FloatArray, resolution_wh: tuple[int, int], margin: float = 2.0) -> bool:
    width, height = resolution_wh
    return bool(box[0] <= margin or box[1] <= margin or box[2] >= width - margin or box[3] >= height - margin)


def shot_score(frame: Image, box: FloatArray, pose: float = 1.0) -> float:
    """sqrt(area) × log(1 + sharpness) × pose, halved when the box is cut by the frame edge."""
    width, height = frame.shape[1], frame.shape[0]
    area = float((box[2] - box[0]) * (box[3] - box[1]))
    score = np.sqrt(max(area, 0.0)) * np.log1p(sharpness(crop(frame, box))) * pose
    return float(score * (0.5 if touches_edge(box, (width, height)) else 1.0))


@dataclass
class BestShot:
    """The best frame of one track so far (kept as a copy: the shared frame buffer is reused)."""

    score: float = -1.0
    frame: Image | None = None
    box: FloatArray | None = None
    frame_index: int = -1
    confidence: float = 0.0

    def offer(
        self, frame: Image, box: FloatArray, frame_index: int, confidence: float, pose: float = 1.0
    ) -> bool:
        score = shot_score(frame, box, pose)
        if score <= self.score:
            return False
        self.score, self.frame, self.box = score, frame.copy(), box.copy()
        self.frame_index, self.confidence = frame_index, confidence
        return True
