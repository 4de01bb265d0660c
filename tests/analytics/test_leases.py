"""Cameras shared by workers through leases; a dead worker's cameras move within a minute."""

from __future__ import annotations

import asyncio
import os
import secrets
from dataclasses import dataclass, field
from typing import Any

import pytest

from xueliang.analytics.leases import Assigner, Entry, LeaseStore, MemoryLeaseStore, NatsLeaseStore
from xueliang.analytics.pipeline import CameraStatus, PipelineState
from xueliang.analytics.worker import AnalyticsWorker

CAMERAS = {f"4301020000132000000{i}": f"rtsp://cam{i}" for i in range(5)}
NATS_URL = os.environ.get("XUELIANG_TEST_NATS_URL", "")


@dataclass
class FakePipeline:
    camera: str
    stopped: bool = False
    status: CameraStatus = field(init=False)

    def __post_init__(self) -> None:
        self.status = CameraStatus(self.camera, state=PipelineState.running, fps=5.0, dropped=2)

    def snapshot(self) -> CameraStatus:
        return self.status

    def stop(self) -> None:
        self.stopped = True


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def _worker(store: LeaseStore, name: str, clock: Clock) -> AnalyticsWorker:
    return AnalyticsWorker(leases=store, cameras=lambda: CAMERAS, start=lambda c, _u: FakePipeline(c),
                           worker=name, lease_s=30, heartbeat_s=10, clock=clock)  # fmt: skip


async def _scenario(store: LeaseStore) -> None:
    clock = Clock()
    a, b = _worker(store, "a", clock), _worker(store, "b", clock)
    assert await a.tick() == set(CAMERAS)  # alone: every camera
    assert await b.tick() == set()  # all held; b's heartbeat makes the fair share 3
    clock.now += 10
    held_a = await a.tick()  # a releases the cameras above its share…
    held_b = await b.tick()  # …and b claims them
    assert len(held_a) == 3
    assert len(held_b) == 2
    assert held_a.isdisjoint(held_b)
    assert set(a.running) == held_a  # pipelines follow the leases
    entries = await store.entries()
    assert entries[f"camera.{min(held_a)}"].value["worker"] == "a"
    clock.now += 10
    await a.tick()  # the statuses travel in the leases
    entries = await store.entries()
    assert entries[f"camera.{min(held_a)}"].value["status"]["state"] == "running"
    # a dies (no more ticks): after the lease runs out, b takes everything, within a minute
    for _ in range(4):
        clock.now += 10
        held_b = await b.tick()
    assert held_b == set(CAMERAS)
    await b.shutdown()
    assert all(p.stopped for p in b.running.values())
    entries = await store.entries()
    assert all(not e.value["worker"] for k, e in entries.items() if k.startswith("camera."))


def test_workers__share_cameras_and_take_over_a_dead_workers_on_memory() -> None:
    asyncio.run(_scenario(MemoryLeaseStore()))


@pytest.mark.skipif(not NATS_URL, reason="set XUELIANG_TEST_NATS_URL to run on NATS JetStream")
def test_workers__share_cameras_and_take_over_a_dead_workers_on_nats() -> None:
    async def go() -> None:
        store = NatsLeaseStore([NATS_URL], namespace=f"test_{secrets.token_hex(4)}")
        await store.start()
        try:
            await _scenario(store)
        finally:
            await store.delete_bucket()
            await store.close()

    asyncio.run(go())


def test_worker__two_claims_of_one_free_camera_one_wins() -> None:
    async def go() -> None:
        store, clock = MemoryLeaseStore(), Clock()
        a, b = _worker(store, "a", clock), _worker(store, "b", clock)
        held = await asyncio.gather(a.tick(), b.tick())
        assert held[0].isdisjoint(held[1])

    asyncio.run(go())


class CountingStore(MemoryLeaseStore):
    """Records which keys a worker reads and writes."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, str]] = []

    async def entries(self, prefix: str = "") -> dict[str, Entry]:
        self.calls.append(("entries", prefix))
        return await super().entries(prefix)

    async def get(self, key: str) -> Entry | None:
        self.calls.append(("get", key))
        return await super().get(key)

    async def create(self, key: str, value: dict[str, Any]) -> int | None:
        self.calls.append(("write", key))
        return await super().create(key, value)

    async def update(self, key: str, value: dict[str, Any], revision: int) -> int | None:
        self.calls.append(("write", key))
        return await super().update(key, value, revision)


def test_assigner__a_steady_heartbeat_touches_only_its_own_keys() -> None:
    async def go() -> None:
        store, now = CountingStore(), 1_000_000.0
        cameras = [f"cam{i:03}" for i in range(60)]
        a, b = (Assigner(store, w, lease_s=30, clock=lambda: now, rescan_ticks=5) for w in "ab")
        await a.tick(cameras, {}), await b.tick(cameras, {})
        now += 10
        await a.tick(cameras, {}), await b.tick(cameras, {})  # a releases half, b claims them
        now += 10
        held_a, held_b = await a.tick(cameras, {}), await b.tick(cameras, {})
        assert len(held_a) == len(held_b) == 30
        store.calls.clear()
        now += 10
        assert await a.tick(cameras, {}) == held_a
        assert store.calls.count(("entries", "worker.")) == 1
        assert not [c for c in store.calls if c[0] == "get" or c == ("entries", "camera.")]
        written = {key for op, key in store.calls if op == "write"}
        assert written == {f"camera.{c}" for c in held_a} | {"worker.a"}
        for tick in (
            4,
            5,
        ):  # every rescan_ticks ticks (and at the first): a rescan of every key, a safety net
            store.calls.clear()
            now += 10
            await a.tick(cameras, {})
            assert (("entries", "camera.") in store.calls) is (tick == 5)

    asyncio.run(go())
