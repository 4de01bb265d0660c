"""End-to-end GA/T 1400 ingest over HTTP vs its two limits; run: `python bench/viid_ingest.py`.

Measures, on the embedded chdb store, records/s for:
  e2e   POST /VIID/MotorVehicles in batches of 100 to a `xueliang serve` process (Digest-registered
        devices), with and without one ~8 KB base64 image per object. The load comes from this
        process — a separate one from the server — over ``--connections`` HTTP/1.1 keep-alive
        connections (each a device with one upload in flight; default: 16, then 64 — a server's
        throughput is read where more concurrent uploads no longer raise it, and the city has
        ~2,700 pushing devices; by Little's law a connection count below that point measures the
        upload's latency instead: with 16, ten uploads wait together for one ~30 ms store insert),
        with a minimal asyncio client sending pre-built requests (its CPU time is printed,
        so one can see it is not the limit). Before timing, one warm-up batch per device opens the
        record store and fills the server's caches. Also printed: latency p50/p99 per batch and the
        server's CPU time per record (from /proc, includes chdb's own threads).
  (a)   raw bulk insert of the same parsed rows into a chdb store (5,000-row inserts) — storage limit;
  (b)   orjson-decoding and validating the same request bodies in-process, storing nothing — protocol
        limit, in CPU time of its thread (what it takes on a core of its own, whatever the load).
        Timed right before and right after each e2e run, on its own bodies, and averaged: this
        machine's speed drifts by up to ±30 % over minutes (a neighbour's load: the same parse loop
        took 20.5–28 µs per record in back-to-back runs), so (b) is taken around the e2e it is
        compared with, not once for the whole run.
Each measurement is repeated ``--repeat`` times (fresh ids each time); the medians are printed,
and the ratios are the medians of each run's own ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import orjson

from xueliang.camera import service as camera_service
from xueliang.core.config import Settings
from xueliang.core.db import make_engine, session_factory, session_scope
from xueliang.core.migrate import upgrade
from xueliang.sim.viid_push import register
from xueliang.viewlib.kinds import MOTOR_VEHICLE
from xueliang.viewlib.parse import ParseOptions
from xueliang.viewlib.service import parse_batch
from xueliang.viewlib.stores.chdb_store import ChdbStore

DEVICES = [f"990101000513201{i:05d}" for i in range(20)]
PASSWORD = "bench-pass"
BATCH = 100


def objects(n: int, *, images: bool, seed: int, start: datetime) -> list[dict[str, object]]:
    """``n`` passes from ``start`` on, 10 ms apart (a city's checkpoints at ~100 passes/s): like live
    traffic, event time only moves forward from one batch, and one run, to the next."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        dev = DEVICES[i % len(DEVICES)]
        stamp = (start + timedelta(milliseconds=10 * i)).strftime("%Y%m%d%H%M%S")
        source = f"{dev}02{stamp}{(i + seed * 1_000_000) % 100000:05d}"
        obj: dict[str, object] = {
            "MotorVehicleID": f"{source}02{i % 100000:05d}",
            "InfoKind": 1,
            "SourceID": source,
            "DeviceID": dev,
            "TollgateID": "99010100051210000005",
            "LaneNo": 1 + i % 4,
            "PassTime": stamp,
            "HasPlate": True,
            "PlateClass": "02",
            "PlateColor": "2",
            "PlateNo": f"湘A{rng.randrange(100000):05d}",
            "VehicleClass": "K33",
            "VehicleBrand": "12",
            "VehicleColor": str(1 + i % 12),
            "Speed": 40,
            "Direction": "1",
            "NameOfPassedRoad": "沙洲街",
        }
        if images:
            data = base64.b64encode(rng.randbytes(8192)).decode()
            obj["SubImageList"] = {
                "SubImageInfoObject": [{"ImageID": source, "Type": "01", "FileFormat": "Jpeg", "Data": data}]
            }
        out.append(obj)
    return out


def bodies(objs: list[dict[str, object]]) -> list[tuple[str, bytes]]:
    return [
        (
            str(objs[i]["DeviceID"]),
            orjson.dumps({"MotorVehicleListObject": {"MotorVehicleObject": objs[i : i + BATCH]}}),
        )
        for i in range(0, len(objs), BATCH)
    ]


def setup_server(root: Path, port: int, *, migrate: bool = True) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "XUELIANG_DATA_DIR": str(root),
        "XUELIANG_ENV": "development",
        "XUELIANG_PORT": str(port),
        "XUELIANG_LOG_LEVEL": "WARNING",
        "XUELIANG_SECRET_KEY": "b" * 64,
        "XUELIANG_MAX_BODY_BYTES": str(64 * 1024 * 1024),
    }
    settings = Settings(data_dir=root, env="development", secret_key="b" * 64)
    if migrate:
        _prepare_database(settings)
    return _start(env, port)


