"""`xueliang sim city`: generate the synthetic city and write it (see docs/sim.md for the formats)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray

from xueliang.sim import geo, orgs, registry, writers
from xueliang.sim.buildings import Buildings, build_buildings
from xueliang.sim.cameras import KINDS, Cameras, Tollgates, build_cameras
from xueliang.sim.housing import Housing, build_housing
from xueliang.sim.manifest import write_manifest
from xueliang.sim.population import Population, build_population
from xueliang.sim.progress import Steps
from xueliang.sim.regions import Layer, Regions, build_regions
from xueliang.sim.roads import ROAD_CLASSES, SPEED_KMH, Roads, build_roads
from xueliang.sim.seeds import rng_for
from xueliang.sim.targets import Targets, targets_for

I64 = NDArray[np.int64]


@dataclass(frozen=True)
class Network:
    """The parts of the city that traffic simulation needs (cheap to regenerate from the seed)."""

    targets: Targets
    regions: Regions
    roads: Roads
    cameras: Cameras
    tollgates: Tollgates


def build_network(seed: int, scale: float) -> Network:
    t = targets_for(scale)
    regions = build_regions(rng_for(seed, "regions"), t)
    roads = build_roads(rng_for(seed, "roads"), regions)
    cams, tgs = build_cameras(rng_for(seed, "cameras"), regions, roads, t)
    return Network(t, regions, roads, cams, tgs)


def _lonlat_pts(xy: NDArray[np.float64]) -> tuple[list[str], list[str]]:
    lon, lat = geo.to_lonlat(xy[:, 0], xy[:, 1])
    return writers.fmt6(lon), writers.fmt6(lat)


def _polygons(layer_geoms: NDArray[np.object_]) -> list[str]:
    ll = geo.geoms_to_lonlat(layer_geoms)
    coords, idx = shapely.get_coordinates(shapely.get_exterior_ring(ll), return_index=True)
    return writers.rings_json(coords, idx, len(ll))


def write_areas(out: Path, r: Regions, steps: Steps) -> dict[str, int]:
    layers: list[tuple[Layer, list[str]]] = [
        (r.districts, ["990100000000"] * len(r.districts)),
        (r.towns, [r.districts.codes[p] for p in r.towns.parent.tolist()]),
        (r.communities, [r.towns.codes[p] for p in r.communities.parent.tolist()]),
    ]
    geoms = np.concatenate([np.asarray([r.city], dtype=object)] + [lay.geoms for lay, _ in layers])
    props: dict[str, Any] = {
        "code": ["990100000000"] + [c for lay, _ in layers for c in lay.codes],
        "name": ["雪亮市"] + [c for lay, _ in layers for c in lay.names],
        "level": ["city"] + [lay.level for lay, _ in layers for _c in lay.codes],
        "parent_code": [""] + [p for _, parents in layers for p in parents],
        "area_m2": np.round(shapely.area(geoms), 1),
    }
    n = writers.write_features(out / "admin_areas.geojson", _polygons(geoms), props, steps, "admin areas")
    g = r.grids
    gprops: dict[str, Any] = {
        "code": g.codes,
        "name": g.names,
        "community_code": [r.communities.codes[p] for p in g.parent.tolist()],
        "area_m2": np.round(shapely.area(g.geoms), 1),
    }
    m = writers.write_features(out / "grids.geojson", _polygons(g.geoms), gprops, steps, "grids")
    return {"admin_areas.geojson": n, "grids.geojson": m}


def write_roads(out: Path, roads: Roads, steps: Steps) -> dict[str, int]:
    lon, lat = geo.to_lonlat(roads.node_xy[:, 0], roads.node_xy[:, 1])
    geoms = writers.lines_json(lon[roads.edge_u], lat[roads.edge_u], lon[roads.edge_v], lat[roads.edge_v])
    props: dict[str, Any] = {
        "edge_id": np.arange(len(geoms)),
        "from_node": roads.edge_u,
        "to_node": roads.edge_v,
        "class": [ROAD_CLASSES[c] for c in roads.edge_class.tolist()],
        "name": roads.edge_name,
        "speed_kmh": np.asarray(SPEED_KMH)[roads.edge_class],
        "length_m": np.round(roads.edge_length_m, 1),
    }
    n = writers.write_features(out / "roads.geojson", geoms, props, steps, "roads")
    cols = {
        "node_id": np.arange(len(lon)),
        "lon": writers.fmt6(lon),
        "lat": writers.fmt6(lat),
        "degree": roads.degree(),
        "class": [ROAD_CLASSES[c] for c in roads.node_class().tolist()],
    }
    m = writers.write_csv(out / "road_nodes.csv", len(lon), cols, steps, "road nodes")
    return {"roads.geojson": n, "road_nodes.csv": m}


def write_cameras(out: Path, net: Network, steps: Steps) -> dict[str, int]:
    r, cams, tg = net.regions, net.cameras, net.tollgates
    comm = r.grids.parent[cams.grid]
    town = r.communities.parent[comm]
    lon, lat = _lonlat_pts(cams.xy)
    station = ["P" + r.towns.codes[t][4:9] for t in town.tolist()]
    road_kind = (cams.kind == 1) | (cams.kind == 3)
    cols = {
        "device_id": cams.device_id,
        "name": cams.name,
        "kind": [KINDS[k] for k in cams.kind.tolist()],
        "type_code": [d[10:13] for d in cams.device_id],
        "owner": np.where(cams.social, "social", "public"),
        "lon": lon,
        "lat": lat,
        "grid_code": [r.grids.codes[g] for g in cams.grid.tolist()],
        "community_code": [r.communities.codes[c] for c in comm.tolist()],
        "town_code": [r.towns.codes[t] for t in town.tolist()],
        "department_code": np.where(road_kind, "D0002", station),
        "tollgate_id": [tg.tollgate_id[i] if i >= 0 else "" for i in cams.tollgate.tolist()],
        "direction": np.where(cams.kind == 1, np.where(cams.heading_up, "up", "down"), ""),
        "lanes": cams.lanes,
    }
    n = writers.write_csv(out / "cameras.csv", len(cams), cols, steps, "cameras")
    return {"cameras.csv": n, **_write_tollgates(out, net, steps)}


def _write_tollgates(out: Path, net: Network, steps: Steps) -> dict[str, int]:
    r, cams, tg = net.regions, net.cameras, net.tollgates
    lanes = np.bincount(
        cams.tollgate[cams.tollgate >= 0], weights=cams.lanes[cams.tollgate >= 0], minlength=len(tg.node)
    )
    lon, lat = _lonlat_pts(net.roads.node_xy[tg.node])
    cols = {
        "tollgate_id": tg.tollgate_id,
        "name": tg.name,
        "kind": np.where(tg.entrance, "entrance", "junction"),
        "lon": lon,
        "lat": lat,
        "node_id": tg.node,
        "grid_code": [r.grids.codes[g] for g in tg.grid.tolist()],
        "place_code": [r.communities.codes[r.grids.parent[g]] for g in tg.grid.tolist()],
        "lane_num": lanes.astype(np.int64),
    }
    n = writers.write_csv(out / "tollgates.csv", len(tg.node), cols, steps, "tollgates")
    cp = np.flatnonzero(cams.tollgate >= 0)
    cam = np.repeat(cp, cams.lanes[cp])
    first = np.concatenate([[0], np.cumsum(cams.lanes[cp])[:-1]])
    within = np.arange(len(cam)) - np.repeat(first, cams.lanes[cp])
    lane_no = within + 1 + np.where(cams.heading_up[cam], 0, 10)
    lcols = {
        "tollgate_id": [tg.tollgate_id[cams.tollgate[c]] for c in cam.tolist()],
        "lane_no": lane_no,
        "device_id": [cams.device_id[c] for c in cam.tolist()],
        "direction": np.where(cams.heading_up[cam], "up", "down"),
    }
    m = writers.write_csv(out / "lanes.csv", len(cam), lcols, steps, "lanes")
    return {"tollgates.csv": n, "lanes.csv": m}


def write_orgs(out: Path, seed: int, r: Regions, steps: Steps) -> dict[str, int]:
    depts = orgs.build_departments(r)
    users = orgs.build_users(rng_for(seed, "orgs"), r, depts)
    dcols = {
        "department_code": [d.code for d in depts],
        "name": [d.name for d in depts],
        "kind": [d.kind for d in depts],
        "parent_code": [d.parent_code for d in depts],
        "area_code": [d.area_code for d in depts],
    }
    ucols = {
        "username": [u.username for u in users],
        "name": [u.name for u in users],
        "role": [u.role for u in users],
        "department_code": [u.department_code for u in users],
        "grid_code": [u.grid_code for u in users],
    }
    return {
        "departments.csv": writers.write_csv(
            out / "departments.csv", len(depts), dcols, steps, "departments"
        ),
        "users.csv": writers.write_csv(out / "users.csv", len(users), ucols, steps, "users"),
    }


def generate_city(out: Path, seed: int, scale: float, steps: Steps) -> dict[str, int]:
    """Generate every part and write it to `out`; returns the row count of every file."""
    out.mkdir(parents=True, exist_ok=True)
    net = build_network(seed, scale)
    t = net.targets
    files = write_areas(out, net.regions, steps)
    files |= write_roads(out, net.roads, steps)
    files |= write_cameras(out, net, steps)
    files |= write_orgs(out, seed, net.regions, steps)
    b: Buildings = build_buildings(
        rng_for(seed, "buildings"), net.regions.grids, t.buildings, t.housing_units
    )
    files |= registry.write_buildings(out, net.regions, b, steps)
    h: Housing = build_housing(rng_for(seed, "buildings", 1), b)
    files |= registry.write_housing(out, net.regions, b, h, steps)
    district = registry.district_of_grid(net.regions)[b.grid[h.building]] + 1
    p: Population = build_population(rng_for(seed, "population"), h, district, t.residents)
    files |= registry.write_population(out, p, steps)
    counts = {
        "districts": len(net.regions.districts),
        "towns": len(net.regions.towns),
        "communities": len(net.regions.communities),
        "grids": len(net.regions.grids),
        "buildings": len(b),
        "housing_units": len(h),
        "residents": len(p),
        "cameras": len(net.cameras),
        "tollgates": len(net.tollgates.node),
        **{f"cameras_{k}": int((net.cameras.kind == i).sum()) for i, k in enumerate(KINDS)},
    }
    write_manifest(out, "city", {"seed": seed, "scale": scale}, counts, files)
    return files
