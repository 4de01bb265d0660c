"""End to end: the RTSP camera simulator → a worker (lease, capture, detector pool, tracker, best shot,
extractors) → person records stored through the view library's ingest."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from xueliang.analytics.detectors import DetectorConfig
from xueliang.analytics.extractors import make_extractors
from xueliang.analytics.ingest import KINDS, ingest_objects
from xueliang.analytics.leases import MemoryLeaseStore
from xueliang.analytics.pipeline import PipelineConfig
from xueliang.analytics.worker import AnalyticsWorker, PipelineHost
from xueliang.core.blobs import BlobStore
from xueliang.core.bus import MemoryBus
from xueliang.sim.cameras_rtsp import CameraSimulator, available, prepare_source
from xueliang.viewlib.sql import RecordQuery
from xueliang.viewlib.stores.memory_store import MemoryStore
from xueliang.viewlib.writer import BatchWriter

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not available(), reason="needs GStreamer's RTSP server (scripts/install-system-deps.sh)"
    ),
]
CAM = "43010200001320000021"


@pytest.fixture(scope="module")
def simulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CameraSimulator]:
    cache = Path(tmp_path_factory.getbasetemp()).parent / "xueliang-sim-cache"
    with CameraSimulator(count=1, source=prepare_source(cache)) as sim:
        yield sim


def test_worker__rtsp_simulator_to_person_records(simulator: CameraSimulator, tmp_path: Path) -> None:
    store, blobs, bus = MemoryStore(), BlobStore(tmp_path / "blobs"), MemoryBus()
    writer = BatchWriter(store)

    async def go() -> dict[str, Any]:
        await bus.start()
        loop = asyncio.get_running_loop()

        def sink(by_kind: dict[str, list[dict[str, Any]]]) -> None:
            ingest = ingest_objects(writer=writer, blobs=blobs, bus=bus, tz="Asia/Shanghai", by_kind=by_kind)
            asyncio.run_coroutine_threadsafe(ingest, loop).result(timeout=60)

        config = PipelineConfig(fps=5, min_hits=3)
        names = ["clothing_colour"]
        host = PipelineHost(config=config, detector=DetectorConfig(), processes=1,
                            make_extractors=lambda: make_extractors(names), sink=sink)  # fmt: skip
        host.__enter__()
        worker = AnalyticsWorker(leases=MemoryLeaseStore(), cameras=lambda: {CAM: simulator.urls[0]},
                                 start=host.start, worker="w1", heartbeat_s=1)  # fmt: skip
        stop = asyncio.Event()
        task = asyncio.create_task(worker.run(stop))
        try:
            deadline = time.monotonic() + 35
            while store.page(KINDS["person"], RecordQuery(limit=0))[1] < 2 and time.monotonic() < deadline:  # noqa: ASYNC110
                await asyncio.sleep(0.5)
            status = worker.running[CAM].snapshot().as_dict() if CAM in worker.running else {}
        finally:
            stop.set()
            await task
            await asyncio.to_thread(host.__exit__, None, None, None)
            await bus.close()
        return status

    try:
        status = asyncio.run(go())
    finally:
        writer.close()
    persons, total = store.page(KINDS["person"], RecordQuery(limit=10))
    print(f"status {status}; person records {total}")  # noqa: T201
    assert status["state"] == "running"
    assert total >= 2
    assert '"InfoKind":1' in persons[0]
