"""The vector index interface: record embeddings with their time and place, searched by cosine
similarity (inner product of L2-normalised vectors) under time and place filters."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numpy.typing import NDArray

F32 = NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class VectorFilter:
    time_from: int | None = None  # epoch seconds, inclusive
    time_to: int | None = None  # exclusive
    places: frozenset[str] | None = None  # device ids; None = anywhere


@dataclass(frozen=True, slots=True)
class Hit:
    object_id: str
    score: float


class VectorIndex(ABC):
    type: ClassVar[str]

    @abstractmethod
    def add(self, ids: list[str], vectors: F32, times: list[int], places: list[str]) -> int:
        """Add embeddings (ids already present are skipped); returns how many were new."""

    @abstractmethod
    def search(self, query: F32, k: int, flt: VectorFilter | None = None) -> list[Hit]:
        """The ``k`` most similar, best first."""

    @abstractmethod
    def __len__(self) -> int: ...

    def save(self) -> None:  # noqa: B027
        """Persist what was added (no-op for servers that persist on their own)."""

    def close(self) -> None:
        self.save()


def normalise(vectors: F32) -> F32:
    v = np.asarray(vectors, dtype=np.float32)
    v = v.reshape(1, -1) if v.ndim == 1 else v
    norms = np.linalg.norm(v, axis=1, keepdims=True)
    return np.ascontiguousarray(v / np.where(norms == 0, 1, norms), dtype=np.float32)
