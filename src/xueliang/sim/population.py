"""Residents, households and person–housing relations (人房关系)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from xueliang.sim import idnumbers, names
from xueliang.sim.housing import RENTED, SELF, Housing

REFERENCE_DATE = np.datetime64("2026-11-01")
RELATIONS: tuple[str, ...] = ("户主", "配偶", "子女", "父母", "其他亲属", "租户", "同住人", "房东")
HEAD, SPOUSE, CHILD, PARENT, KIN, TENANT, COTENANT, LANDLORD = range(8)
RESIDENCE: tuple[str, ...] = ("常住", "暂住", "流动")

I64 = NDArray[np.int64]


@dataclass(frozen=True)
class Population:
    household_unit: I64  # housing unit of each household
    household: I64  # per person
    relation: NDArray[np.int8]
    residence: NDArray[np.int8]
    male: NDArray[np.bool_]
    birth: NDArray[np.datetime64]
    region: I64  # 6-digit ID prefix
    id_number: list[str]
    phone: list[str]  # "" for children under 12
    name: list[str]
    landlord_unit: I64  # rented units, with landlord_person the owner living elsewhere
    landlord_person: I64

    def __len__(self) -> int:
        return len(self.household)


def household_sizes(rng: np.random.Generator, n_households: int, total: int) -> I64:
    """Sizes ≥ 1 summing exactly to `total`."""
    if total < n_households:
        raise ValueError("fewer residents than occupied housing units")
    extra = rng.multinomial(total - n_households, np.full(n_households, 1.0 / n_households))
    return np.asarray(extra + 1, dtype=np.int64)


def _relations(rank: I64, rented: NDArray[np.bool_], rng: np.random.Generator) -> NDArray[np.int8]:
    kin = rng.choice([CHILD, CHILD, PARENT, KIN], size=len(rank))
    own = np.where(rank == 0, HEAD, np.where(rank == 1, SPOUSE, kin))
    return np.where(rented, np.where(rank == 0, TENANT, COTENANT), own).astype(np.int8)


def _ages(
    rng: np.random.Generator, rel: NDArray[np.int8], head_age: NDArray[np.float64]
) -> NDArray[np.float64]:
    age = head_age + rng.normal(0, 3, len(rel))
    age = np.where(rel == CHILD, head_age - rng.uniform(22, 34, len(rel)), age)
    age = np.where(rel == PARENT, head_age + rng.uniform(22, 32, len(rel)), age)
    age = np.where((rel == COTENANT) | (rel == KIN), rng.uniform(16, 60, len(rel)), age)
    return np.clip(age, 0.1, 99.0)


def _birth(rng: np.random.Generator, age: NDArray[np.float64]) -> NDArray[np.datetime64]:
    days = (age * 365.25 + rng.uniform(0, 364, len(age))).astype(np.int64)
    return REFERENCE_DATE - days.astype("timedelta64[D]")


def _ymd(birth: NDArray[np.datetime64]) -> I64:
    s = birth.astype("datetime64[D]").astype(str)
    return np.char.replace(s, "-", "").astype(np.int64)


def build_population(rng: np.random.Generator, h: Housing, district_of_unit: I64, total: int) -> Population:
    """Households in the occupied units; members, names, birth dates, ID numbers and phones."""
    units = np.flatnonzero((h.occupancy == SELF) | (h.occupancy == RENTED))
    sizes = household_sizes(rng, len(units), total)
    household = np.repeat(np.arange(len(units), dtype=np.int64), sizes)
    rank = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    rented = (h.occupancy[units] == RENTED)[household]
    rel = _relations(rank, rented, rng)
    head_age = rng.uniform(24, 78, len(units))[household]
    age = _ages(rng, rel, head_age)
    head_male = (rng.random(len(units)) < 0.55)[household]
    male = np.where(rel == SPOUSE, ~head_male, np.where(rank == 0, head_male, rng.random(total) < 0.51))
    birth = _birth(rng, age)
    local = 990100 + district_of_unit[units][household]
    region = np.where(rented & (rng.random(total) < 0.8), 999900 + rng.integers(1, 100, total), local)
    ymd = _ymd(birth)
    ids = idnumbers.id_numbers(region, ymd, idnumbers.sequence_numbers(region, ymd, male))
    phones = idnumbers.phone_numbers(rng, total)
    phone = [p if a >= 12 else "" for p, a in zip(phones, age.tolist(), strict=True)]
    residence = np.where(rented, np.where(region >= 999900, 2, 1), 0).astype(np.int8)
    rented_units = units[h.occupancy[units] == RENTED]
    heads = np.flatnonzero(rel == HEAD)
    landlords = (
        heads[rng.integers(0, max(1, len(heads)), len(rented_units))] if len(heads) else np.zeros(0, np.int64)
    )
    return Population(
        units,
        household,
        rel,
        residence,
        male,
        birth,
        region,
        ids,
        phone,
        names.person_names(rng, male),
        rented_units[: len(landlords)],
        landlords,
    )
