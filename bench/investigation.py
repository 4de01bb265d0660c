# ruff: noqa: E501
"""Investigation benchmark: analytics precision/recall on simulated traffic, and latencies on a large
synthetic pass table and embedding set.

    python bench/investigation.py --traffic /tmp/inv/traffic24 --passes 50000000 --embeddings 5000000 --nlist 4096 --nprobe 32

1. Loads the simulator's passes (``xueliang sim traffic``; the same seed/scale for the checkpoint
   locations) into chdb and scores cloned plates, first appearance and frequent night passes against
   truth.json (precision and recall by plate).
2. Generates ``--passes`` synthetic passes inside chdb (INSERT … SELECT FROM numbers()), then times one
   plate's trajectory and a feature search (partial plate + colour + 1-hour window, count + first page).
   ``--legacy-first``: generate into the day-partitioned layout of before 2026-11-28, time, reopen the
   store (which migrates the table, timed), time again — before/after on the same rows.
   ``--settle S``: then wait (up to S seconds) for chdb's background merges of the generated parts and
   time again — the steady state of a long-running store, which merges while it is open.
3. Builds the faiss index (IVF-SQ8 + float16 re-rank) over ``--embeddings`` clustered vehicle-sized
   vectors (``VEHICLE_DIM``) with times and places, prints its memory, and times a search with a 10 %
   time filter: p50/p99 and recall@10 against an exact scan in the same run.
4. Face 1:N: one probe against a 100k watchlist (the matcher's matrix), per probe.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import resource
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from xueliang.analytics.extractors import VEHICLE_DIM
from xueliang.investigation import analytics, dispositions, plates
from xueliang.investigation.models import Disposition
from xueliang.investigation.vectors import VectorFilter
from xueliang.investigation.vectors.faiss_index import FaissIndex
from xueliang.viewlib import search as records
from xueliang.viewlib import sql
from xueliang.viewlib.kinds import MOTOR_VEHICLE
from xueliang.viewlib.parse import ParseOptions, parse_object
from xueliang.viewlib.search import PassFilter
from xueliang.viewlib.stores.chdb_store import ChdbStore

TZ = "Asia/Shanghai"


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, float]:
    fn()
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return float(np.percentile(out, 50)), float(np.percentile(out, 99))


# -- 1. precision / recall on the simulator's traffic ---------------------------------------------
def load_traffic(store: ChdbStore, folder: Path) -> int:
    opts, n = ParseOptions(tz=TZ), 0
    for path in sorted((folder / "motor_vehicles").glob("*.ndjson")):
        rows = [
            parse_object(MOTOR_VEHICLE, json.loads(line), opts).row for line in path.read_text().splitlines()
        ]
        store.insert(MOTOR_VEHICLE, rows)
        n += len(rows)
    return n


def tollgate_points(seed: int, scale: float) -> dict[str, tuple[float, float, str]]:
    from xueliang.sim.city import build_network
    from xueliang.sim.geo import to_lonlat

    net = build_network(seed, scale)
    xy = net.roads.node_xy[net.tollgates.node]
    lon, lat = to_lonlat(xy[:, 0], xy[:, 1])
    return {t: (float(a), float(b), t) for t, a, b in zip(net.tollgates.tollgate_id, lon, lat, strict=True)}


def score(found: set[tuple[str, str]], truth: set[tuple[str, str]]) -> str:
    tp = len(found & truth)
    p = tp / len(found) if found else 1.0
    r = tp / len(truth) if truth else 1.0
    return f"precision {p:.3f} recall {r:.3f} (found {len(found)}, truth {len(truth)}, hits {tp})"


def sim_scores(store: ChdbStore, folder: Path, seed: int, scale: float, max_kmh: float) -> None:
    truth = json.loads((folder / "truth.json").read_text())
    t0 = time.perf_counter()
    n = load_traffic(store, folder)
    print(f"loaded {n:,} simulated passes in {time.perf_counter() - t0:.1f} s")
    start = time.strptime(truth["start"], "%Y%m%d%H%M%S")
    s0 = f"{time.strftime('%Y-%m-%d %H:%M:%S', start)}.000"
    f = PassFilter(time_from=None)
    plate = lambda v: (v["plate_no"], v["plate_color"])  # noqa: E731

    t0 = time.perf_counter()
    cloned = analytics.cloned(store=store, f=f, points=tollgate_points(seed, scale), max_kmh=max_kmh)
    speed_only = {(h.plate_no, h.plate_color) for h in cloned if h.detail["reason"] == "speed"}
    print(
        f"cloned plates ({time.perf_counter() - t0:.1f} s): {score({(h.plate_no, h.plate_color) for h in cloned}, {plate(c) for c in truth['cloned_plates']})}"
    )
    print(
        f"  by speed alone ({max_kmh:.0f} km/h): {score(speed_only, {plate(c) for c in truth['cloned_plates']})}"
    )

    base = truth["first_appearance"]["baseline_end"]
    since = time.strftime("%Y-%m-%d %H:%M:%S", time.strptime(base, "%Y%m%d%H%M%S"))
    since_utc = _utc(since)
    found = {(p, c) for p, c, _ in records.first_seen_after(store, f, since=since_utc)}
    print(
        f"first appearance (since {since} local): {score(found, {plate(v) for v in truth['first_appearance']['vehicles']})}"
    )

    fn = truth["frequent_night"]
    days = -(-int(truth["hours"]) // 24)
    rows = records.frequent(
        store, f, min_count=fn["threshold_per_day"] * days, night=tuple(fn["night_hours"]), tz=TZ
    )
    print(
        f"frequent night passes (≥ {fn['threshold_per_day']}/day): {score({(p, c) for p, c, _, _ in rows}, {plate(v) for v in fn['vehicles']})}"
    )
    rows = records.frequent(store, f, min_count=10, per_tollgate=True)
    print(
        f"frequent at one checkpoint (≥ 10 passes): {len(rows)} plate-checkpoint pairs (no ground truth in truth.json); start {s0}"
    )


def _utc(local: str) -> str:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from xueliang.investigation.times import to_store

    return to_store(datetime.fromisoformat(local).replace(tzinfo=ZoneInfo(TZ)), TZ) or ""


# -- 2. large synthetic pass table ----------------------------------------------------------------
GENERATE = """
INSERT INTO {db}.motor_vehicle (object_id, device_id, source_id, event_time, info_kind, tollgate_id, lane_no,
  plate_no, plate_color, plate_class, vehicle_class, vehicle_color, vehicle_brand, speed, direction,
  left_top_x, left_top_y, right_btm_x, right_btm_y, images, raw)
