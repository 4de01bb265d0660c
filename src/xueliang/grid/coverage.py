"""Grid coverage checks: grids that overlap each other, and gaps — parts of a community that no grid
covers. Slivers are ignored: shared boundaries rounded to 6 decimals (≈0.1 m) leave thin overlaps and gaps
along every edge, so a piece counts only when something of it survives shrinking by ``sliver_m``
and it is at least ``min_m2`` large."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from sqlalchemy import Connection, select

from xueliang.grid.models import AdminArea, Grid
from xueliang.grid.validation import area_m2

DEFAULT_MIN_M2 = 10.0
SLIVER_M = 0.5
M_PER_DEG = 111_320.0


@dataclass(frozen=True, slots=True)
class CoverageIssue:
    kind: str  # "overlap" | "gap" | "outside"
    code: str  # the grid (overlap, outside) or the community (gap)
    other: str  # the other grid of an overlap
    area_m2: float

    @property
    def reason(self) -> str:
        if self.kind == "overlap":
            return f"grid {self.code} overlaps grid {self.other} by {self.area_m2:.0f} m²"
        if self.kind == "outside":
            return f"grid {self.code} extends {self.area_m2:.0f} m² beyond its community {self.other}"
        return f"community {self.code} has {self.area_m2:.0f} m² not covered by any grid"


def _significant(part: Any, min_m2: float) -> float:
    """Area in m² of ``part`` when it is more than a sliver, else 0."""
    if part.is_empty:
        return 0.0
    core = shapely.buffer(part, -SLIVER_M / M_PER_DEG)
    size = area_m2(part)
    return size if not core.is_empty and size >= min_m2 else 0.0


def check_grids(conn: Connection, *, min_m2: float = DEFAULT_MIN_M2) -> list[CoverageIssue]:
    grids = conn.execute(select(Grid.code, Grid.community_id, Grid.geom).order_by(Grid.id)).all()
    issues = _overlaps(list(grids), min_m2)
    communities = conn.execute(
        select(AdminArea.id, AdminArea.code, AdminArea.geom).where(AdminArea.level == "community")
    ).all()
    by_community: dict[int, list[Any]] = {}
    for grid in grids:
        if grid.community_id is not None:
            by_community.setdefault(grid.community_id, []).append(grid)
    for community in communities:
        issues.extend(_gaps(community, by_community.get(community.id, []), min_m2))
    return issues


def _overlaps(grids: list[Any], min_m2: float) -> list[CoverageIssue]:
    geoms: Any = np.array([g.geom for g in grids], dtype=object)
    if len(geoms) == 0:
        return []
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    shared = shapely.intersection(geoms[left], geoms[right])
    issues = []
    for i, j, part in zip(left.tolist(), right.tolist(), shared, strict=True):
        size = _significant(part, min_m2)
        if size:
            issues.append(CoverageIssue("overlap", grids[i].code, grids[j].code, size))
    return issues


def _gaps(community: Any, grids: list[Any], min_m2: float) -> list[CoverageIssue]:
    geom = community.geom
    code = community.code
    if not grids:
        return [CoverageIssue("gap", code, "", area_m2(geom))]
    union = shapely.union_all([g.geom for g in grids])
    issues = []
    gap = _significant(shapely.difference(geom, union), min_m2)
    if gap:
        issues.append(CoverageIssue("gap", code, "", gap))
    for grid in grids:
        outside = _significant(shapely.difference(grid.geom, geom), min_m2)
        if outside:
            issues.append(CoverageIssue("outside", grid.code, code, outside))
    return issues
