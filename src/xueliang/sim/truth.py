"""Injected ground truth (truth.json): cloned plates, watchlists, first appearances, night vehicles.

Lists are computed from the generated records themselves, so a detector that is exactly right scores
precision = recall = 1; `injected` tells which entries were planted on purpose.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import orjson
from numpy.typing import NDArray

from xueliang.sim import faces
from xueliang.sim.routes import Routes
from xueliang.sim.trips import Passes
from xueliang.sim.vehicles import COMMUTER, NIGHT, VISITOR, Fleet

NIGHT_FROM, NIGHT_TO = 22, 6
NIGHT_THRESHOLD = 4  # night passes per day, on average
I64 = NDArray[np.int64]


class Truth:
    def __init__(self, start: np.datetime64, hours: int) -> None:
        self.start, self.hours = start, hours
        self.days = -(-hours // 24)
        self.baseline_end = (self.days - 1) * 86400 if hours >= 48 else hours * 1800
        self.clones: list[tuple[int, int]] = []
        self.watch: list[int] = []
        self.watch_ids: list[int] = []
        self.first: dict[int, int] = {}
        self.first_t: I64 = np.zeros(0, np.int64)
        self.night: I64 = np.zeros(0, np.int64)
        self.motor_ids: dict[int, list[str]] = {}
        self.face_ids: dict[int, list[str]] = {}

    def tracked(self) -> set[int]:
        return {v for pair in self.clones for v in pair} | set(self.watch)

    def add_passes(self, p: Passes, day: int, n_vehicles: int) -> None:
        if not len(self.first_t):
            self.first_t = np.full(n_vehicles, np.iinfo(np.int64).max)
            self.night = np.zeros(n_vehicles, np.int64)
        np.minimum.at(self.first_t, p.vehicle, p.time)
        hour = (p.time // 3600) % 24
        night = (hour >= NIGHT_FROM) | (hour < NIGHT_TO)
        self.night += np.bincount(p.vehicle[night], minlength=n_vehicles)

    def add_motor_ids(self, vehicle: NDArray[np.int32], ids: list[str]) -> None:
        track = np.asarray(sorted(self.tracked()), dtype=np.int64)
        for i in np.flatnonzero(np.isin(vehicle, track)).tolist():
            self.motor_ids.setdefault(int(vehicle[i]), []).append(ids[i])

    def add_faces(self, who: I64, ids: list[str]) -> None:
        for i in np.flatnonzero(np.isin(who, np.asarray(self.watch_ids, dtype=np.int64))).tolist():
            self.face_ids.setdefault(int(who[i]), []).append(ids[i])

    def pick_identities(self, rng: np.random.Generator, ids: faces.Identities, n: int) -> None:
        self.watch_ids = sorted(rng.choice(len(ids.age), size=min(n, len(ids.age)), replace=False).tolist())
        self.ref_rng = rng


def inject_clones(rng: np.random.Generator, fleet: Fleet, routes: Routes, truth: Truth, n: int) -> None:
    """Give `n` commuters the plate of another commuter living ≥ 20 min away (套牌)."""
    com = np.flatnonzero(fleet.kind == COMMUTER)
    used: set[int] = set()
    for a in rng.permutation(com)[: 20 * n].tolist():
        if len(truth.clones) >= n or a in used:
            continue
        far = com[routes.seconds[fleet.home[a], fleet.home[com]] > 1200]
        far = far[~np.isin(far, list(used))]
        if not len(far):
            continue
        b = int(far[rng.integers(0, len(far))])
        fleet.plate[b] = fleet.plate[a]
        fleet.plate_color[b] = fleet.plate_color[a]
        truth.clones.append((a, b))
        used |= {a, b}


def pick_watchlist(rng: np.random.Generator, fleet: Fleet, truth: Truth, n: int) -> None:
    cloned = {v for pair in truth.clones for v in pair}
    pool = [v for v in rng.permutation(len(fleet)).tolist() if v not in cloned]
    truth.watch = sorted(pool[:n])


def _time(truth: Truth, s: int) -> str:
    return str(truth.start + np.timedelta64(int(s), "s")).replace("-", "").replace("T", "").replace(":", "")


def _vehicle(fleet: Fleet, v: int) -> dict[str, Any]:
    return {"vehicle_id": v, "plate_no": fleet.plate[v], "plate_color": str(int(fleet.plate_color[v]))}


def truth_body(truth: Truth, fleet: Fleet, ids: faces.Identities) -> dict[str, Any]:
    seen = truth.first_t < np.iinfo(np.int64).max
    first = np.flatnonzero(seen & (truth.first_t >= truth.baseline_end))
    night = np.flatnonzero(truth.night >= NIGHT_THRESHOLD * truth.days)
    ref = (
        faces.features(truth.ref_rng, ids.centre[np.asarray(truth.watch_ids, dtype=np.int64)])
        if truth.watch_ids
        else []
    )
    return {
        "cloned_plates": [
            {
                "plate_no": fleet.plate[a],
                "plate_color": str(int(fleet.plate_color[a])),
                "vehicles": [
                    {"vehicle_id": v, "motor_vehicle_ids": truth.motor_ids.get(v, [])} for v in (a, b)
                ],
            }
            for a, b in truth.clones
        ],
        "watchlist_plates": [
            _vehicle(fleet, v) | {"motor_vehicle_ids": truth.motor_ids.get(v, [])} for v in truth.watch
        ],
        "watchlist_identities": [
            {
                "identity_id": i,
                "gender": 1 if ids.male[i] else 2,
                "reference_feature": f,
                "face_ids": truth.face_ids.get(i, []),
            }
            for i, f in zip(truth.watch_ids, ref, strict=True)
        ],
        "first_appearance": {
            "baseline_end": _time(truth, truth.baseline_end),
            "vehicles": [
                _vehicle(fleet, v)
                | {
                    "first_pass_time": _time(truth, int(truth.first_t[v])),
                    "injected": bool(fleet.kind[v] == VISITOR),
                }
                for v in first.tolist()
            ],
        },
        "frequent_night": {
            "night_hours": [NIGHT_FROM, NIGHT_TO],
            "threshold_per_day": NIGHT_THRESHOLD,
            "vehicles": [
                _vehicle(fleet, v)
                | {"night_passes": int(truth.night[v]), "injected": bool(fleet.kind[v] == NIGHT)}
                for v in night.tolist()
            ],
        },
    }


def write_truth(path: Path, truth: Truth, fleet: Fleet, ids: faces.Identities) -> None:
    body = {"start": _time(truth, 0), "hours": truth.hours} | truth_body(truth, fleet, ids)
    path.write_bytes(orjson.dumps(body, option=orjson.OPT_INDENT_2) + b"\n")