SELECT oid, dev, oid, ts, 1, tg, 1, plate, pc, '02', vc, col, brand, 40, dir, 0, 0, 0, 0, [],
  concat('{{"MotorVehicleID":"', oid, '","PlateNo":"', plate, '","PlateColor":"', pc, '","VehicleColor":"', col,
         '","TollgateID":"', tg, '","DeviceID":"', dev, '","PassTime":"', formatDateTime(ts, '%Y%m%d%H%i%S'), '"}}')
FROM (
  SELECT number AS n, cityHash64(n) AS h, h % {vehicles} AS v,
    concat(if(v % 10 < 8, '湘A', '粤B'), char(65 + (intHash32(v) % 26)), leftPad(toString(v % 10000), 4, '0')) AS plate,
    toString(5 + (v % 3 = 0)) AS pc, toString(1 + intHash32(v + 1) % 12) AS col, toString(1 + v % 16) AS brand,
    ['K33', 'K31', 'H11'][1 + v % 3] AS vc,
    toDateTime64('{start}', 3, 'UTC') + toIntervalMillisecond(bitShiftRight(h, 20) % ({days} * 86400000)) AS ts,
    toString(1 + bitShiftRight(h, 8) % 8) AS dir,
    concat('9901010005121', leftPad(toString(h % 745), 7, '0')) AS tg,
    concat('9901010005132', leftPad(toString(h % 745), 7, '0')) AS dev,
    concat(dev, '02', formatDateTime(ts, '%Y%m%d%H%i%S'), leftPad(toString(n % 100000), 5, '0'), '02', leftPad(toString(n % 100000), 5, '0')) AS oid
  FROM numbers({offset}, {count}))
