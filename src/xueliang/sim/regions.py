"""Admin areas and grids by hierarchical Voronoi subdivision: city → districts → towns → communities → grids.

Every child is a Voronoi cell of seeds drawn inside its parent, clipped to the parent. The city polygon
is convex, so every area at every level is a convex polygon, siblings never overlap and together they
cover their parent.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray

from xueliang.sim import geo, names
from xueliang.sim.targets import Targets

CITY_CODE = "990100"  # made up: GB/T 2260 assigns no province code 99
CITY_NAME = "雪亮市"
_DISTRICT_NAMES = ("雁城区", "东湖区", "西岭区", "南塘区", "北岸区", "青山区", "白沙区", "金桥区", "云溪区")
_URBAN_TOWN = 0.12  # urbanness above which a town is a 街道 and a community a 社区

Geoms = NDArray[np.object_]


@dataclass(frozen=True)
class Layer:
    """One level of areas: parallel arrays, geometry in the metric plane."""

    level: str
    codes: list[str]
    names: list[str]
    parent: NDArray[np.int64]
    geoms: Geoms
    urban: NDArray[np.bool_]

    def __len__(self) -> int:
        return len(self.codes)


@dataclass(frozen=True)
class Regions:
    city: shapely.Polygon
    districts: Layer
    towns: Layer
    communities: Layer
    grids: Layer


def city_polygon(rng: np.random.Generator) -> shapely.Polygon:
    """A convex, slightly irregular outline inside the 112.0–112.8 / 28.2–28.9 extent."""
    t = np.sort(rng.uniform(0, 2 * np.pi, 24))
    r = rng.uniform(0.9, 1.0, 24)
    cx, cy = geo.WIDTH_M / 2, geo.HEIGHT_M / 2
    x = cx + r * np.cos(t) * geo.WIDTH_M * 0.49
    y = cy + r * np.sin(t) * geo.HEIGHT_M * 0.49
    hull = shapely.convex_hull(shapely.multipoints(np.column_stack([x, y])))
    return shapely.Polygon(shapely.get_exterior_ring(hull))


def sample_in(
    rng: np.random.Generator, poly: shapely.Geometry, k: int, weighted: bool
) -> NDArray[np.float64]:
    """`k` points inside `poly`, by rejection; density-weighted (urban denser) when `weighted`."""
    x0, y0, x1, y1 = shapely.bounds(poly)
    out: list[NDArray[np.float64]] = []
    got = 0
    while got < k:
        x = rng.uniform(x0, x1, 4 * k + 16)
        y = rng.uniform(y0, y1, 4 * k + 16)
        keep = shapely.contains_xy(poly, x, y)
        if weighted:
            keep &= rng.random(x.size) * geo.DENSITY_MAX < geo.density(x, y)
        pts = np.column_stack([x[keep], y[keep]])
        out.append(pts)
        got += len(pts)
    return np.concatenate(out)[:k]


def split(poly: shapely.Geometry, seeds: NDArray[np.float64]) -> list[shapely.Polygon]:
    """Voronoi cells of `seeds` clipped to the convex `poly`, ordered north→south then west→east."""
    if len(seeds) == 1:
        return [poly]
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=poly))
    parts = [c for c in shapely.intersection(cells, poly) if isinstance(c, shapely.Polygon) and c.area > 0]
    cent = shapely.centroid(np.asarray(parts, dtype=object))
    key = np.lexsort((np.round(shapely.get_x(cent), 1), -np.round(shapely.get_y(cent), 1)))
    return [parts[i] for i in key]


def allocate(total: int, weights: NDArray[np.float64]) -> NDArray[np.int64]:
    """Split `total` into len(weights) integers ≥ 1 proportional to weights (largest remainder)."""
    n = weights.size
    share = (total - n) * weights / weights.sum()
    base = np.floor(share).astype(np.int64)
    rest = total - n - int(base.sum())
    order = np.lexsort((np.arange(n), -(share - base)))
    base[order[:rest]] += 1
    return np.asarray(base + 1, dtype=np.int64)


def _mass(geoms: Geoms) -> NDArray[np.float64]:
    c = shapely.centroid(geoms)
    return np.asarray(shapely.area(geoms) * geo.density(shapely.get_x(c), shapely.get_y(c)), dtype=np.float64)


def subdivide(
    rng: np.random.Generator, parents: Geoms, total: int, weighted: bool
) -> tuple[Geoms, NDArray[np.int64]]:
    """Children of every parent (count ∝ parent mass, ≥ 1 each) and each child's parent index."""
    counts = allocate(total, _mass(parents) if weighted else shapely.area(parents).astype(np.float64))
    geoms: list[shapely.Polygon] = []
    parent: list[int] = []
    for i, (poly, k) in enumerate(zip(parents, counts.tolist(), strict=True)):
        cells = split(poly, sample_in(rng, poly, k, weighted))
        geoms.extend(cells)
        parent.extend([i] * len(cells))
    return np.asarray(geoms, dtype=object), np.asarray(parent, dtype=np.int64)


