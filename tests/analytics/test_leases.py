"""Cameras shared by workers through leases; a dead worker's cameras move within a minute."""

from __future__ import annotations

import asyncio
import os
import secrets
from dataclasses import dataclass, field

import pytest

from xueliang.analytics.leases import LeaseStore, MemoryLeaseStore, NatsLeaseStore
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