"""


def load_synthetic(store: ChdbStore, passes: int, vehicles: int, days: int) -> float:
    t0 = time.perf_counter()
    step = 10_000_000
    for offset in range(0, passes, step):
        sql = GENERATE.format(db=store.database, vehicles=vehicles, start="2026-11-01 00:00:00", days=days,
                              offset=offset, count=min(step, passes - offset))  # fmt: skip
        store._session.query(sql, "CSV")
    return time.perf_counter() - t0


LEGACY_LAYOUT = " ENGINE = ReplacingMergeTree PARTITION BY toYYYYMMDD(event_time) ORDER BY (plate_no, event_time, object_id)"


def legacy_table(store: ChdbStore) -> None:
    """Replace the motor-vehicle table by the layout before 2026-11-28 (day partitions, 8,192-row
    granules, no projection), to measure before and after the migration on the same rows."""
    ddl = sql.create_table(MOTOR_VEHICLE, store.database)
    store._query(f"DROP TABLE {sql.table(MOTOR_VEHICLE, store.database)}", fmt="CSV")
    store._query(ddl[: ddl.index(",\n  PROJECTION")] + "\n)" + LEGACY_LAYOUT, fmt="CSV")


def parts(store: ChdbStore) -> str:
    q = "SELECT count(), uniqExact(partition), formatReadableSize(sum(bytes_on_disk)) FROM system.parts WHERE database = {db:String} AND table = 'motor_vehicle' AND active"
    n, p, size = records.rows(store, q, {"db": store.database})[0]
    return f"{n} parts in {p} partitions, {size}"


def settle(store: ChdbStore, timeout_s: float) -> None:
    """Wait until no background merge runs on the store's tables (chdb merges only while the process
    lives: a short run measures while the generated parts are being merged, and its exit cancels them)."""
    q = "SELECT count() FROM system.merges WHERE database = {db:String}"
    deadline = time.perf_counter() + timeout_s
    while int(records.rows(store, q, {"db": store.database})[0][0]) and time.perf_counter() < deadline:
        time.sleep(2)


def synthetic_latencies(
    store: ChdbStore, passes: int, repeat: int, legacy_first: bool, settle_s: float
) -> None:
    vehicles, days = max(passes // 50, 1000), 30
    if legacy_first:
        legacy_table(store)
    secs = load_synthetic(store, passes, vehicles, days)
    print(
        f"generated {passes:,} synthetic passes ({vehicles:,} plates, {days} days) in chdb in {secs:.0f} s ({passes / secs / 1e6:.2f} M rows/s)"
    )
    if legacy_first:
        pass_latencies(store, days, repeat, "day partitions (layout 1)")
        t0 = time.perf_counter()
        store.ensure_schema()
        print(f"migrated to {sql.LAYOUT!r} on open in {time.perf_counter() - t0:.0f} s")
    pass_latencies(store, days, repeat, "current layout")
    if settle_s > 0:
        t0 = time.perf_counter()
        settle(store, settle_s)
        print(f"background merges settled after {time.perf_counter() - t0:.0f} s")
        pass_latencies(store, days, repeat, "current layout, merges settled")


def pass_latencies(store: ChdbStore, days: int, repeat: int, label: str) -> None:
    print(f"-- {label}: {parts(store)}; load average {os.getloadavg()}")
    rng = np.random.default_rng(3)
    sample = [  # 200 distinct plates (a plain LIMIT 200 gave the few plates at the start of one part)
        r[0]
        for r in records.rows(
            store, f"SELECT plate_no FROM {store.database}.motor_vehicle LIMIT 1 BY plate_no LIMIT 200", {}
        )
    ]

    def trajectory() -> None:
        records.plate_passes(store, PassFilter(plate_exact=sample[int(rng.integers(len(sample)))]))

    p50, p99 = timed(trajectory, repeat)
    n = len(records.plate_passes(store, PassFilter(plate_exact=sample[0])))
    print(
        f"trajectory of one plate ({n} passes): p50 {p50:.1f} ms, p99 {p99:.1f} ms (target p99 ≤ 20 ms); load average {os.getloadavg()}"
    )

    def feature() -> None:
        hour = int(rng.integers(0, days * 24))
        lo = np.datetime64("2026-11-01T00:00") + np.timedelta64(hour, "h")
        pat = plates.parse_plate(f"湘A*{rng.integers(10)}?{rng.integers(10)}")
        f = PassFilter(plate_prefix=pat.prefix, plate_regex=pat.regex, any_of={"vehicle_color": ["2"]},
                       time_from=str(lo).replace("T", " ") + ":00.000", time_to=str(lo + np.timedelta64(1, "h")).replace("T", " ") + ":00.000")  # fmt: skip
        records.search_passes(store, f, order_by="event_time", descending=True, offset=0, limit=50)

    p50, p99 = timed(feature, repeat)
    print(
        f"feature search (湘A*d?d + colour + 1-hour window, count + 50 rows): p50 {p50:.1f} ms, p99 {p99:.1f} ms (target p99 ≤ 200 ms); load average {os.getloadavg()}"
    )


# -- 3. search by image -----------------------------------------------------------------------------
def vector_latencies(n: int, repeat: int, nlist: int, nprobe: int) -> None:
    dim = VEHICLE_DIM
    rng = np.random.default_rng(4)
    centres = rng.normal(size=(2000, dim)).astype(np.float32)
    index = FaissIndex(path=None, dim=dim, exact_below=50_000, train_at=2**62, nprobe=nprobe)
    index._grow(n)  # one allocation: the doubling growth would hold two copies at the peak
    t0 = time.perf_counter()
    chunk = 500_000
    for start in range(0, n, chunk):
        m = min(chunk, n - start)
        vecs = centres[rng.integers(0, 2000, m)] + 0.6 * rng.normal(size=(m, dim)).astype(np.float32)
        vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
        index.add_arrays([f"r{i}" for i in range(start, start + m)], vecs.astype(np.float32),
                         np.arange(start, start + m, dtype=np.int64), (np.arange(m) % 1490).astype(np.int32))  # fmt: skip
    t_add = time.perf_counter() - t0
    t0 = time.perf_counter()
    index.train(nlist=nlist)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(
        f"faiss IVF{nlist}-SQ8: {n:,} × {dim}-d added in {t_add:.0f} s, trained + indexed in {time.perf_counter() - t0:.0f} s; nprobe {nprobe}; "
        f"index memory {index.memory_bytes():,} bytes ({index.memory_bytes() / 1e9:.2f} GB: float16 array + SQ8 codes, ids, centroids); "
        f"process peak RSS {rss / 1e9:.2f} GB; load {os.getloadavg()[0]:.1f}"
    )
    flt = VectorFilter(time_from=int(n * 0.45), time_to=int(n * 0.55))
    probes = [
        index.vecs[int(i)].astype(np.float32) + 0.05 * rng.normal(size=dim).astype(np.float32)
        for i in rng.integers(0, n, repeat)
    ]
    lat, found = [], []
    for q in probes:  # timed on their own: an exact scan in between streams 0.5 GB through the caches
        t0 = time.perf_counter()
        found.append({h.object_id for h in index.search(q, 10, flt)})
        lat.append((time.perf_counter() - t0) * 1000)
    recall, exact_ms = [], []
    for q, hits in zip(probes, found, strict=True):
        t0 = time.perf_counter()
        exact = index.exact_search(q, 10, flt)
        exact_ms.append((time.perf_counter() - t0) * 1000)
        recall.append(len(hits & {h.object_id for h in exact}) / 10)
    print(f"search by image, 10 % time slice ({n // 10:,} candidates): p50 {np.percentile(lat, 50):.1f} ms, p99 {np.percentile(lat, 99):.1f} ms, "
          f"recall@10 {np.mean(recall):.3f} vs exact scan (exact p50 {np.percentile(exact_ms, 50):.0f} ms)")  # fmt: skip
    lat = []
    for q in probes:
        t0 = time.perf_counter()
        index.search(q, 10)
        lat.append((time.perf_counter() - t0) * 1000)
    print(
        f"search by image, unfiltered: p50 {np.percentile(lat, 50):.1f} ms, p99 {np.percentile(lat, 99):.1f} ms; load {os.getloadavg()[0]:.1f}"
    )


def watchlist_latency(size: int, repeat: int) -> None:
    rng = np.random.default_rng(6)
    vecs = rng.normal(size=(size, 128)).astype(np.float32)
    items = [
        Disposition(id=i, feature=base64.b64encode(v.astype("<f2").tobytes()).decode())
        for i, v in enumerate(vecs)
    ]
    t0 = time.perf_counter()
    watch = dispositions.Watchlist(items, 0.6)
    build = time.perf_counter() - t0
    probes = vecs[rng.integers(0, size, repeat)] + 0.3 * rng.normal(size=(repeat, 128)).astype(np.float32)
    probes /= np.linalg.norm(probes, axis=1, keepdims=True)
    i = iter(range(10**9))
    p50, p99 = timed(lambda: watch.hits(probes[next(i) % repeat]), repeat - 1)
    print(
        f"face 1:N against a {size:,} watchlist: p50 {p50:.2f} ms, p99 {p99:.2f} ms per probe (matrix built in {build:.1f} s; target ≤ 5 ms)"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--traffic", type=Path, default=Path("/tmp/inv/traffic24"))
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--scale", type=float, default=0.05)
    ap.add_argument("--max-kmh", type=float, default=160.0)
    ap.add_argument("--passes", type=int, default=20_000_000)
    ap.add_argument("--embeddings", type=int, default=2_000_000)
    ap.add_argument("--nlist", type=int, default=2048)
    ap.add_argument("--nprobe", type=int, default=16)
    ap.add_argument("--repeat", type=int, default=200)
    ap.add_argument(
        "--legacy-first", action="store_true", help="passes: time the old layout, migrate, time again"
    )
    ap.add_argument(
        "--settle",
        type=float,
        default=0,
        help="passes: then wait up to this many seconds for merges, time again",
    )
    ap.add_argument("--skip", default="", help="comma-separated: sim,passes,vectors,watchlist")
    args = ap.parse_args()
    skip = set(args.skip.split(","))
    root = Path(tempfile.mkdtemp(prefix="xl-bench-inv-"))
    if "sim" not in skip and args.traffic.is_dir():
        sim_scores(_store(root, "sim"), args.traffic, args.seed, args.scale, args.max_kmh)
    if "passes" not in skip:
        synthetic_latencies(_store(root, "big"), args.passes, args.repeat, args.legacy_first, args.settle)
    if "vectors" not in skip:
        vector_latencies(args.embeddings, args.repeat, args.nlist, args.nprobe)
    if "watchlist" not in skip:
        watchlist_latency(100_000, args.repeat)
    print(f"chdb data in {root} (remove when done)")


def _store(root: Path, name: str) -> ChdbStore:
    store = ChdbStore(path=root, database=name)
    store.ensure_schema()
    return store


if __name__ == "__main__":
    main()
