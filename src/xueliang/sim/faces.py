"""Face captures: a synthetic population of identities seen by face cameras near their home.

Each identity has a random unit centre in 128-d; a capture's feature is the centre plus Gaussian
noise (σ = 0.055 per dimension), renormalised, stored as float16: same-identity cosine ≈ 0.7–0.8,
different identities ≈ 0 ± 0.09.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree  # type: ignore[import-untyped]

DIM = 128
NOISE = 0.055
I64 = NDArray[np.int64]


@dataclass(frozen=True)
class Identities:
    centre: NDArray[np.float16]  # (n, 128)
    male: NDArray[np.bool_]
    age: I64
    near: I64  # (n, 5) nearest face cameras (indices into the face-camera list)
    rate: NDArray[np.float64]  # captures per day


def build_identities(
    rng: np.random.Generator, n: int, cam_xy: NDArray[np.float64], per_day: int
) -> Identities:
    c = rng.standard_normal((n, DIM)).astype(np.float32)
    c /= np.linalg.norm(c, axis=1, keepdims=True)
    home = cam_xy[rng.integers(0, len(cam_xy), n)] + rng.normal(0, 800, (n, 2))
    k = min(5, len(cam_xy))
    _, near = cKDTree(cam_xy).query(home, k=k)
    near = np.asarray(near, dtype=np.int64).reshape(n, k)
    rate = rng.lognormal(0, 0.8, n)
    rate *= per_day / rate.sum()
    age = rng.integers(8, 80, n)
    return Identities(c.astype(np.float16), rng.random(n) < 0.5, age, near, rate)


def daily_hours(rng: np.random.Generator, n: int) -> NDArray[np.float64]:
    """Hour of day of captures: busy 7–21 h with peaks at 8, 12 and 18, quiet at night."""
    mix = rng.choice(4, size=n, p=[0.25, 0.25, 0.3, 0.2])
    centre = np.array([8.3, 12.5, 18.0, 15.0])[mix]
    spread = np.array([1.0, 1.5, 1.5, 6.0])[mix]
    return np.asarray(np.mod(rng.normal(centre, spread), 24.0))


def captures(rng: np.random.Generator, ids: Identities, n_cams: int) -> tuple[I64, I64, NDArray[np.float64]]:
    """One day: (identity, face-camera index, second of day) for every capture."""
    count = rng.poisson(ids.rate)
    who = np.repeat(np.arange(len(count)), count)
    pick = rng.choice(ids.near.shape[1], size=len(who), p=_near_p(ids.near.shape[1]))
    cam = ids.near[who, pick]
    stray = rng.random(len(who)) < 0.08
    cam[stray] = rng.integers(0, n_cams, int(stray.sum()))
    return who, cam, daily_hours(rng, len(who)) * 3600.0


def _near_p(k: int) -> NDArray[np.float64]:
    p = 0.5 ** np.arange(k)
    return np.asarray(p / p.sum())


def features(rng: np.random.Generator, centre: NDArray[np.float16]) -> list[str]:
    """Base64 of little-endian float16 features drawn around the given centres."""
    x = centre.astype(np.float32) + rng.normal(0, NOISE, centre.shape).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    raw = x.astype("<f2")
    return [base64.b64encode(row.tobytes()).decode() for row in raw]


def decode_feature(text: str) -> NDArray[np.float32]:
    return np.frombuffer(base64.b64decode(text), dtype="<f2").astype(np.float32)
