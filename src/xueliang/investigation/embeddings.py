"""Embeddings of records and images: the stored FeatureInfoObject of a record, or an extractor for
an uploaded image. Structurization does not exist yet: the only real extractor says so (422); tests
install a fake. The app's vector indexes (one per record kind) live here too."""

from __future__ import annotations

import base64
import binascii
import io
import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PIL import Image, UnidentifiedImageError

from xueliang.core.config import Settings
from xueliang.core.exceptions import InvalidInputError
from xueliang.investigation.vectors import VectorIndex, normalise, open_index
from xueliang.investigation.vectors.base import F32

DIM = 128  # the simulator's and the expected extractor's embedding size
INDEXED_KINDS = ("face", "motor_vehicle")


def decode_feature(data: str) -> F32 | None:
    """base64 little-endian float16 (or float32) → a normalised float32 vector; None if unusable."""
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        return None
    if len(raw) == DIM * 2:
        vec = np.frombuffer(raw, dtype="<f2").astype(np.float32)
    elif len(raw) == DIM * 4:
        vec = np.frombuffer(raw, dtype="<f4").astype(np.float32)
    else:
        return None
    return normalise(vec)[0] if np.isfinite(vec).all() and vec.any() else None


def encode_feature(vec: F32) -> str:
    return base64.b64encode(normalise(vec)[0].astype("<f2").tobytes()).decode()


def feature_of(raw: dict[str, Any]) -> F32 | None:
    info = raw.get("FeatureInfoObject")
    data = info.get("FeatureData") if isinstance(info, dict) else None
    return decode_feature(data) if isinstance(data, str) else None


def read_image(data: bytes) -> Image.Image:
    """The uploaded picture, or 422 saying it cannot be read."""
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise InvalidInputError("the image cannot be read (JPEG or PNG expected)", field="image") from exc
    return image


class EmbeddingExtractor(ABC):
    """image → embedding (faces: of the most prominent face; 422 when none is found)."""

    @abstractmethod
    def extract(self, *, kind: str, image: Image.Image) -> F32: ...


class NoExtractor(EmbeddingExtractor):
    def extract(self, *, kind: str, image: Image.Image) -> F32:
        raise InvalidInputError(
            "no extractor installed: structurization is not available on this platform yet; "
            "search from a stored record instead (record_id)",
            field="image",
        )


@dataclass
class Vectors:
    """The app's vector indexes, opened on first use; the extractor in use."""

    settings: Settings
    extractor: EmbeddingExtractor = field(default_factory=NoExtractor)
    indexes: dict[str, VectorIndex] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def index(self, kind: str) -> VectorIndex:
        with self._lock:
            if kind not in self.indexes:
                s = self.settings
                self.indexes[kind] = open_index(
                    type=s.vector_index_type, name=kind, dim=DIM, data_dir=s.data_dir, url=s.vector_index_url,
                    exact_below=s.vector_exact_below,
                )  # fmt: skip
            return self.indexes[kind]

    def save(self) -> None:
        for index in list(self.indexes.values()):
            index.save()

    def close(self) -> None:
        for index in list(self.indexes.values()):
            index.close()
        self.indexes.clear()


def vectors_of(state: Any) -> Vectors:
    vectors: Vectors | None = getattr(state, "vectors", None)
    if vectors is None:
        vectors = Vectors(settings=state.settings)
        state.vectors = vectors
    return vectors


def image_bytes(data: str) -> bytes:
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidInputError("image is not valid base64", field="image") from exc
