"""Vehicle embeddings reduced at the source: EfficientNet-Lite3's 1280-d features → ``VEHICLE_DIM``
by a fixed orthonormal random projection (Johnson–Lindenstrauss), then L2 normalisation.

No training data: the matrix is the Q factor of a Gaussian matrix drawn from numpy's legacy
``RandomState`` (whose stream numpy keeps frozen across versions) with a constant seed, signs fixed
by R's diagonal, so every process and version builds the same matrix (a test pins some of its
values). The algorithm name says which reduction made a vector, so an index can tell a stored vector
of another reduction (or the former unreduced 1280-d ones) apart.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import numpy.typing as npt

from xueliang.analytics.extractors import EFFICIENTNET_DIM, VEHICLE_DIM, normalised

SEED = 1400
ALGORITHM = "efficientnet-lite3-int8"
VEHICLE_ALGORITHM = f"{ALGORITHM}+orp{VEHICLE_DIM}-s{SEED}"  # what records' FeatureInfoObject names


def orthonormal_projection(dim: int, source: int, seed: int) -> npt.NDArray[np.float32]:
    """(dim, source) with orthonormal rows, drawn from ``seed``."""
    gauss = np.random.RandomState(seed).standard_normal((source, dim))
    q, r = np.linalg.qr(gauss)
    q *= np.where(np.diag(r) < 0, -1.0, 1.0)
    return np.ascontiguousarray(q.T, dtype=np.float32)


@cache
def projection(dim: int = VEHICLE_DIM) -> npt.NDArray[np.float32]:
    """The vehicle embedding's projection (built once per process)."""
    matrix = orthonormal_projection(dim, EFFICIENTNET_DIM, SEED)
    matrix.setflags(write=False)
    return matrix


def reduce_vehicle(features: npt.NDArray[Any], dim: int = VEHICLE_DIM) -> npt.NDArray[np.float32]:
    """EfficientNet-Lite3 features (1280-d) → the normalised ``dim``-d vehicle embedding."""
    return normalised(projection(dim) @ np.asarray(features, np.float32).reshape(-1))
