"""Building footprints in rows along the grid-boundary streets, inside their grid; housing units.

Every footprint is a rectangle parallel to the street it fronts. Grids are convex, so a rectangle
lies inside its grid exactly when its four corners (grown by a 1 m margin) do; rejected ones are redrawn.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray

from xueliang.sim import geo, names
from xueliang.sim.regions import Layer, allocate

USES: tuple[str, ...] = ("住宅", "自建房", "商业", "办公", "工业", "公共服务", "仓储")
APARTMENT, HOUSE = 0, 1
_M_PER_BUILDING = 900.0  # grid capacity: at most one building per this many m²
_ROW_M = 32.0

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]


@dataclass(frozen=True)
class Buildings:
    """Parallel arrays, one entry per building, sorted by grid then estate then number."""

    grid: I64
    corners: F64  # (n, 4, 2) metres
    use: NDArray[np.int8]
    floors: I64
    estate: I64  # global estate index
    number: I64  # building number within its estate (栋)
    units: I64  # housing units in the building
    estate_names: list[str]

    def __len__(self) -> int:
        return len(self.grid)


def per_grid_counts(rng: np.random.Generator, grids: Layer, total: int) -> I64:
    """Buildings per grid: ∝ area^0.8 with noise, capped by grid capacity; sums to `total`."""
    area = shapely.area(grids.geoms).astype(np.float64)
    w = area**0.8 * rng.lognormal(0.0, 0.35, len(area))
    cap = np.maximum(1, (area / _M_PER_BUILDING).astype(np.int64))
    counts = allocate(total, w)
    for _ in range(50):
        over = counts > cap
        if not over.any():
            break
        spare = int((counts[over] - cap[over]).sum())
        counts[over] = cap[over]
        free = ~over & (counts < cap)
        counts[free] += allocate(spare + int(free.sum()), w[free]) - 1
    return counts


def _edges(grids: Layer) -> tuple[F64, I64]:
    """Exterior segments (x0, y0, x1, y1) of every grid and the grid index of each."""
    coords, idx = shapely.get_coordinates(shapely.get_exterior_ring(grids.geoms), return_index=True)
    same = idx[1:] == idx[:-1]
    return np.column_stack([coords[:-1][same], coords[1:][same]]), idx[:-1][same]


def _pick_edges(rng: np.random.Generator, seg: F64, seg_grid: I64, grid: I64) -> I64:
    length = np.hypot(seg[:, 2] - seg[:, 0], seg[:, 3] - seg[:, 1])
    cum = np.cumsum(length)
    start = np.concatenate([[0.0], cum])[np.searchsorted(seg_grid, grid)]
    perim = np.bincount(seg_grid, weights=length)[grid]
    return np.minimum(np.searchsorted(cum, start + rng.random(len(grid)) * perim, side="right"), len(seg) - 1)


def _rectangles(rng: np.random.Generator, seg: F64, centroid: F64, size: F64) -> F64:
    """Rectangles fronting the segments, in a random row between the street and the centroid."""
    n = len(seg)
    a, b = seg[:, :2], seg[:, 2:]
    p = a + rng.uniform(0.05, 0.95, (n, 1)) * (b - a)
    towards = centroid - p
    dist = np.maximum(np.hypot(towards[:, 0], towards[:, 1]), 1e-9)
    rows = np.maximum(1, (dist // _ROW_M).astype(np.int64))
    depth = (rng.integers(0, 1 << 30, n) % rows) * _ROW_M + size[:, 1] / 2 + 3.0
    c = p + towards * np.minimum(depth / dist, 0.9)[:, None]
    along = (b - a) / np.maximum(np.hypot(b[:, 0] - a[:, 0], b[:, 1] - a[:, 1]), 1e-9)[:, None]
    across = np.column_stack([-along[:, 1], along[:, 0]])
    hl, hw = along * size[:, :1] / 2, across * size[:, 1:] / 2
    return np.stack([c - hl - hw, c + hl - hw, c + hl + hw, c - hl + hw], axis=1)


def _inside(geoms: NDArray[np.object_], corners: F64, margin: float) -> NDArray[np.bool_]:
    centre = corners.mean(axis=1, keepdims=True)
    vec = corners - centre
    grown = centre + vec * (1 + margin / np.maximum(np.hypot(vec[..., 0], vec[..., 1]), 1e-9))[..., None]
    ok = np.ones(len(corners), dtype=bool)
    for k in range(4):
        ok &= shapely.contains_xy(geoms, grown[:, k, 0], grown[:, k, 1])
    return ok


def _sizes(rng: np.random.Generator, use: NDArray[np.int8]) -> F64:
    lo = np.array([[24, 12], [8, 7], [12, 10], [20, 15], [30, 20], [20, 14], [25, 15]], dtype=np.float64)
    return lo[use] * rng.uniform(1.0, 1.6, (len(use), 2))


def place(rng: np.random.Generator, grids: Layer, grid: I64, use: NDArray[np.int8]) -> tuple[F64, I64]:
    """Footprint corners for buildings of `grid`, and the boundary edge each one fronts."""
    shapely.prepare(grids.geoms)
    seg, seg_grid = _edges(grids)
    cent = shapely.get_coordinates(shapely.centroid(grids.geoms))
    size = _sizes(rng, use)
    corners = np.zeros((len(grid), 4, 2))
    edge = np.zeros(len(grid), dtype=np.int64)
    todo = np.arange(len(grid))
    for attempt in range(40):
        if attempt >= 20:
            size[todo] *= 0.85
        e = _pick_edges(rng, seg, seg_grid, grid[todo])
        rect = _rectangles(rng, seg[e], cent[grid[todo]], size[todo])
        ok = _inside(grids.geoms[grid[todo]], rect, 1.0)
        corners[todo[ok]], edge[todo[ok]] = rect[ok], e[ok]
        todo = todo[~ok]
        if not len(todo):
            return corners, edge
    square = np.array([[-2, -2], [2, -2], [2, 2], [-2, 2]], dtype=np.float64)
    corners[todo] = cent[grid[todo]][:, None, :] + square[None]
    edge[todo] = np.searchsorted(seg_grid, grid[todo])
    return corners, edge


def choose_uses(rng: np.random.Generator, urban: F64) -> NDArray[np.int8]:
    """Use of each building from its urbanness: apartments and offices downtown, houses outside."""
    p = np.column_stack(
        [
            0.004 + 0.07 * urban,
            0.70 * (1 - urban) + 0.05,
            0.05 + 0.10 * urban,
            0.005 + 0.04 * urban,
            0.05 * (1 - urban) + 0.01,
            0.03 + 0.01 * urban,
            0.04 * (1 - urban) + 0.01,
        ]
    )
    cum = np.cumsum(p / p.sum(axis=1, keepdims=True), axis=1)
    use = np.minimum((rng.random((len(urban), 1)) > cum).sum(axis=1), len(USES) - 1)
    return np.asarray(use, dtype=np.int8)


def choose_floors(rng: np.random.Generator, use: NDArray[np.int8], urban: F64) -> I64:
    lo = np.array([4, 1, 1, 5, 1, 2, 1])[use]
    hi = np.array([12, 3, 6, 12, 3, 5, 2])[use] + np.where(use <= 3, (urban * 22).astype(np.int64), 0)
    return np.asarray(rng.integers(lo, hi + 1), dtype=np.int64)


def assign_units(use: NDArray[np.int8], floors: I64, total: int, rng: np.random.Generator) -> I64:
    """Housing units per building summing to `total`: 1 per house, the rest ∝ apartment floor area."""
    units = (use == HOUSE).astype(np.int64)
    apart = np.flatnonzero(use == APARTMENT)
    rest = total - int(units.sum())
    if rest < len(apart) or not len(apart):
        raise ValueError("building mix cannot hold the housing-unit target")
    units[apart] = allocate(rest, floors[apart] * rng.uniform(1.0, 3.0, len(apart)))
    return np.asarray(units, dtype=np.int64)


def _estates(grid: I64, edge: I64, corners: F64) -> tuple[I64, I64, I64]:
    """Sort order, estate index (one estate per grid street front) and number within the estate."""
    cx, cy = corners[:, :, 0].mean(axis=1), corners[:, :, 1].mean(axis=1)
    order = np.lexsort((np.round(cx, 2), np.round(cy, 2), edge, grid))
    e = edge[order]
    new = np.concatenate([[True], e[1:] != e[:-1]])
    estate = np.cumsum(new) - 1
    first = np.flatnonzero(new)
    number = np.arange(len(e)) - first[estate] + 1
    return order, estate.astype(np.int64), number.astype(np.int64)


def build_buildings(rng: np.random.Generator, grids: Layer, total: int, total_units: int) -> Buildings:
    """All buildings: counts per grid, uses, footprints, estates, floors and housing units."""
    counts = per_grid_counts(rng, grids, total)
    grid = np.repeat(np.arange(len(grids), dtype=np.int64), counts)
    gc = shapely.get_coordinates(shapely.centroid(grids.geoms))
    urban = geo.urbanness(gc[grid, 0], gc[grid, 1])
    use = choose_uses(rng, urban)
    corners, edge = place(rng, grids, grid, use)
    order, estate, number = _estates(grid, edge, corners)
    grid, corners, use, urban = grid[order], corners[order], use[order], urban[order]
    floors = choose_floors(rng, use, urban)
    units = assign_units(use, floors, total_units, rng)
    return Buildings(
        grid, corners, use, floors, estate, number, units, names.estate_names(rng, int(estate[-1]) + 1)
    )
