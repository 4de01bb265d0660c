"""Target counts of the synthetic city for a given scale (1.0 = the reference city)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

REFERENCE: dict[str, int] = {
    "districts": 6,
    "towns": 90,
    "communities": 1000,
    "grids": 3135,
    "buildings": 1_339_134,
    "housing_units": 1_335_630,
    "residents": 1_881_431,
    "face_cameras": 1250,
    "checkpoint_cameras": 1490,
    "ordinary_cameras": 320,
    "traffic_cameras": 100,
    "legacy_cameras": 60,
    "passes_per_day": 10_000_000,
    "face_captures_per_day": 2_500_000,
    "face_identities": 400_000,
}


@dataclass(frozen=True)
class Targets:
    """Exact counts to generate; every field is round(reference * scale) with small floors."""

    scale: float
    districts: int
    towns: int
    communities: int
    grids: int
    buildings: int
    housing_units: int
    residents: int
    face_cameras: int
    checkpoint_cameras: int
    ordinary_cameras: int
    traffic_cameras: int
    legacy_cameras: int
    passes_per_day: int
    face_captures_per_day: int
    face_identities: int

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


def scaled(reference: int, scale: float, floor: int = 1) -> int:
    """round(reference * scale) with halves rounded up, never below `floor`."""
    return max(floor, math.floor(reference * scale + 0.5))


def targets_for(scale: float) -> Targets:
    """Counts for `scale`; admin levels are nested so each parent has at least one child."""
    if scale <= 0:
        raise ValueError("scale must be positive")
    n = {key: scaled(ref, scale) for key, ref in REFERENCE.items()}
    n["towns"] = max(n["towns"], n["districts"])
    n["communities"] = max(n["communities"], n["towns"])
    n["grids"] = max(n["grids"], n["communities"])
    n["buildings"] = max(n["buildings"], n["grids"])
    return Targets(scale=scale, **n)
