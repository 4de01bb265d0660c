"""Embeddings of records and images: the stored FeatureInfoObject of a record (on the object, or on
one of its images as structurization writes it), or an extractor's for an uploaded image
(``investigation.extractors``). The app's vector indexes (one per record kind) live here too."""

from __future__ import annotations

import base64
import binascii
import io
import logging
import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PIL import Image, UnidentifiedImageError

from xueliang.analytics.extractors import EMBEDDING_DIM
from xueliang.core.config import Settings
from xueliang.core.exceptions import InvalidInputError
from xueliang.investigation.extractors import EmbeddingExtractor as EmbeddingExtractor
from xueliang.investigation.extractors import NoExtractor, make_extractor
from xueliang.investigation.vectors import VectorIndex, normalise, open_index
from xueliang.investigation.vectors.base import F32

INDEXED_KINDS = ("face", "motor_vehicle")  # sizes: EMBEDDING_DIM, shared with analytics
logger = logging.getLogger(__name__)
_warned: set[tuple[str, str, int]] = set()
MAX_PIXELS = 40_000_000  # an upload is decoded whole: refuse what would take gigabytes


def decode_feature(data: str, dim: int) -> F32 | None:
    """base64 little-endian float16 (or float32) of ``dim`` values → a normalised float32 vector;
    None if unusable (another size: another algorithm's, not comparable)."""
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        return None
    if len(raw) == dim * 2:
        vec = np.frombuffer(raw, dtype="<f2").astype(np.float32)
    elif len(raw) == dim * 4:
        vec = np.frombuffer(raw, dtype="<f4").astype(np.float32)
    else:
        return None
    return normalise(vec)[0] if np.isfinite(vec).all() and vec.any() else None


def encode_feature(vec: F32) -> str:
    return base64.b64encode(normalise(vec)[0].astype("<f2").tobytes()).decode()


def feature_of(raw: dict[str, Any], kind: str) -> F32 | None:
    """The record's embedding: its own FeatureInfoObject, else the first of its images' (analytics
    puts it on the crop)."""
    sub = raw.get("SubImageList")
    images = sub.get("SubImageInfoObject") if isinstance(sub, dict) else None
    holders = [raw, *(images if isinstance(images, list) else [])]
    for holder in holders:
        info = holder.get("FeatureInfoObject") if isinstance(holder, dict) else None
        data = info.get("FeatureData") if isinstance(info, dict) else None
        vec = decode_feature(data, EMBEDDING_DIM[kind]) if isinstance(data, str) else None
        if vec is not None:
            return vec
        if isinstance(data, str) and isinstance(info, dict):
            _warn_unusable(kind, info, data)
    return None


def _warn_unusable(kind: str, info: dict[str, Any], data: str) -> None:
    """Once per kind, algorithm and size: a stored feature this index cannot use (e.g. the former
    unreduced 1280-d vehicle vectors), skipped."""
    key = (kind, str(info.get("AlgorithmVersion", "")), len(data))
    if key not in _warned:
        _warned.add(key)
        logger.warning(
            "%s feature of algorithm %r (%d base64 chars) is not a %d-d embedding: skipped",
            kind, key[1], len(data), EMBEDDING_DIM[kind],
        )  # fmt: skip


def read_image(data: bytes) -> Image.Image:
    """The uploaded picture, or 422 saying it cannot be read."""
    try:
        image = Image.open(io.BytesIO(data))
        if image.width * image.height > MAX_PIXELS:
            raise InvalidInputError(f"the image has more than {MAX_PIXELS:,} pixels", field="image")
        image.load()
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError) as exc:
        raise InvalidInputError("the image cannot be read (JPEG or PNG expected)", field="image") from exc
    return image


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
                    type=s.vector_index_type, name=kind, dim=EMBEDDING_DIM[kind], data_dir=s.data_dir,
                    url=s.vector_index_url, exact_below=s.vector_exact_below,
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
        vectors = Vectors(
            settings=state.settings, extractor=make_extractor(state.settings.embedding_extractor)
        )
        state.vectors = vectors
    return vectors


def image_bytes(data: str) -> bytes:
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidInputError("image is not valid base64", field="image") from exc
