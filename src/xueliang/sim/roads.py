"""The road network: the noded boundaries of all areas, classed by the highest level they separate.

Real grid and community boundaries mostly follow streets, so the boundary linework doubles as a
connected, planar road graph: the city outline is the ring expressway, district boundaries are
arterials, town boundaries secondary roads, community boundaries local roads and grid boundaries
branch streets.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray

from xueliang.sim import names
from xueliang.sim.regions import Layer, Regions

ROAD_CLASSES: tuple[str, ...] = ("expressway", "arterial", "secondary", "local", "branch")
SPEED_KMH: tuple[int, ...] = (80, 60, 50, 40, 30)
_SUFFIX: tuple[str, ...] = ("环城高速", "大道", "路", "街", "巷")


@dataclass(frozen=True)
class Roads:
    """Undirected graph: nodes (x, y metres) and edges (straight segments) with class and speed."""

    node_xy: NDArray[np.float64]
    edge_u: NDArray[np.int64]
    edge_v: NDArray[np.int64]
    edge_class: NDArray[np.int8]
    edge_name: list[str]

    @property
    def edge_length_m(self) -> NDArray[np.float64]:
        d = self.node_xy[self.edge_u] - self.node_xy[self.edge_v]
        return np.asarray(np.hypot(d[:, 0], d[:, 1]), dtype=np.float64)

    @property
    def edge_speed_kmh(self) -> NDArray[np.int64]:
        return np.asarray(SPEED_KMH, dtype=np.int64)[self.edge_class]

    @property
    def edge_seconds(self) -> NDArray[np.float64]:
        return self.edge_length_m / (self.edge_speed_kmh / 3.6)

    def degree(self) -> NDArray[np.int64]:
        return np.bincount(np.concatenate([self.edge_u, self.edge_v]), minlength=len(self.node_xy))

    def node_class(self) -> NDArray[np.int8]:
        """Best (lowest) class of the edges meeting at each node."""
        best = np.full(len(self.node_xy), len(ROAD_CLASSES) - 1, dtype=np.int8)
        np.minimum.at(best, self.edge_u, self.edge_class)
        np.minimum.at(best, self.edge_v, self.edge_class)
        return best


def _segments(lines: NDArray[np.object_]) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """All straight segments (start xy, end xy) of `lines` and the index of the line each belongs to."""
    coords, idx = shapely.get_coordinates(lines, return_index=True)
    same = idx[1:] == idx[:-1]
    seg = np.column_stack([coords[:-1][same], coords[1:][same]])
    return seg, idx[:-1][same]


def _classify(mid: NDArray[np.float64], regions: Regions) -> NDArray[np.int8]:
    cls = np.full(len(mid), len(ROAD_CLASSES) - 1, dtype=np.int8)
    pts = shapely.points(mid)
    layers: list[Layer] = [regions.communities, regions.towns, regions.districts]
    for rank, layer in zip((3, 2, 1), layers, strict=True):
        tree = shapely.STRtree(shapely.boundary(layer.geoms))
        hit = np.unique(tree.query(pts, predicate="dwithin", distance=0.5)[0])
        cls[hit] = rank
    on_ring = shapely.dwithin(shapely.boundary(regions.city), pts, 0.5)
    cls[on_ring] = 0
    return cls


def build_roads(rng: np.random.Generator, regions: Regions) -> Roads:
    """Node the boundary linework of all grids into a graph and class every segment."""
    noded = shapely.get_parts(shapely.unary_union(shapely.boundary(regions.grids.geoms)))
    seg, line_idx = _segments(np.asarray(noded, dtype=object))
    keep = np.hypot(seg[:, 2] - seg[:, 0], seg[:, 3] - seg[:, 1]) > 0.01
    seg, line_idx = seg[keep], line_idx[keep]
    ends = np.round(np.concatenate([seg[:, :2], seg[:, 2:]]), 2)
    node_xy, inverse = np.unique(ends, axis=0, return_inverse=True)
    n = len(seg)
    u, v = inverse[:n].astype(np.int64), inverse[n:].astype(np.int64)
    cls = _classify((seg[:, :2] + seg[:, 2:]) / 2, regions)
    pool = names.place_names(rng, int(line_idx.max()) + 1)
    rname = [
        "雪亮" + _SUFFIX[0] if c == 0 else pool[i] + _SUFFIX[c]
        for i, c in zip(line_idx.tolist(), cls.tolist(), strict=True)
    ]
    return Roads(node_xy, u, v, cls, rname)
