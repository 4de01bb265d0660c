"""Grid registry figures in one run: import time, building tiles at z13–z17 (p50/p99 latency and
size), point-in-polygon assignment rate with shapely against PostGIS.

.venv/bin/python bench/grid.py --city data/city --db sqlite:///data/bench.db [--import]
    [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres] [--tiles 200]

Without ``--import`` the database must already hold the city (e.g. from ``xueliang grid import``).
"""

from __future__ import annotations

import argparse
import resource
import secrets
import time
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from sqlalchemy import create_engine, select, text

from xueliang.core.db import make_engine
from xueliang.core.migrate import upgrade
from xueliang.gis.types import to_db
from xueliang.grid.importer import Importer
from xueliang.grid.models import Building, Grid
from xueliang.grid.state import GridIndex
from xueliang.grid.tiles import MemoryTiles, _tile_xy


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _index_mb(tiles: MemoryTiles) -> float:
    b = tiles.buildings
    return sum(getattr(b, a).nbytes for a in vars(b) if hasattr(getattr(b, a), "nbytes")) / 2**20


def run_import(url: str, city: Path) -> None:
    engine = make_engine(url)
    upgrade(engine)
    cpu = _cpu_s()
    summary = Importer(engine, city, secrets.token_hex(32), progress=False).run()
    rows = sum(f.read for f in summary.files)
    rate = rows / summary.seconds
    print(
        f"import: {rows:,} rows in {summary.seconds:.1f} s wall ({rate:,.0f} rows/s), "
        f"{_cpu_s() - cpu:.1f} s CPU (user+sys), peak RSS {_rss_mb():,.0f} MB, "
        f"{summary.indexes_built} indexes built after the load"
    )
    for f in summary.files:
        print(f"  {f.file:24s} {f.read:>10,} rows {f.seconds:6.1f} s  rejected {f.rejected}")


def bench_tiles(url: str, per_zoom: int) -> None:
    engine = make_engine(url)
    with engine.connect() as conn:
        started, cpu, rss = time.perf_counter(), _cpu_s(), _rss_mb()
        tiles = MemoryTiles(conn)
        print(
            f"tile index built in {time.perf_counter() - started:.1f} s wall, {_cpu_s() - cpu:.1f} s CPU; "
            f"peak RSS {_rss_mb():,.0f} MB (was {rss:,.0f} MB before); arrays {_index_mb(tiles):,.0f} MB"
        )
        centres = conn.execute(select(Building.lon, Building.lat)).all()
    points = np.array(centres, dtype=float)
    rng = np.random.default_rng(7)
    print("zoom  tiles   p50 ms   p99 ms   max ms   p50 KB   max KB   max features")
    for z in range(13, 18):
        sample = points[rng.choice(len(points), size=per_zoom, replace=False)]  # dense areas weigh more
        tx, ty = _tile_xy(sample[:, 0], sample[:, 1], z)
        times, sizes, counts = [], [], []
        for x, y in zip(tx.tolist(), ty.tolist(), strict=True):
            t0 = time.perf_counter()
            data = tiles.tile(None, "buildings", z, x, y)  # type: ignore[arg-type]
            times.append((time.perf_counter() - t0) * 1000)
            sizes.append(len(data) / 1024)
            counts.append(len(tiles.buildings.candidates(z, x, y)))
        t, s = np.array(times), np.array(sizes)
        print(
            f"{z:>4} {per_zoom:>6} {np.percentile(t, 50):8.1f} {np.percentile(t, 99):8.1f} {t.max():8.1f} "
            f"{np.percentile(s, 50):8.1f} {s.max():8.1f} {max(counts):>14,}"
        )


def bench_pip(url: str, postgres: str | None) -> None:
    engine = make_engine(url)
    with engine.connect() as conn:
        grids = conn.execute(select(Grid.id, Grid.geom)).all()
        pts = np.array(conn.execute(select(Building.lon, Building.lat)).all(), dtype=float)
    tree_geoms = np.array([g.geom for g in grids], dtype=object)
    index = GridIndex(
        [g.id for g in grids], [str(g.id) for g in grids], tree_geoms, shapely.STRtree(tree_geoms)
    )
    t0 = time.perf_counter()
    found = index.assign(pts[:, 0], pts[:, 1])
    dt = time.perf_counter() - t0
    print(
        f"point-in-polygon, shapely STRtree: {len(pts):,} points into {len(grids):,} grids in {dt:.2f} s "
        f"({len(pts) / dt:,.0f} points/s), {int((found >= 0).sum()):,} assigned"
    )
    if postgres:
        _pip_postgis(postgres, grids, pts)


def _pip_postgis(url: str, grids: list[Any], pts: Any) -> None:
    engine = create_engine(url)
    with engine.connect() as conn:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
        conn.execute(text("CREATE TEMP TABLE bg (id int, geom geometry(MultiPolygon, 4326))"))
        conn.execute(text("CREATE TEMP TABLE bp (id int, geom geometry(Point, 4326))"))
        raw: Any = conn.connection.driver_connection
        t0 = time.perf_counter()
        with raw.cursor() as cur:
            with cur.copy("COPY bg (id, geom) FROM STDIN") as copy:
                for g in grids:
                    copy.write_row((g.id, to_db(g.geom, postgis=True)))
            hexes = shapely.to_wkb(shapely.set_srid(shapely.points(pts), 4326), hex=True, include_srid=True)
            with cur.copy("COPY bp (id, geom) FROM STDIN") as copy:
                for i, h in enumerate(hexes):
                    copy.write_row((i, h))
        conn.execute(text("CREATE INDEX ON bg USING gist (geom)"))
        conn.execute(text("ANALYZE bg; ANALYZE bp"))
        load = time.perf_counter() - t0
        t0 = time.perf_counter()
        n = conn.execute(text("SELECT count(*) FROM bp JOIN bg ON ST_Contains(bg.geom, bp.geom)")).scalar()
        dt = time.perf_counter() - t0
        print(
            f"point-in-polygon, PostGIS ST_Contains join: {len(pts):,} points in {dt:.2f} s "
            f"({len(pts) / dt:,.0f} points/s, +{load:.1f} s to load), {n:,} assigned"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--city", type=Path, required=True)
    parser.add_argument("--db", required=True, help="SQLAlchemy URL of the registry database")
    parser.add_argument("--import", dest="do_import", action="store_true", help="import the city first")
    parser.add_argument("--postgres", help="a PostgreSQL/PostGIS URL for the point-in-polygon comparison")
    parser.add_argument("--tiles", type=int, default=200, help="tiles sampled per zoom level")
    args = parser.parse_args()
    if args.do_import:
        run_import(args.db, args.city)
    bench_tiles(args.db, args.tiles)
    bench_pip(args.db, args.postgres)


if __name__ == "__main__":
    main()
