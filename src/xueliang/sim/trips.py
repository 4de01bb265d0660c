"""Daily trip chains per vehicle and their expansion into checkpoint passes.

Each vehicle kind has a daily plan of legs (destination zone, planned departure). Legs run in order:
a leg departs at max(planned time, arrival of the previous leg + dwell), so a vehicle is never in two
places at once; travel time = free-flow route time × a congestion factor of the departure hour.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from xueliang.sim.routes import Routes
from xueliang.sim.vehicles import COMMUTER, ERRANDS, NIGHT, TAXI, TRUCK, VISITOR, Fleet

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]
H = 3600.0


@dataclass(frozen=True)
class Passes:
    vehicle: NDArray[np.int32]
    time: NDArray[np.int32]  # seconds since the window start
    tollgate: NDArray[np.int32]
    up: NDArray[np.bool_]
    direction: NDArray[np.int8]
    edge: NDArray[np.int32]
    speed: NDArray[np.int16]


def congestion(hour: F64) -> F64:
    return np.asarray(1 + 0.45 * np.exp(-((hour - 8) ** 2) / 0.8) + 0.45 * np.exp(-((hour - 18) ** 2) / 1.2))


def _legs(rng: np.random.Generator, f: Fleet, v: I64, routes: Routes) -> tuple[I64, F64, I64]:
    """Destinations (n, L) (-1 = none), planned departures (n, L) in hours, and first origins."""
    n, legs = len(v), 10
    kind, home, work = f.kind[v], f.home[v], f.work[v]
    z = routes.zone_weight
    rand = rng.choice(len(z), size=(n, legs), p=z)
    dest = np.full((n, legs), -1, np.int64)
    plan = np.zeros((n, legs))
    c = kind == COMMUTER
    dest[c, 0], plan[c, 0] = work[c], rng.normal(7.8, 0.7, c.sum())
    dest[c, 1], plan[c, 1] = home[c], rng.normal(17.8, 0.9, c.sum())
    e = c & (rng.random(n) < 0.35)
    dest[e, 2], plan[e, 2] = rand[e, 2], rng.normal(19.3, 0.8, e.sum())
    dest[e, 3], plan[e, 3] = home[e], plan[e, 2] + rng.uniform(0.5, 1.5, e.sum())
    r = kind == ERRANDS
    k = rng.integers(1, 3, n)
    for j in range(2):
        s = r & (k > j)
        t0 = rng.uniform(8 + 6 * j, 13 + 7 * j, n)
        dest[s, 2 * j], plan[s, 2 * j] = rand[s, 2 * j], t0[s]
        dest[s, 2 * j + 1], plan[s, 2 * j + 1] = home[s], t0[s] + rng.uniform(0.5, 2.0, s.sum())
    for kk, start, step in ((TAXI, (6.0, 9.0), 0.2), (TRUCK, (0.0, 20.0), 1.5), (NIGHT, (22.0, 25.0), 0.15)):
        s = kind == kk
        t0 = rng.uniform(*start, s.sum())[:, None] + np.arange(legs)[None, :] * step
        dest[s], plan[s] = rand[s], t0
    s = kind == TRUCK
    dest[s, 4:] = -1
    vis = kind == VISITOR
    entr = routes.entrance_zones
    gate = entr[rng.integers(0, len(entr), n)] if len(entr) else home
    t0 = rng.uniform(7, 20, n)
    dest[vis, 0], plan[vis, 0] = rand[vis, 0], t0[vis]
    dest[vis, 1], plan[vis, 1] = gate[vis], t0[vis] + rng.uniform(1, 5, vis.sum())
    origin = np.where(vis, gate, home)
    return dest, plan, origin


def plan_trips(
    rng: np.random.Generator, f: Fleet, v: I64, routes: Routes, day: int
) -> tuple[I64, I64, I64, F64, F64]:
    """Trips of vehicles `v` on `day`: (vehicle, origin, dest, departure s, congestion factor)."""
    dest, plan, origin = _legs(rng, f, v, routes)
    active = rng.random(len(v)) < np.where(f.kind[v] == VISITOR, 1.0, 0.9)
    cur, ready = origin.copy(), np.full(len(v), -np.inf)
    out: list[tuple[I64, I64, I64, F64, F64]] = []
    for j in range(dest.shape[1]):
        go = active & (dest[:, j] >= 0) & (dest[:, j] != cur)
        depart = np.maximum(plan[:, j] * H, ready + rng.uniform(300, 900, len(v)))
        factor = congestion((depart / H) % 24) * rng.uniform(0.97, 1.12, len(v))
        arrive = depart + routes.seconds[cur, np.maximum(dest[:, j], 0)] * factor
        out.append((v[go], cur[go], dest[go, j], depart[go] + day * 24 * H, factor[go]))
        ready = np.where(go, arrive, ready)
        cur = np.where(go, dest[:, j], cur)
    return tuple(np.concatenate([o[i] for o in out]) for i in range(5))  # type: ignore[return-value]


def expand(
    rng: np.random.Generator, trips: tuple[I64, I64, I64, F64, F64], routes: Routes, speed_kmh: I64
) -> Passes:
    """One pass per checkpoint on each trip's route."""
    veh, o, d, dep, factor = trips
    pair = o * routes.n_zones + d
    start, count = routes.offsets[pair], routes.offsets[pair + 1] - routes.offsets[pair]
    trip = np.repeat(np.arange(len(veh)), count)
    idx = np.repeat(start - np.concatenate([[0], np.cumsum(count)[:-1]]), count) + np.arange(int(count.sum()))
    t = dep[trip] + routes.t_offset[idx] * factor[trip]
    edge = routes.edge[idx]
    speed = speed_kmh[edge] / factor[trip] * rng.uniform(0.8, 1.1, len(idx))
    return Passes(
        veh[trip].astype(np.int32),
        np.floor(t).astype(np.int32),
        routes.tollgate[idx].astype(np.int32),
        routes.up[idx],
        routes.direction[idx],
        edge.astype(np.int32),
        np.clip(speed, 5, 120).astype(np.int16),
    )
