"""Housing units (房屋) of the buildings: entrance (单元), floor, room, area and occupancy."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from xueliang.sim.buildings import APARTMENT, Buildings

OCCUPANCY: tuple[str, ...] = ("自住", "出租", "空置", "经营")
SELF, RENTED, VACANT, BUSINESS = 0, 1, 2, 3

I64 = NDArray[np.int64]


@dataclass(frozen=True)
class Housing:
    building: I64
    entrance: I64
    floor: I64
    room: I64  # floor * 100 + door
    area_m2: NDArray[np.float64]
    occupancy: NDArray[np.int8]

    def __len__(self) -> int:
        return len(self.building)


def build_housing(rng: np.random.Generator, b: Buildings) -> Housing:
    """Expand units per building; two doors per floor per entrance, floors from the ground up."""
    building = np.repeat(np.arange(len(b), dtype=np.int64), b.units)
    start = np.concatenate([[0], np.cumsum(b.units)[:-1]])
    i = np.arange(len(building), dtype=np.int64) - start[building]
    per_entrance = 2 * b.floors[building]
    entrance = i // per_entrance + 1
    j = i % per_entrance
    floor = j // 2 + 1
    room = floor * 100 + j % 2 + 1
    apart = b.use[building] == APARTMENT
    area = np.round(np.where(apart, rng.uniform(55, 140, len(i)), rng.uniform(90, 260, len(i))), 1).astype(
        np.float64
    )
    occ = rng.choice(4, size=len(i), p=[0.66, 0.20, 0.12, 0.02]).astype(np.int8)
    return Housing(building, entrance, floor, room, area, occ)
