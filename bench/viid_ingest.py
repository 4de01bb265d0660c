"""End-to-end GA/T 1400 ingest over HTTP vs its two limits; run once: `python bench/viid_ingest.py`.

Measures, on the embedded chdb store, records/s for:
  e2e   POST /VIID/MotorVehicles in batches of 100 to a `xueliang serve` process (Digest-registered
        devices, concurrency 8), with and without one ~8 KB base64 image per object;
  (a)   raw bulk insert of the same parsed rows into a chdb store (5,000-row inserts) — storage limit;
  (b)   orjson-decoding and validating the same request bodies in-process, storing nothing — protocol limit.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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


def objects(n: int, *, images: bool, seed: int) -> list[dict[str, object]]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        dev = DEVICES[i % len(DEVICES)]
        stamp = f"202611010{(i // 3600) % 10}{(i // 60) % 60:02d}{i % 60:02d}"
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
    settings = Settings(data_dir=root, env="development", secret_key="b" * 64)  # type: ignore[arg-type]
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


async def e2e(url: str, work: list[tuple[str, bytes]], concurrency: int = 8) -> tuple[float, int]:
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        for dev in DEVICES:
            await register(client, dev, PASSWORD)
        queue = list(reversed(work))
        acked = 0
        t0 = time.perf_counter()

        async def worker() -> None:
            nonlocal acked
            while queue:
                dev, body = queue.pop()
                r = await client.post("/VIID/MotorVehicles", content=body, headers={"User-Identify": dev})
                acked += sum(
                    s["StatusCode"] == "0"
                    for s in r.json()["ResponseStatusListObject"]["ResponseStatusObject"]
                )

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return time.perf_counter() - t0, acked


def parse_only(work: list[tuple[str, bytes]]) -> tuple[float, list[dict[str, object]]]:
    opts = ParseOptions(tz="Asia/Shanghai")
    rows: list[dict[str, object]] = []
    t0 = time.perf_counter()
    for _, body in work:
        objs = orjson.loads(body)["MotorVehicleListObject"]["MotorVehicleObject"]
        rows += [p.row for p in parse_batch(kind=MOTOR_VEHICLE, objects=objs, opts=opts).parsed]
    return time.perf_counter() - t0, rows


def raw_insert(root: Path, rows: list[dict[str, object]]) -> float:
    store = ChdbStore(path=root / "raw", database="bench")
    store.ensure_schema()
    t0 = time.perf_counter()
    for i in range(0, len(rows), 5000):
        store.insert(MOTOR_VEHICLE, rows[i : i + 5000])  # type: ignore[arg-type]
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=20_000)
    ap.add_argument("--image-records", type=int, default=5_000)
    ap.add_argument("--port", type=int, default=8799)
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="xl-bench-"))
    proc = setup_server(root / "server", args.port)
    results = {}
    try:
        for label, n, images, seed in (
            ("no images", args.records, False, 1),
            ("with images", args.image_records, True, 2),
        ):
            work = bodies(objects(n, images=images, seed=seed))
            t_e2e, acked = asyncio.run(e2e(f"http://127.0.0.1:{args.port}", work))
            t_parse, rows = parse_only(work)
            t_raw = raw_insert(root, rows)
            results[label] = (n, acked, n / t_e2e, n / t_raw, n / t_parse)
    finally:
        proc.kill()
        proc.wait()
        shutil.rmtree(root, ignore_errors=True)
    print(
        f"{'':12} {'records':>8} {'e2e rec/s':>10} {'(a) raw insert':>15} {'(b) parse only':>15} "
        f"{'e2e/(a)':>8} {'e2e/(b)':>8}"
    )
    for label, (n, acked, e, a, b) in results.items():
        assert acked == n, f"only {acked} of {n} acknowledged"
        print(f"{label:12} {n:>8} {e:>10,.0f} {a:>15,.0f} {b:>15,.0f} {e / a:>8.1%} {e / b:>8.1%}")


if __name__ == "__main__":
    main()
