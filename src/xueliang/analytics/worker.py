"""An analytics worker: holds camera leases (``leases.Assigner``) and runs a pipeline per held camera.

``PipelineHost`` owns what the worker's cameras share: the detector pool, the describer (extractor
stage) and the ingest into the view library. ``AnalyticsWorker`` only decides which cameras run here;
tests give it fake pipelines.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import secrets
import socket
import time
from collections.abc import Callable
from typing import Any, Protocol

from xueliang.analytics.detectors import DetectorConfig
from xueliang.analytics.leases import Assigner, LeaseStore
from xueliang.analytics.pipeline import CameraPipeline, CameraStatus, Describer, PipelineConfig

logger = logging.getLogger(__name__)


class Runner(Protocol):
    def snapshot(self) -> CameraStatus: ...

    def stop(self) -> None: ...


Starter = Callable[[str, str], Runner]  # (camera, source) → a started pipeline
Cameras = Callable[[], dict[str, str]]  # camera → stream URL, the cameras to structure


def worker_id() -> str:
    host = "".join(c if c.isalnum() or c in "-_" else "-" for c in socket.gethostname())[:40]
    return f"{host}-{os.getpid()}-{secrets.token_hex(2)}"


class AnalyticsWorker:
    def __init__(
        self, *, leases: LeaseStore, cameras: Cameras, start: Starter, worker: str | None = None,
        lease_s: float = 30.0, heartbeat_s: float = 10.0, clock: Callable[[], float] | None = None,
    ) -> None:  # fmt: skip
        self.id = worker or worker_id()
        self.leases, self.cameras, self.start_camera, self.heartbeat_s = leases, cameras, start, heartbeat_s
        self.assigner = Assigner(leases, self.id, lease_s=lease_s, clock=clock or time.time)
        self.running: dict[str, Runner] = {}

    async def tick(self) -> set[str]:
        cameras = await asyncio.to_thread(self.cameras)
        statuses = {c: {**r.snapshot().as_dict(), "worker": self.id} for c, r in self.running.items()}
        held = await self.assigner.tick(sorted(cameras), statuses)
        for camera in sorted(set(self.running) - held):
            logger.info("worker %s: camera %s no longer held, stopping it", self.id, camera)
            await asyncio.to_thread(self.running.pop(camera).stop)
        for camera in sorted(held - set(self.running)):
            logger.info("worker %s: starting camera %s", self.id, camera)
            self.running[camera] = await asyncio.to_thread(self.start_camera, camera, cameras[camera])
        return held

    async def run(self, stop: asyncio.Event) -> None:
        await self.leases.start()
        try:
            while not stop.is_set():
                try:
                    await self.tick()
                except Exception:  # the store is unreachable for a moment: keep what runs, try again
                    logger.exception("worker %s: lease round failed", self.id)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.heartbeat_s)
        finally:
            await self.shutdown()
            await self.leases.close()

    async def shutdown(self) -> None:
        for camera in list(self.running):
            await asyncio.to_thread(self.running.pop(camera).stop)
        with contextlib.suppress(Exception):
            await self.assigner.release_all()


class PipelineHost:
    """The worker's shared stages; ``start(camera, source)`` is the worker's ``Starter``."""

    def __init__(
        self, *, config: PipelineConfig, detector: DetectorConfig, processes: int,
        make_extractors: Callable[[], list[Any]], sink: Callable[[dict[str, list[dict[str, Any]]]], None],
    ) -> None:  # fmt: skip
        from xueliang.analytics.detectpool import DetectorPool

        self.config = config
        self.ctx = multiprocessing.get_context("spawn")  # no fork of a process with threads and a loop
        self.pool = DetectorPool(detector, processes=processes, max_width=config.max_width, ctx=self.ctx)
        self.describer = Describer(make_extractors, sink)

    def __enter__(self) -> PipelineHost:
        self.pool.start()
        self.describer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.describer.stop()
        self.pool.stop()

    def start(self, camera: str, source: str) -> CameraPipeline:
        pipeline = CameraPipeline(camera, source, config=self.config, pool=self.pool, ctx=self.ctx,
                                  on_track=self.describer.offer)  # fmt: skip
        return pipeline.start()
