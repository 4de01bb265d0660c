"""`xueliang sim viid-push`: checkpoints and face cameras pushing GA/T 1400 batches over HTTP.

Each device registers with Digest (password: the camera registry's derived secret, or --password),
keeps alive, and uploads its own objects from the traffic files in batches. A batch that fails
(connection refused, 5xx) is retried with back-off until acknowledged, so a server restart loses
nothing; acknowledged ids can be written out to check durability.

Only the hour files named by ``hours`` (``yyyyMMddHH``; all when empty) are read. A request body is
made of the files' own lines (no re-serialisation), and an hour's batches are sent in the order of
their last object's time, devices interleaved, as the cameras would send them.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson

from xueliang.viid import digest

KINDS = (
    ("motor_vehicles", "MotorVehicles", "MotorVehicleListObject", "MotorVehicleObject", "MotorVehicleID"),
    ("faces", "Faces", "FaceListObject", "FaceObject", "FaceID"),
)
TIME_FIELDS = ("PassTime", "ShotTime")


@dataclass
class Batch:
    device: str
    path: str
    body: bytes
    ids: list[str]


@dataclass
class Report:
    sent: int = 0
    acked: int = 0
    refused: int = 0
    retries: int = 0
    registered: int = 0
    latencies: list[float] = field(default_factory=list)
    acked_ids: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)

    def summary(self) -> str:
        lat = sorted(self.latencies) or [0.0]
        elapsed = time.perf_counter() - self.started
        p50, p99 = lat[len(lat) // 2] * 1000, lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000
        return (
            f"{self.registered} devices registered; "
            f"{self.acked} objects acknowledged in {elapsed:.1f} s "
            f"= {self.acked / max(elapsed, 1e-9):,.0f}/s; "
            f"latency p50 {p50:.1f} ms, p99 {p99:.1f} ms; refused {self.refused}, retries {self.retries}"
        )


def batches(folder: Path, *, devices: int, size: int, hours: Sequence[str] = ()) -> Iterator[Batch]:
    """Per device and kind, batches of ``size`` objects, hour file by hour file (only ``hours``, as
    ``yyyyMMddHH``, when given); within an hour in the order of each batch's last object time."""
    allowed: set[str] = set()
    for sub, path, list_key, obj_key, id_field in KINDS:
        for hour in sorted((folder / sub).glob("*.ndjson")):
            if hours and hour.stem not in hours:
                continue
            per_device: dict[str, list[tuple[str, str, bytes]]] = defaultdict(list)
            for line in hour.read_bytes().splitlines():
                obj: dict[str, Any] = orjson.loads(line)
                dev = obj["DeviceID"]
                if dev in allowed or len(allowed) < devices:
                    allowed.add(dev)
                    stamp = next((str(obj[f]) for f in TIME_FIELDS if f in obj), "")
                    per_device[dev].append((stamp, obj[id_field], line))
            found: list[tuple[str, Batch]] = []
            head = b'{"%s":{"%s":[' % (list_key.encode(), obj_key.encode())
            for dev, objs in per_device.items():
                for i in range(0, len(objs), size):
                    chunk = objs[i : i + size]
                    body = head + b",".join(c[2] for c in chunk) + b"]}}"
                    found.append((chunk[-1][0], Batch(dev, f"/VIID/{path}", body, [c[1] for c in chunk])))
            found.sort(key=lambda f: f[0])
            yield from (b for _, b in found)


async def register(client: httpx.AsyncClient, device: str, password: str) -> None:
    path, body = "/VIID/System/Register", {"RegisterObject": {"DeviceID": device}}
    first = await client.post(path, json=body)
    if first.status_code != 401:
        first.raise_for_status()
        return
    auth = digest.authorization_header(
        username=device,
        password=password,
        method="POST",
        uri=path,
        www_authenticate=first.headers["WWW-Authenticate"],
    )
    (await client.post(path, json=body, headers={"Authorization": auth})).raise_for_status()


async def _send(
    client: httpx.AsyncClient, batch: Batch, report: Report, password: Callable[[str], str]
) -> None:
    delay = 0.2
    while True:
        t0 = time.perf_counter()
        try:
            response = await client.post(
                batch.path, content=batch.body, headers={"User-Identify": batch.device}
            )
            if response.status_code == 401:  # registration lost (server restarted long ago, expiry)
                await register(client, batch.device, password(batch.device))
                raise httpx.TransportError("re-registered")
            response.raise_for_status()
        except httpx.HTTPError:
            report.retries += 1
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)
            continue
        report.latencies.append(time.perf_counter() - t0)
        statuses = response.json()["ResponseStatusListObject"]["ResponseStatusObject"]
        ok = [s["Id"] for s in statuses if s["StatusCode"] == "0"]
        report.acked += len(ok)
        report.acked_ids += ok
        report.refused += len(statuses) - len(ok)
        return


async def push(
    *,
    url: str,
    folder: Path,
    devices: int,
    rate: float,
    size: int,
    concurrency: int,
    password: Callable[[str], str],
    limit: int = 0,
    hours: Sequence[str] = (),
) -> Report:
    """Register, keep alive and push; ``rate`` objects/s overall (0 = as fast as possible)."""
    report = Report()
    work = list(batches(folder, devices=devices, size=size, hours=hours))
    if limit:
        work = work[: max(1, limit // size)]
    devs = sorted({b.device for b in work})
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        keep = asyncio.create_task(_keepalive(client, devs))  # from the start: registering takes a while
        gate = asyncio.Semaphore(max(1, concurrency))

        async def one(dev: str) -> None:
            async with gate:
                await register(client, dev, password(dev))

        await asyncio.gather(*(one(d) for d in devs))
        report.registered = len(devs)
        queue: asyncio.Queue[Batch] = asyncio.Queue()
        for b in work:
            queue.put_nowait(b)
        report.started = time.perf_counter()

        async def worker() -> None:
            while not queue.empty():
                batch = queue.get_nowait()
                if rate:
                    due = report.started + report.sent / rate
                    await asyncio.sleep(max(0.0, due - time.perf_counter()))
                report.sent += len(batch.ids)
                await _send(client, batch, report, password)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        keep.cancel()
    return report


async def _keepalive(client: httpx.AsyncClient, devices: list[str], every: float = 60.0) -> None:
    while True:
        await asyncio.sleep(every)
        for dev in devices:
            with contextlib.suppress(httpx.HTTPError):
                await client.post(
                    "/VIID/System/Keepalive",
                    json={"KeepaliveObject": {"DeviceID": dev}},
                    headers={"User-Identify": dev},
                )
