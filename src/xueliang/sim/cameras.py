"""Camera channels, checkpoints (卡口/tollgates) and their lanes.

IDs follow GB/T 28181 rule A, 20 digits: centre 8 (district code 6 + "00") + industry 2 + type 3 +
serial 7, where the serial's first digit is the network identifier (0 = video private network,
8 = social resources). Types: 132 IPC, 131 analogue camera (legacy, behind a DVR), 121 checkpoint
(a platform convention inside the front-end range 111–130; GB/T 28181 names no checkpoint type).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray

from xueliang.sim import geo
from xueliang.sim.regions import Regions, sample_in
from xueliang.sim.roads import Roads
from xueliang.sim.targets import Targets

KINDS: tuple[str, ...] = ("face", "checkpoint", "ordinary", "traffic", "legacy")
FACE, CHECKPOINT, ORDINARY, TRAFFIC, LEGACY = range(5)
_INDUSTRY = ("00", "05", "00", "04", "00")
_TYPE = ("132", "132", "132", "132", "131")
_PLACES = ("广场", "商场", "地铁站", "汽车站", "医院", "学校", "农贸市场", "步行街", "公园", "火车站")

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]


@dataclass(frozen=True)
class Cameras:
    kind: NDArray[np.int8]
    xy: F64
    social: NDArray[np.bool_]
    tollgate: I64  # index into tollgates, -1 if none
    heading_up: NDArray[np.bool_]  # checkpoint cameras: covers traffic heading north/east
    lanes: I64
    device_id: list[str]
    name: list[str]
    grid: I64

    def __len__(self) -> int:
        return len(self.kind)


@dataclass(frozen=True)
class Tollgates:
    node: I64
    entrance: NDArray[np.bool_]
    tollgate_id: list[str]
    name: list[str]
    grid: I64


def grid_of(regions: Regions, xy: F64) -> I64:
    """Index of the grid containing each point (lowest index for points on, or within 5 cm of, a boundary)."""
    tree = shapely.STRtree(regions.grids.geoms)
    pi, gi = tree.query(shapely.points(xy), predicate="dwithin", distance=0.05)
    out = np.full(len(xy), len(regions.grids), dtype=np.int64)
    np.minimum.at(out, pi, gi)
    return out


def district_code6(regions: Regions, grid: I64) -> list[str]:
    g = regions
    town = g.communities.parent[g.grids.parent[grid]]
    return [g.districts.codes[d][:6] for d in g.towns.parent[town].tolist()]


def device_ids(
    codes6: list[str], industry: list[str], types: list[str], net: list[str], serial: I64
) -> list[str]:
    return [
        f"{c}00{i}{t}{n}{s:06d}"
        for c, i, t, n, s in zip(codes6, industry, types, net, serial.tolist(), strict=True)
    ]


def _entrances(roads: Roads) -> NDArray[np.bool_]:
    ring = np.zeros(len(roads.node_xy), dtype=bool)
    ring[roads.edge_u[roads.edge_class == 0]] = True
    ring[roads.edge_v[roads.edge_class == 0]] = True
    major = np.zeros_like(ring)
    sel = (roads.edge_class >= 1) & (roads.edge_class <= 2)
    major[roads.edge_u[sel]] = True
    major[roads.edge_v[sel]] = True
    return ring & major


def build_tollgates(rng: np.random.Generator, regions: Regions, roads: Roads, n: int) -> Tollgates:
    """Checkpoint sites: every city entrance first, then the busiest junctions."""
    entrance = _entrances(roads)
    xy = roads.node_xy
    score = (4 - roads.node_class()) * 1.0 + 3 * geo.urbanness(xy[:, 0], xy[:, 1]) + rng.random(len(xy))
    score += np.where(entrance, 100.0, 0.0) + np.where(roads.degree() >= 3, 5.0, 0.0)
    node = np.sort(np.argsort(-score, kind="stable")[:n])
    grid = grid_of(regions, xy[node])
    codes6 = district_code6(regions, grid)
    serial = np.arange(1, len(node) + 1, dtype=np.int64)
    ids = device_ids(codes6, ["05"] * len(node), ["121"] * len(node), ["0"] * len(node), serial)
    kind = ["城市入口卡口" if e else "路口卡口" for e in entrance[node].tolist()]
    nm = [
        f"{roads_name_at(roads, v)}{k}{i:04d}"
        for i, (v, k) in enumerate(zip(node.tolist(), kind, strict=True))
    ]
    return Tollgates(node, entrance[node], ids, nm, grid)


def roads_name_at(roads: Roads, node: int) -> str:
    """Name of the best-class road through `node`."""
    edges = np.flatnonzero((roads.edge_u == node) | (roads.edge_v == node))
    best = edges[np.argmin(roads.edge_class[edges])]
    return roads.edge_name[int(best)]


def _points(rng: np.random.Generator, regions: Regions, n: int, power: float) -> F64:
    """`n` points in grids drawn with weight ∝ urbanness^power (crowded places downtown)."""
    c = shapely.get_coordinates(shapely.centroid(regions.grids.geoms))
    w = geo.urbanness(c[:, 0], c[:, 1]) ** power + 1e-3
    pick = np.sort(rng.choice(len(w), size=n, p=w / w.sum()))
    return (
        np.concatenate([sample_in(rng, regions.grids.geoms[g], 1, False) for g in pick.tolist()])
        if n
        else c[:0]
    )


def build_cameras(
    rng: np.random.Generator, regions: Regions, roads: Roads, t: Targets
) -> tuple[Cameras, Tollgates]:
    """All camera channels; checkpoint cameras come two per tollgate (one per travel direction)."""
    tg = build_tollgates(rng, regions, roads, (t.checkpoint_cameras + 1) // 2)
    cp_tg = np.arange(t.checkpoint_cameras, dtype=np.int64) // 2
    n_other = (t.face_cameras, t.ordinary_cameras, t.traffic_cameras, t.legacy_cameras)
    kind = np.concatenate(
        [
            np.full(n, k, np.int8)
            for n, k in zip((t.face_cameras, t.checkpoint_cameras, *n_other[1:]), range(5), strict=False)
        ]
    )
    xy_face = _points(rng, regions, t.face_cameras, 3.0)
    tnodes = rng.choice(len(roads.node_xy), size=t.traffic_cameras, replace=False)
    xy = np.concatenate(
        [
            xy_face,
            roads.node_xy[tg.node[cp_tg]],
            _points(rng, regions, t.ordinary_cameras, 1.0),
            roads.node_xy[np.sort(tnodes)],
            _points(rng, regions, t.legacy_cameras, 0.5),
        ]
    )
    social = ((kind == FACE) & (rng.random(len(kind)) < 0.15)) | (
        (kind == ORDINARY) & (rng.random(len(kind)) < 0.4)
    )
    tollgate = np.full(len(kind), -1, np.int64)
    tollgate[kind == CHECKPOINT] = cp_tg
    up = np.zeros(len(kind), dtype=bool)
    up[kind == CHECKPOINT] = np.arange(t.checkpoint_cameras) % 2 == 0
    lanes = np.where(kind == CHECKPOINT, rng.integers(2, 4, len(kind)), 0)
    grid = grid_of(regions, xy)
    serial = np.zeros(len(kind), np.int64)
    for k in range(5):
        serial[kind == k] = np.arange(1, int((kind == k).sum()) + 1)
    ids = device_ids(
        district_code6(regions, grid),
        [_INDUSTRY[k] for k in kind.tolist()],
        [_TYPE[k] for k in kind.tolist()],
        ["8" if s else "0" for s in social.tolist()],
        serial + kind.astype(np.int64) * 100_000,
    )
    names = _camera_names(rng, kind, tollgate, up, tg)
    return Cameras(kind, xy, social, tollgate, up, lanes, ids, names, grid), tg


def _camera_names(
    rng: np.random.Generator, kind: NDArray[np.int8], tollgate: I64, up: NDArray[np.bool_], tg: Tollgates
) -> list[str]:
    place = rng.integers(0, len(_PLACES), len(kind))
    out: list[str] = []
    for i, (k, g, u, p) in enumerate(
        zip(kind.tolist(), tollgate.tolist(), up.tolist(), place.tolist(), strict=True)
    ):
        if k == CHECKPOINT:
            out.append(f"{tg.name[g]}{'上行' if u else '下行'}")
        else:
            out.append(f"{_PLACES[p] if k == FACE else '监控点'}{KINDS[k]}{i:05d}")
    return out