def _prepare_database(settings: Settings) -> None:
    engine = make_engine(settings.database_url)
    upgrade(engine)
    with session_scope(session_factory(engine)) as db:
        for dev in DEVICES:
            device = camera_service.register_device(db=db, device_id=dev, name=dev, kind="checkpoint")
            device.admission = "admitted"
            camera_service.set_device_secret(device=device, secret=PASSWORD, key=settings.effective_secret())
    engine.dispose()


def _start(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "xueliang"), "serve"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("server did not start")


async def _post(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> tuple[int, bytes]:
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    return status, await reader.readexactly(length)


def _request(port: int, path: str, device: str, body: bytes) -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUser-Identify: {device}\r\n"
        f"Content-Type: application/VIID+JSON\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body


async def e2e(
    port: int, work: list[tuple[str, bytes]], *, connections: int = 16, warmup: list[tuple[str, bytes]]
) -> tuple[float, int, list[float]]:
    """(seconds, objects acknowledged, per-batch latencies) for POSTing ``work``."""
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
        for dev in DEVICES:
            await register(client, dev, PASSWORD)
    requests = [_request(port, "/VIID/MotorVehicles", dev, body) for dev, body in work]
    queue = list(reversed(requests))
    acked, latencies = 0, []

    async def worker(batches: list[bytes]) -> None:
        nonlocal acked
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while batches:
                request = batches.pop()
                t0 = time.perf_counter()
                status, body = await _post(reader, writer, request)
                latencies.append(time.perf_counter() - t0)
                if status != 200:
                    raise RuntimeError(f"HTTP {status}: {body[:200]!r}")
                statuses = orjson.loads(body)["ResponseStatusListObject"]["ResponseStatusObject"]
                acked += sum(s["StatusCode"] == "0" for s in statuses)
        finally:
            writer.close()

    warm = [_request(port, "/VIID/MotorVehicles", dev, body) for dev, body in warmup]
    await asyncio.gather(*(worker([w]) for w in warm))
    acked, latencies = 0, []
    t0 = time.perf_counter()
    await asyncio.gather(*(worker(queue) for _ in range(connections)))
    return time.perf_counter() - t0, acked, latencies


def cpu_by_thread(pid: int) -> dict[str, float]:
    """CPU seconds per thread name (Python's threads are named after the process; chdb names its
    own: ThreadPool = query and insert work, MergeMutate = background merges of parts)."""
    out: dict[str, float] = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            name = (task / "comm").read_text().strip()
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # the thread ended meanwhile
            continue
        group = "python" if name.startswith(("xueliang", "python")) else name
        out[group] = out.get(group, 0.0) + (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return out


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process, all its threads (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def parse_only(work: list[tuple[str, bytes]]) -> tuple[float, list[dict[str, object]]]:
    """CPU seconds to decode and validate every body (one thread, so CPU time is the time it takes
    on a core of its own: unlike wall time it does not grow with other processes' load, which only
    makes the end-to-end ratio against it more conservative)."""
    opts = ParseOptions(tz="Asia/Shanghai")
    rows: list[dict[str, object]] = []
    t0 = time.thread_time()
    for _, body in work:
        objs = orjson.loads(body)["MotorVehicleListObject"]["MotorVehicleObject"]
        rows += [p.row for p in parse_batch(kind=MOTOR_VEHICLE, objects=objs, opts=opts).parsed]
    return time.thread_time() - t0, rows


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def raw_insert(root: Path, rows: list[dict[str, object]]) -> float:
    store = ChdbStore(path=root / "raw", database="bench")
    store.ensure_schema()
    t0 = time.perf_counter()
    for i in range(0, len(rows), 5000):
        store.insert(MOTOR_VEHICLE, rows[i : i + 5000])
    return time.perf_counter() - t0


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values) or [0.0]
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=20_000)
    ap.add_argument("--image-records", type=int, default=5_000)
    ap.add_argument("--port", type=int, default=0, help="the server's port (default: a free one)")
    ap.add_argument("--connections", default="16,64", help="comma-separated: each is measured")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    conns = [int(c) for c in str(args.connections).split(",")]
    args.port = args.port or free_port()
    root = Path(tempfile.mkdtemp(prefix="xl-bench-"))
    proc = setup_server(root / "server", args.port)
    print(f"server pid {proc.pid} on port {args.port} (e.g. py-spy record --gil -p {proc.pid})", flush=True)
    results: dict[tuple[str, int, int], list[tuple[float, ...]]] = {}
    clock = datetime.now(ZoneInfo("Asia/Shanghai")) - timedelta(hours=3)  # the server's default zone
    try:
        for rep, connections in ((r, c) for r in range(args.repeat) for c in conns):
            for label, n, images, seed in (
                ("no images", args.records, False, 1 + 100 * rep + connections),
                ("with images", args.image_records, True, 2 + 100 * rep + connections),
            ):
                if not n:  # --image-records 0: measure without images only
                    continue
                warm_n = BATCH * len(DEVICES)
                warmup = bodies(objects(warm_n, images=images, seed=seed + 500, start=clock))
                later = clock + timedelta(seconds=warm_n / 100)
                work = bodies(objects(n, images=images, seed=seed, start=later))
                clock += timedelta(seconds=(warm_n + n) / 100 + 1)
                t_before, rows = parse_only(work)
                cpu0, client0 = cpu_seconds(proc.pid), time.process_time()
                threads0 = cpu_by_thread(proc.pid)
                t_e2e, acked, lat = asyncio.run(e2e(args.port, work, connections=connections, warmup=warmup))
                server_cpu, client_cpu = cpu_seconds(proc.pid) - cpu0, time.process_time() - client0
                threads1 = cpu_by_thread(proc.pid)
                split = {k: (v - threads0.get(k, 0.0)) / n * 1e6 for k, v in threads1.items()}
                top = sorted(split.items(), key=lambda kv: -kv[1])[:4]
                by_thread = ", ".join(f"{k} {v:.1f}" for k, v in top)
                print(f"{label}, {connections} connections: server CPU µs/rec by thread: {by_thread}")
                assert acked == n, f"only {acked} of {n} acknowledged"
                t_after, _ = parse_only(work)
                t_parse = (t_before + t_after) / 2
                t_raw = raw_insert(root, rows)
                results.setdefault((label, connections, n), []).append(
                    (n / t_e2e, n / t_raw, n / t_parse, _pct(lat, 0.5), _pct(lat, 0.99),
                     server_cpu / n * 1e6, client_cpu / n * 1e6, t_parse / n * 1e6)
                )  # fmt: skip
    finally:
        proc.kill()
        proc.wait()
        shutil.rmtree(root, ignore_errors=True)
    print(
        f"medians of {args.repeat} runs, batches of {BATCH}, "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    print(
        f"{'':12} {'conns':>5} {'records':>8} {'e2e rec/s':>10} {'(a) raw insert':>15} "
        f"{'(b) parse only':>15} {'e2e/(a)':>8} {'e2e/(b)':>8} {'p50 ms':>7} {'p99 ms':>7} "
        f"{'srv µs/rec':>10} {'(b) µs/rec':>10} {'client µs/rec':>13}"
    )
    for (label, connections, n), runs in results.items():
        e, a, b, p50, p99, srv, cli, parse_us = (statistics.median(col) for col in zip(*runs, strict=True))
        to_a = statistics.median(r[0] / r[1] for r in runs)
        to_b = statistics.median(r[0] / r[2] for r in runs)
        print(
            f"{label:12} {connections:>5} {n:>8} {e:>10,.0f} {a:>15,.0f} {b:>15,.0f} "
            f"{to_a:>8.1%} {to_b:>8.1%} {p50:>7.1f} {p99:>7.1f} {srv:>10.1f} {parse_us:>10.1f} {cli:>13.1f}"
        )
        print(f"{'':18} runs (e2e rec/s): {', '.join(f'{r[0]:,.0f}' for r in runs)}")
        print(f"{'':18} runs (e2e/(b)):   {', '.join(f'{r[0] / r[2]:.1%}' for r in runs)}")


if __name__ == "__main__":
    main()
