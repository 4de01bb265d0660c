"""Extractors: plugins keyed by ``name`` that describe one subject (a best shot) with GA/T 1400 fields.

Each returns a dict of fields for the record (empty when it finds nothing it trusts: an image too
small for a face or a plate yields no field rather than a wrong one). Embeddings travel as
``FeatureInfoObject`` (base64 float32) on the subject's image. Never ethnicity or other sensitive traits.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from xueliang.analytics.detections import FloatArray

Image = npt.NDArray[np.uint8]

# The one definition of each record kind's embedding size, shared with the investigation's vector
# indexes (which must hold the vectors written here): SFace faces; EfficientNet-Lite3 vehicles, whose
# 1280-d features are reduced where they are made (``reduction``: a fixed orthonormal projection) so
# that 10M vehicles take 10 GB instead of 51 GB. Dimension chosen by measurement (docs/analytics.md).
FACE_DIM = 128
EFFICIENTNET_DIM = 1280
VEHICLE_DIM = 256
EMBEDDING_DIM = {"face": FACE_DIM, "motor_vehicle": VEHICLE_DIM}


@dataclass
class Subject:
    """One thing to describe: its record kind, the frame it was best seen in, and its box there."""

    kind: str  # motor_vehicle | face | person | non_motor_vehicle
    frame: Image
    box: FloatArray
    class_id: int = -1


class Extractor(Protocol):
    name: str
    kinds: frozenset[str]

    def extract(self, subject: Subject) -> dict[str, Any]: ...


def feature_info(vector: npt.NDArray[np.float32], algorithm: str) -> dict[str, str]:
    return {
        "Vendor": "xueliang",
        "AlgorithmVersion": algorithm,
        "FeatureData": base64.b64encode(vector.astype("<f4").tobytes()).decode(),
    }


def feature_vector(info: dict[str, str]) -> npt.NDArray[np.float32]:
    return np.frombuffer(base64.b64decode(info["FeatureData"]), "<f4").copy()


def normalised(vector: npt.NDArray[Any]) -> npt.NDArray[np.float32]:
    v = vector.astype(np.float32).reshape(-1)
    norm = float(np.linalg.norm(v))
    return v / norm if norm > 0 else v


EXTRACTORS: dict[str, Callable[[], Extractor]] = {}


def register(name: str) -> Callable[[Callable[[], Extractor]], Callable[[], Extractor]]:
    def add(factory: Callable[[], Extractor]) -> Callable[[], Extractor]:
        EXTRACTORS[name] = factory
        return factory

    return add


def make_extractors(names: list[str]) -> list[Extractor]:
    from xueliang.analytics.extractors import colour, face, plate, vehicle  # noqa: F401  (registers)
    from xueliang.core.exceptions import ConfigurationError

    unknown = sorted(set(names) - set(EXTRACTORS))
    if unknown:
        raise ConfigurationError(f"unknown extractors {unknown}; known: {sorted(EXTRACTORS)}")
    return [EXTRACTORS[n]() for n in names]
