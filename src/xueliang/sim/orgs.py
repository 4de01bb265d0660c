"""Departments (org units) and platform users: grid workers, dispatchers, handlers, maintainers."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from xueliang.sim import names
from xueliang.sim.regions import Regions

CITY_DEPARTMENTS: tuple[tuple[str, str], ...] = (
    ("public_security", "市公安局"),
    ("traffic_police", "市公安局交通警察支队"),
    ("urban_management", "市城市管理局"),
    ("education", "市教育局"),
    ("justice", "市司法局"),
    ("human_resources", "市人力资源和社会保障局"),
    ("natural_resources", "市自然资源和规划局"),
    ("government_service", "市政务服务中心"),
    ("procuratorate", "市人民检察院"),
    ("hotline_12345", "市12345政务服务便民热线"),
    ("grid_centre", "市网格化服务管理中心"),
)
DISTRICT_DEPARTMENTS: tuple[tuple[str, str], ...] = (
    ("public_security", "公安分局"),
    ("urban_management", "城市管理局"),
    ("grid_centre", "网格化服务管理中心"),
)
ROLES: tuple[str, ...] = ("grid_worker", "dispatcher", "handler", "maintainer")


@dataclass(frozen=True)
class Department:
    code: str
    name: str
    kind: str
    parent_code: str
    area_code: str


@dataclass(frozen=True)
class User:
    username: str
    name: str
    role: str
    department_code: str
    grid_code: str


def build_departments(regions: Regions) -> list[Department]:
    """City departments (D00xx), per district (Ddd0x) and one police station per town (Pddttt)."""
    city = "990100000000"
    out = [Department(f"D00{i + 1:02d}", n, k, "", city) for i, (k, n) in enumerate(CITY_DEPARTMENTS)]
    for d, (code, dname) in enumerate(zip(regions.districts.codes, regions.districts.names, strict=True)):
        for j, (k, n) in enumerate(DISTRICT_DEPARTMENTS):
            parent = next(x.code for x in out if x.kind == k and x.parent_code == "")
            out.append(Department(f"D{d + 1:02d}{j + 1:02d}", dname + n, k, parent, code))
    for code, tname, dist in zip(
        regions.towns.codes, regions.towns.names, regions.towns.parent.tolist(), strict=True
    ):
        parent = f"D{dist + 1:02d}01"
        out.append(Department("P" + code[4:9], tname + "派出所", "police_station", parent, code))
    return out


def build_users(rng: np.random.Generator, regions: Regions, depts: list[Department]) -> list[User]:
    """1–2 grid workers per grid, dispatchers per grid centre, 2 handlers per department, maintainers."""
    per_grid = rng.integers(1, 3, len(regions.grids))
    rows: list[tuple[str, str, str]] = []
    for g, k in zip(regions.grids.codes, per_grid.tolist(), strict=True):
        rows.extend(("grid_worker", f"D{int(g[4:6]):02d}03", g) for _ in range(k))
    for d in depts:
        n_dispatch = 4 if d.kind in ("grid_centre", "hotline_12345") else 0
        rows.extend(("dispatcher", d.code, "") for _ in range(n_dispatch))
        rows.extend(("handler", d.code, "") for _ in range(2))
    rows.extend(("maintainer", "D0001", "") for _ in range(4 + 2 * len(regions.districts)))
    pnames = names.person_names(rng, rng.random(len(rows)) < 0.55)
    return [
        User(f"{role[:2]}{i + 1:06d}", nm, role, dept, grid)
        for i, ((role, dept, grid), nm) in enumerate(zip(rows, pnames, strict=True))
    ]