def _urban(geoms: Geoms) -> NDArray[np.bool_]:
    c = shapely.centroid(geoms)
    return np.asarray(geo.urbanness(shapely.get_x(c), shapely.get_y(c)) > _URBAN_TOWN)


def _child_codes(
    prefixes: list[str], parent: NDArray[np.int64], urban: NDArray[np.bool_], rural_base: int, width: int
) -> list[str]:
    """Serials restart per parent: 001… for streets/communities, rural_base+1… for towns/villages."""
    out: list[str] = []
    seen: dict[int, list[int]] = {}
    for p, u in zip(parent.tolist(), urban.tolist(), strict=True):
        ctr = seen.setdefault(p, [0, 0])
        ctr[0 if u else 1] += 1
        out.append((prefixes[p] + f"{ctr[0] if u else rural_base + ctr[1]:03d}").ljust(width, "0"))
    return out


def _district_layer(rng: np.random.Generator, city: shapely.Polygon, n: int) -> Layer:
    geoms = np.asarray(split(city, sample_in(rng, city, n, weighted=False)), dtype=object)
    urban = _urban(geoms)
    dnames = [
        _DISTRICT_NAMES[i % len(_DISTRICT_NAMES)]
        if u
        else _DISTRICT_NAMES[i % len(_DISTRICT_NAMES)][:-1] + "县"
        for i, u in enumerate(urban.tolist())
    ]
    codes = [(CITY_CODE[:4] + f"{i + 1:02d}").ljust(12, "0") for i in range(n)]
    return Layer("district", codes, dnames, np.zeros(n, np.int64), geoms, urban)


def _area_layer(
    rng: np.random.Generator, level: str, up: Layer, n: int, spec: tuple[str, str, int, int]
) -> Layer:
    """`spec`: urban suffix, rural suffix, parent-code prefix length, first rural serial - 1."""
    geoms, parent = subdivide(rng, up.geoms, n, weighted=True)
    urban = _urban(geoms)
    base = names.place_names(rng, len(geoms))
    nm = [b + (spec[0] if u else spec[1]) for b, u in zip(base, urban.tolist(), strict=True)]
    codes = _child_codes([c[: spec[2]] for c in up.codes], parent, urban, spec[3], 12)
    return Layer(level, codes, nm, parent, geoms, urban)


def _grid_layer(rng: np.random.Generator, comm: Layer, n: int) -> Layer:
    geoms, parent = subdivide(rng, comm.geoms, n, weighted=True)
    codes = _child_codes(comm.codes, parent, np.ones(len(geoms), dtype=bool), 0, 15)
    gnames = [comm.names[p] + f"第{c[-3:]}网格" for p, c in zip(parent.tolist(), codes, strict=True)]
    return Layer("grid", codes, gnames, parent, geoms, comm.urban[parent])


def build_regions(rng: np.random.Generator, t: Targets) -> Regions:
    """The whole admin and grid hierarchy for the targets `t`."""
    city = city_polygon(rng)
    districts = _district_layer(rng, city, t.districts)
    towns = _area_layer(rng, "town", districts, t.towns, ("街道", "镇", 6, 99))
    communities = _area_layer(rng, "community", towns, t.communities, ("社区", "村", 9, 199))
    grids = _grid_layer(rng, communities, t.grids)
    return Regions(city, districts, towns, communities, grids)
