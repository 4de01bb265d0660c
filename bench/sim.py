"""Generation rates of `xueliang sim` at a scale, against naive baselines measured in the same run.

.venv/bin/python bench/sim.py --scale 0.1 [--hours 2]
"""

from __future__ import annotations

import argparse
import csv
import resource
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from xueliang.sim import writers
from xueliang.sim.buildings import build_buildings
from xueliang.sim.city import build_network
from xueliang.sim.housing import build_housing
from xueliang.sim.population import build_population
from xueliang.sim.progress import Steps
from xueliang.sim.seeds import rng_for
from xueliang.sim.traffic import generate_traffic


def _timed(label: str, rows: int, fn: Callable[[], Any]) -> tuple[Any, float]:
    t = time.perf_counter()
    out = fn()
    dt = time.perf_counter() - t
    print(f"{label:<34} {rows:>11,} rows {dt:8.2f} s {rows / max(dt, 1e-9):>13,.0f} rows/s")
    return out, dt


def _naive_csv(path: Path, cols: dict[str, Any], n: int) -> None:
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(list(cols))
        for i in range(n):
            w.writerow([c[i] for c in cols.values()])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--hours", type=int, default=0, help="also simulate this many hours of traffic")
    a = ap.parse_args()
    net, _ = _timed("regions + roads + cameras", 0, lambda: build_network(a.seed, a.scale))
    t = net.targets
    grids = net.regions.grids
    b, _ = _timed(
        "buildings",
        t.buildings,
        lambda: build_buildings(rng_for(a.seed, "buildings"), grids, t.buildings, t.housing_units),
    )
    h, _ = _timed("housing units", t.housing_units, lambda: build_housing(rng_for(a.seed, "buildings", 1), b))
    dist = np.zeros(len(h), np.int64) + 1
    _timed(
        "residents",
        t.residents,
        lambda: build_population(rng_for(a.seed, "population"), h, dist, t.residents),
    )
    cx, cy = b.corners[:, :, 0].mean(axis=1), b.corners[:, :, 1].mean(axis=1)
    tree = shapely.STRtree(grids.geoms)
    _, fast = _timed(
        "grid of building: STRtree", len(b), lambda: tree.query(shapely.points(cx, cy), predicate="within")
    )
    k = min(len(b), 2000)

    def naive_pip() -> None:
        for i in range(k):
            p = shapely.Point(cx[i], cy[i])
            next(j for j, g in enumerate(grids.geoms) if g.contains(p))

    _, slow = _timed("  baseline: per-row point-in-polygon", k, naive_pip)
    print(f"  → speed-up {len(b) / fast / (k / slow):,.0f}×")
    cols: dict[str, Any] = {
        "id": np.arange(len(b)).tolist(),
        "grid": b.grid.tolist(),
        "floors": b.floors.tolist(),
        "lon": writers.fmt6(cx),
    }
    with tempfile.TemporaryDirectory() as tmp:
        _, fast = _timed(
            "CSV: chunked writer",
            len(b),
            lambda: writers.write_csv(Path(tmp) / "a.csv", len(b), cols, Steps(None), ""),
        )
        _, slow = _timed(
            "  baseline: csv.writer per row", len(b), lambda: _naive_csv(Path(tmp) / "b.csv", cols, len(b))
        )
        print(f"  → speed-up {slow / fast:.2f}×")
        if a.hours:
            start = time.perf_counter()
            files = generate_traffic(
                Path(tmp) / "traffic", a.seed, a.scale, "2026-11-01T00:00", a.hours, Steps(None)
            )
            dt = time.perf_counter() - start
            passes = sum(v for f, v in files.items() if f.startswith("motor"))
            faces = sum(v for f, v in files.items() if f.startswith("faces") and f.endswith(".ndjson"))
            print(
                f"traffic {a.hours} h: {passes:,} passes + {faces:,} faces in {dt:.1f} s "
                f"({(passes + faces) / dt:,.0f} records/s)"
            )
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")


if __name__ == "__main__":
    main()
