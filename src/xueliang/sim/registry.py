"""Writers of the grid registry files: buildings, housing units, residents, person–housing relations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from xueliang.sim import geo, writers
from xueliang.sim.buildings import USES, Buildings
from xueliang.sim.housing import OCCUPANCY, Housing
from xueliang.sim.population import LANDLORD, RELATIONS, RESIDENCE, Population
from xueliang.sim.progress import Steps
from xueliang.sim.regions import Regions

I64 = NDArray[np.int64]
# person–housing relation per person relation code (户主 / 家庭成员 / 租户 / 房东)
HOUSING_RELATIONS = ("户主", "家庭成员", "家庭成员", "家庭成员", "家庭成员", "租户", "租户", "房东")


def district_of_grid(r: Regions) -> I64:
    return np.asarray(r.towns.parent[r.communities.parent[r.grids.parent]], dtype=np.int64)


def _grid_serial(grid: I64) -> I64:
    """1-based position of each building within its grid (buildings are sorted by grid)."""
    first = np.searchsorted(grid, grid)
    serial = np.arange(len(grid)) - first + 1
    if len(serial) and serial.max() > 9999:
        raise ValueError("more than 9999 buildings in one grid")
    return np.asarray(serial, dtype=np.int64)


def _estate_serial(b: Buildings) -> I64:
    first_estate_of_grid = np.searchsorted(b.grid, b.grid)
    return np.asarray(b.estate - b.estate[first_estate_of_grid] + 1, dtype=np.int64)


def building_codes(b: Buildings, r: Regions) -> list[str]:
    """19 digits: grid code (15) + building serial in the grid (4)."""
    return [
        f"{r.grids.codes[g]}{s:04d}"
        for g, s in zip(b.grid.tolist(), _grid_serial(b.grid).tolist(), strict=True)
    ]


def _address_prefix(r: Regions) -> list[str]:
    """Per grid: 'district / town / community / 网格NNN'."""
    out = []
    for g, code in enumerate(r.grids.codes):
        c = int(r.grids.parent[g])
        t = int(r.communities.parent[c])
        d = int(r.towns.parent[t])
        out.append(
            f"{r.districts.names[d]} / {r.towns.names[t]} / {r.communities.names[c]} / 网格{code[-3:]}"
        )
    return out


def _estate_label(b: Buildings) -> list[str]:
    return [b.estate_names[e] for e in b.estate.tolist()]


def write_buildings(out: Path, r: Regions, b: Buildings, steps: Steps) -> dict[str, int]:
    lon, lat = geo.to_lonlat(b.corners[:, :, 0], b.corners[:, :, 1])
    codes = building_codes(b, r)
    grid_codes = [r.grids.codes[g] for g in b.grid.tolist()]
    ids = np.arange(1, len(b) + 1)
    n = writers.write_features(
        out / "buildings.geojson",
        writers.quads_json(lon, lat),
        {"building_id": ids, "grid_code": grid_codes},
        steps,
        "building footprints",
    )
    prefix = _address_prefix(r)
    estate = _estate_label(b)
    est_serial = _estate_serial(b)
    cols: dict[str, Any] = {
        "building_id": ids,
        "address_code": codes,
        "grid_code": grid_codes,
        "estate_code": [f"{grid_codes[i]}{s:03d}" for i, s in enumerate(est_serial.tolist())],
        "estate_name": estate,
        "number": b.number,
        "use": [USES[u] for u in b.use.tolist()],
        "floors": b.floors,
        "housing_units": b.units,
        "lon": writers.fmt6(lon.mean(axis=1)),
        "lat": writers.fmt6(lat.mean(axis=1)),
        "address": [
            f"{prefix[g]} / {e} / {k}栋"
            for g, e, k in zip(b.grid.tolist(), estate, b.number.tolist(), strict=True)
        ],
    }
    m = writers.write_csv(out / "buildings.csv", len(b), cols, steps, "buildings")
    return {"buildings.geojson": n, "buildings.csv": m}


def write_housing(out: Path, r: Regions, b: Buildings, h: Housing, steps: Steps) -> dict[str, int]:
    bcodes = building_codes(b, r)
    prefix = _address_prefix(r)
    estate = _estate_label(b)

    def address(a: int, z: int) -> list[str]:
        rows = zip(h.building[a:z].tolist(), h.entrance[a:z].tolist(), h.room[a:z].tolist(), strict=True)
        return [
            f"{prefix[b.grid[i]]} / {estate[i]} / {b.number[i]}栋 / {e}单元 / {rm:04d}" for i, e, rm in rows
        ]

    def code(a: int, z: int) -> list[str]:
        rows = zip(h.building[a:z].tolist(), h.entrance[a:z].tolist(), h.room[a:z].tolist(), strict=True)
        return [f"{bcodes[i]}{e:02d}{rm:04d}" for i, e, rm in rows]

    cols: dict[str, Any] = {
        "unit_id": np.arange(1, len(h) + 1),
        "address_code": code,
        "building_id": h.building + 1,
        "entrance": h.entrance,
        "floor": h.floor,
        "room": [f"{x:04d}" for x in h.room.tolist()],
        "area_m2": [f"{x:.1f}" for x in h.area_m2.tolist()],
        "occupancy": np.asarray(OCCUPANCY)[h.occupancy],
        "address": address,
    }
    return {
        "housing_units.csv": writers.write_csv(
            out / "housing_units.csv", len(h), cols, steps, "housing units"
        )
    }


def write_population(out: Path, p: Population, steps: Steps) -> dict[str, int]:
    unit = p.household_unit[p.household] + 1
    gender = np.where(p.male, 1, 2)
    cols: dict[str, Any] = {
        "person_id": np.arange(1, len(p) + 1),
        "name": p.name,
        "gender": gender,
        "birth_date": p.birth.astype("datetime64[D]").astype(str),
        "id_number": p.id_number,
        "phone": p.phone,
        "household_id": p.household + 1,
        "housing_unit_id": unit,
        "relation": np.asarray(RELATIONS)[p.relation],
        "residence_type": np.asarray(RESIDENCE)[p.residence],
    }
    n = writers.write_csv(out / "persons.csv", len(p), cols, steps, "residents")
    k = len(p.landlord_unit)
    rel = np.concatenate([p.relation, np.full(k, LANDLORD)])
    rcols: dict[str, Any] = {
        "person_id": np.concatenate([np.arange(1, len(p) + 1), p.landlord_person + 1]),
        "housing_unit_id": np.concatenate([unit, p.landlord_unit + 1]),
        "relation": np.asarray(HOUSING_RELATIONS)[rel],
    }
    m = writers.write_csv(out / "person_housing.csv", len(p) + k, rcols, steps, "person–housing relations")
    return {"persons.csv": n, "person_housing.csv": m}
