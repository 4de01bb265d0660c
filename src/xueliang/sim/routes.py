"""Shortest routes between traffic zones and the checkpoints each route passes.

Zones are road nodes near the busiest grids plus every city entrance. Dijkstra from each zone
(scipy.sparse.csgraph) gives travel times at free-flow road speeds; walking each predecessor tree
back from all targets at once lists, per zone pair, the checkpoints passed in order with their time
offset from departure, travel direction and the road they are on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from scipy.sparse import csr_matrix  # type: ignore[import-untyped]
from scipy.sparse.csgraph import dijkstra  # type: ignore[import-untyped]

from xueliang.sim.buildings import per_grid_counts
from xueliang.sim.city import Network

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]


@dataclass(frozen=True)
class Routes:
    zone_node: I64
    zone_weight: F64  # share of homes per zone (0 for entrances)
    entrance_zones: I64
    seconds: F64  # (Z, Z) free-flow travel time
    offsets: I64  # CSR over pair = a * Z + b
    tollgate: I64
    t_offset: F64
    up: NDArray[np.bool_]
    direction: NDArray[np.int8]  # GA/T 1400 direction code
    edge: I64

    @property
    def n_zones(self) -> int:
        return len(self.zone_node)


def _graph(net: Network) -> csr_matrix:
    r = net.roads
    n = len(r.node_xy)
    w = r.edge_seconds
    return csr_matrix(
        (
            np.concatenate([w, w]),
            (np.concatenate([r.edge_u, r.edge_v]), np.concatenate([r.edge_v, r.edge_u])),
        ),
        shape=(n, n),
    )


def _zones(net: Network, seed: int, n_zones: int) -> tuple[I64, F64, I64]:
    from xueliang.sim.seeds import rng_for

    grids = net.regions.grids
    counts = per_grid_counts(rng_for(seed, "buildings"), grids, net.targets.buildings).astype(np.float64)
    c = shapely.get_coordinates(shapely.centroid(grids.geoms))
    order = np.argsort(-counts, kind="stable")[: min(n_zones, len(counts))]
    xy = net.roads.node_xy
    near = np.argmin(((xy[None, :, :] - c[order][:, None, :]) ** 2).sum(axis=2), axis=1)
    nodes = np.unique(near)
    weight = np.bincount(np.searchsorted(nodes, near), weights=counts[order], minlength=len(nodes))
    entr = net.tollgates.node[net.tollgates.entrance]
    entr = np.setdiff1d(entr, nodes)
    zone_node = np.concatenate([nodes, entr]).astype(np.int64)
    zone_w = np.concatenate([weight / weight.sum(), np.zeros(len(entr))])
    return zone_node, zone_w, np.arange(len(nodes), len(zone_node), dtype=np.int64)


def direction_code(dx: F64, dy: F64) -> NDArray[np.int8]:
    """8 sectors of travel: 2 W→E, 1 E→W, 3 S→N, 4 N→S, 8 SW→NE, 5 SE→NW, 6 NW→SE, 7 NE→SW."""
    sector = (np.round(np.arctan2(dy, dx) / (np.pi / 4)).astype(np.int64)) % 8  # 0 = east, counter-clockwise
    return np.asarray(np.array([2, 8, 3, 5, 1, 7, 4, 6], dtype=np.int8)[sector], dtype=np.int8)


def _edge_index(net: Network) -> tuple[I64, I64]:
    r = net.roads
    n = len(r.node_xy)
    keys = np.concatenate([r.edge_u * n + r.edge_v, r.edge_v * n + r.edge_u])
    ids = np.concatenate([np.arange(len(r.edge_u)), np.arange(len(r.edge_u))])
    order = np.argsort(keys)
    return keys[order], ids[order]


def _walk(net: Network, src: int, zone_node: I64, dist: F64, pred: NDArray[np.int32]) -> list[Any]:
    """Checkpoint hits on the routes from zone `src` to every zone: (target, node, prev, next)."""
    tg_of_node = np.full(len(net.roads.node_xy), -1, np.int64)
    tg_of_node[net.tollgates.node] = np.arange(len(net.tollgates.node))
    cur = zone_node.copy()
    nxt = np.full(len(cur), -1, np.int64)
    target = np.arange(len(cur))
    hits: list[tuple[I64, I64, I64, I64]] = []
    alive = cur != zone_node[src]
    while alive.any():
        c, t, x = cur[alive], target[alive], nxt[alive]
        p = pred[c].astype(np.int64)
        hit = tg_of_node[c] >= 0
        hits.append((t[hit], c[hit], np.where(p[hit] >= 0, p[hit], c[hit]), x[hit]))
        nxt[alive] = c
        cur[alive] = p
        alive = (cur >= 0) & (cur != zone_node[src])
    t, c, p, x = (np.concatenate([h[i] for h in hits]) if hits else np.zeros(0, np.int64) for i in range(4))
    # the origin node itself can be a checkpoint: count it when leaving it
    src_node = zone_node[src]
    if tg_of_node[src_node] >= 0:
        first_next = _first_step(pred, zone_node, src_node)
        ok = first_next >= 0
        t = np.concatenate([t, np.flatnonzero(ok)])
        c = np.concatenate([c, np.full(ok.sum(), src_node)])
        p = np.concatenate([p, np.full(ok.sum(), src_node)])
        x = np.concatenate([x, first_next[ok]])
    return [t, c, p, x, dist[c]]


def _first_step(pred: NDArray[np.int32], zone_node: I64, src_node: int) -> I64:
    cur = zone_node.copy()
    out = np.full(len(cur), -1, np.int64)
    alive = cur != src_node
    while alive.any():
        p = pred[cur[alive]].astype(np.int64)
        arrived = p == src_node
        idx = np.flatnonzero(alive)
        out[idx[arrived]] = cur[idx[arrived]]
        cur[idx] = p
        alive = (cur >= 0) & (cur != src_node) & (out < 0)
    return out


def build_routes(net: Network, seed: int, n_zones: int = 300) -> Routes:
    zone_node, zone_w, entr = _zones(net, seed, n_zones)
    dist, pred = dijkstra(_graph(net), indices=zone_node, return_predecessors=True)
    z = len(zone_node)
    keys, ids = _edge_index(net)
    n = len(net.roads.node_xy)
    xy = net.roads.node_xy
    parts: list[tuple[Any, ...]] = []
    for a in range(z):
        t, c, p, x, off = _walk(net, a, zone_node, dist[a], pred[a])
        frm = np.where(p != c, p, c)
        to = np.where(p != c, c, x)
        d = xy[to] - xy[frm]
        edge = ids[np.searchsorted(keys, frm * n + to)]
        parts.append((a * z + t, c, off, d[:, 0], d[:, 1], edge))
    cat: list[Any] = [np.concatenate([q[i] for q in parts]) for i in range(6)]
    pair, node, off, dx, dy, edge = cat
    order = np.lexsort((off, pair))
    pair, node, off, dx, dy, edge = (v[order] for v in (pair, node, off, dx, dy, edge))
    tg_of_node = np.full(n, -1, np.int64)
    tg_of_node[net.tollgates.node] = np.arange(len(net.tollgates.node))
    offsets = np.concatenate([[0], np.cumsum(np.bincount(pair, minlength=z * z))]).astype(np.int64)
    seconds = dist[:, zone_node]
    return Routes(
        zone_node,
        zone_w,
        entr,
        seconds,
        offsets,
        tg_of_node[node],
        off,
        (dx + dy) > 0,
        direction_code(dx, dy),
        edge.astype(np.int64),
    )
