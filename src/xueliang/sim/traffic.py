"""`xueliang sim traffic`: checkpoint passes and face captures over a time window (see docs/sim.md)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from xueliang.sim import faces, gat1400
from xueliang.sim.cameras import FACE
from xueliang.sim.city import Network, build_network
from xueliang.sim.manifest import write_manifest
from xueliang.sim.progress import Steps
from xueliang.sim.routes import Routes, build_routes
from xueliang.sim.seeds import rng_for
from xueliang.sim.trips import Passes, expand, plan_trips
from xueliang.sim.truth import Truth, inject_clones, pick_watchlist, write_truth
from xueliang.sim.vehicles import VEHICLE_CLASSES, Fleet, build_fleet

BATCH = 50_000
I64 = NDArray[np.int64]


@dataclass
class Window:
    start: np.datetime64
    hours: int
    stamps: list[str] = field(default_factory=list)

    @property
    def seconds(self) -> int:
        return self.hours * 3600


def fleet_size(seed: int, net: Network, routes: Routes) -> int:
    """Vehicles needed for the target passes per day, from a pilot of 4,000 vehicles."""
    pilot = build_fleet(rng_for(seed, "vehicles", 1), 4000, routes.zone_weight, routes.seconds)
    v = np.arange(4000, dtype=np.int64)
    trips = plan_trips(rng_for(seed, "trips", 1), pilot, v, routes, 0)
    per_vehicle = max(
        1e-9,
        float(
            (
                routes.offsets[trips[1] * routes.n_zones + trips[2] + 1]
                - routes.offsets[trips[1] * routes.n_zones + trips[2]]
            ).sum()
        )
        / 4000,
    )
    return max(10, math.floor(net.targets.passes_per_day / per_vehicle + 0.5))


def day_passes(seed: int, fleet: Fleet, routes: Routes, net: Network, day: int) -> Passes:
    speed = net.roads.edge_speed_kmh
    parts: list[Passes] = []
    for b, v0 in enumerate(range(0, len(fleet), BATCH)):
        v = np.arange(v0, min(len(fleet), v0 + BATCH), dtype=np.int64)
        trips = plan_trips(rng_for(seed, "trips", 0, day, b), fleet, v, routes, day)
        parts.append(expand(rng_for(seed, "trips", 2, day, b), trips, routes, speed))
    cat = [np.concatenate([getattr(p, k) for p in parts]) for k in Passes.__dataclass_fields__]
    order = np.lexsort((cat[2], cat[0], cat[1]))
    return Passes(*(c[order] for c in cat))


def _camera_lookup(net: Network) -> tuple[I64, I64]:
    cams = net.cameras
    n = len(net.tollgates.node)
    cam_of = np.full((n, 2), -1, np.int64)
    cp = np.flatnonzero(cams.tollgate >= 0)
    cam_of[cams.tollgate[cp], cams.heading_up[cp].astype(np.int64)] = cp
    cam_of[cam_of[:, 0] < 0, 0] = cam_of[cam_of[:, 0] < 0, 1]
    cam_of[cam_of[:, 1] < 0, 1] = cam_of[cam_of[:, 1] < 0, 0]
    return cam_of, cams.lanes


def write_passes(
    out: Path,
    seed: int,
    w: Window,
    day: int,
    p: Passes,
    fleet: Fleet,
    net: Network,
    steps: Steps,
    truth: Truth,
) -> dict[str, int]:
    """Write one simulated day's passes into that day's hourly files (and only those)."""
    cam_of, lanes = _camera_lookup(net)
    cam = cam_of[p.tollgate, p.up.astype(np.int64)]
    rng = rng_for(seed, "trips", 3, day)
    lane = (
        rng.integers(0, 1 << 20, len(cam)) % np.maximum(lanes[cam], 1)
        + 1
        + np.where(net.cameras.heading_up[cam], 0, 10)
    )
    files: dict[str, int] = {}
    task = steps.task("checkpoint passes", len(cam))
    bounds = np.searchsorted(p.time, np.arange(0, w.seconds + 1, 3600))
    (out / "motor_vehicles").mkdir(parents=True, exist_ok=True)
    for h in range(24 * day, min(24 * (day + 1), w.hours)):
        a, b = int(bounds[h]), int(bounds[h + 1])
        name = f"motor_vehicles/{w.stamps[h * 3600][:10]}.ndjson"
        (out / name).write_bytes(b"")
        for a2 in range(a, b, 100_000):
            b2 = min(b, a2 + 100_000)
            cols = _pass_columns(slice(a2, b2), w, p, fleet, net, cam, lane, truth)
            _write_lines(out / name, gat1400.motor_vehicle_lines(cols), append=True)
        files[name] = b - a
        steps.advance(task, b - a)
    return files


def _pass_columns(
    sl: slice, w: Window, p: Passes, fleet: Fleet, net: Network, cam: I64, lane: I64, truth: Truth
) -> dict[str, Sequence[Any]]:
    """Record fields of passes `sl` (a bounded chunk, so memory stays flat)."""
    dev, tgid, roads = net.cameras.device_id, net.tollgates.tollgate_id, net.roads.edge_name
    stamp = [w.stamps[t] for t in p.time[sl].tolist()]
    device = [dev[c] for c in cam[sl].tolist()]
    serial = np.arange(sl.start, sl.stop, dtype=np.int64) % 100_000
    veh = p.vehicle[sl]
    source = gat1400.source_ids(device, stamp, serial)
    truth.add_motor_ids(veh, [s + "0200001" for s in source])
    return {
        "source": source,
        "serial": [1] * len(source),
        "device": device,
        "tollgate": [tgid[t] for t in p.tollgate[sl].tolist()],
        "lane": lane[sl].tolist(),
        "stamp": stamp,
        "pclass": np.where(fleet.plate_color[veh] == 6, "01", "02").tolist(),
        "pcolor": fleet.plate_color[veh].tolist(),
        "plate": [fleet.plate[v] for v in veh.tolist()],
        "vclass": np.asarray(VEHICLE_CLASSES)[fleet.vclass[veh]].tolist(),
        "brand": (fleet.brand[veh].astype(np.int64) + 1).tolist(),
        "colour": fleet.colour[veh].tolist(),
        "speed": p.speed[sl].tolist(),
        "direction": p.direction[sl].tolist(),
        "road": [roads[e] for e in p.edge[sl].tolist()],
    }


def _write_lines(path: Path, lines: list[str], append: bool = False) -> None:
    with path.open("a" if append else "w", encoding="utf-8", newline="\n") as fh:
        if lines:
            fh.write("\n".join(lines) + "\n")


def write_faces(
    out: Path, seed: int, w: Window, net: Network, ids: faces.Identities, steps: Steps, truth: Truth
) -> dict[str, int]:
    face_cams = np.flatnonzero(net.cameras.kind == FACE)
    files: dict[str, int] = {}
    (out / "faces").mkdir(parents=True, exist_ok=True)
    days = math.ceil(w.hours / 24)
    task = steps.task("face captures", net.targets.face_captures_per_day * days)
    for d in range(days):
        who, cam, sec = faces.captures(rng_for(seed, "faces", d), ids, len(face_cams))
        t = np.floor(sec).astype(np.int64) + d * 86400
        keep = t < w.seconds
        order = np.lexsort((who[keep], t[keep]))
        who, cam, t = who[keep][order], cam[keep][order], t[keep][order]
        bounds = np.searchsorted(t, np.arange(d * 86400, min(w.seconds, (d + 1) * 86400) + 1, 3600))
        for h in range(len(bounds) - 1):
            a, b = int(bounds[h]), int(bounds[h + 1])
            files |= _face_hour(
                out, seed, w, net, ids, face_cams, who[a:b], cam[a:b], t[a:b], d * 24 + h, truth
            )
            steps.advance(task, b - a)
    return files


def _face_hour(
    out: Path,
    seed: int,
    w: Window,
    net: Network,
    ids: faces.Identities,
    face_cams: I64,
    who: I64,
    cam: I64,
    t: I64,
    hour: int,
    truth: Truth,
) -> dict[str, int]:
    device = [net.cameras.device_id[c] for c in face_cams[cam].tolist()]
    stamp = [w.stamps[x] for x in t.tolist()]
    serial = np.arange(len(who), dtype=np.int64) % 100_000
    source = gat1400.source_ids(device, stamp, serial)
    age = ids.age[who]
    cols: dict[str, Sequence[Any]] = {
        "source": source,
        "serial": np.ones(len(who), np.int64).tolist(),
        "device": device,
        "stamp": stamp,
        "gender": np.where(ids.male[who], 1, 2).tolist(),
        "age_lo": (age // 10 * 10).tolist(),
        "age_hi": (age // 10 * 10 + 9).tolist(),
        "feature": faces.features(rng_for(seed, "faces", 1, hour), ids.centre[who]),
    }
    name = f"faces/{w.stamps[hour * 3600][:10]}"
    _write_lines(out / f"{name}.ndjson", gat1400.face_lines(cols))
    face_ids = [s + "0600001" for s in source]
    _write_lines(
        out / f"{name}.identity.csv",
        ["face_id,identity_id"] + [f"{f},{i}" for f, i in zip(face_ids, who.tolist(), strict=True)],
    )
    truth.add_faces(who, face_ids)
    return {f"{name}.ndjson": len(who), f"{name}.identity.csv": len(who)}


def generate_traffic(
    out: Path, seed: int, scale: float, start: str, hours: int, steps: Steps
) -> dict[str, int]:
    out.mkdir(parents=True, exist_ok=True)
    w = Window(np.datetime64(start, "s"), hours)
    w.stamps = gat1400.stamp_table(w.start, w.seconds + 86400)
    net = build_network(seed, scale)
    routes = build_routes(net, seed)
    fleet = build_fleet(
        rng_for(seed, "vehicles"), fleet_size(seed, net, routes), routes.zone_weight, routes.seconds
    )
    truth = Truth(w.start, hours)
    inject_clones(rng_for(seed, "truth"), fleet, routes, truth, max(2, round(50 * scale)))
    pick_watchlist(rng_for(seed, "truth", 1), fleet, truth, max(3, round(100 * scale)))
    files: dict[str, int] = {}
    for d in range(math.ceil(hours / 24)):
        p = day_passes(seed, fleet, routes, net, d)
        keep = p.time < w.seconds
        p = Passes(*(getattr(p, k)[keep] for k in Passes.__dataclass_fields__))
        truth.add_passes(p, d, len(fleet))
        files |= write_passes(out, seed, w, d, p, fleet, net, steps, truth)
    ids = faces.build_identities(
        rng_for(seed, "identities"),
        net.targets.face_identities,
        net.cameras.xy[net.cameras.kind == FACE],
        net.targets.face_captures_per_day,
    )
    truth.pick_identities(rng_for(seed, "truth", 2), ids, max(3, round(50 * scale)))
    files |= write_faces(out, seed, w, net, ids, steps, truth)
    write_truth(out / "truth.json", truth, fleet, ids)
    files["truth.json"] = 1
    counts = {
        "vehicles": len(fleet),
        "passes": sum(v for k, v in files.items() if k.startswith("motor")),
        "faces": sum(v for k, v in files.items() if k.endswith(".ndjson") and k.startswith("faces")),
        "identities": len(ids.age),
    }
    write_manifest(
        out, "traffic", {"seed": seed, "scale": scale, "start": start, "hours": hours}, counts, files
    )
    return files
