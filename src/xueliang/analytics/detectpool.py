"""One pool of detector processes serving every camera of a worker.

Camera loops put ``DetectRequest`` (camera, ring slot, region) on one request queue; whichever
detector process is free takes it, reads the region straight from the camera's shared-memory ring,
and answers on one result queue, which a router thread hands to the asking camera. A camera loop
holds its frame slot until the answer is in, so the pixels cannot change under the detector.
"""

from __future__ import annotations

import logging
import queue
import threading
from typing import Any

import numpy as np
import numpy.typing as npt

from xueliang.analytics.detections import Detections
from xueliang.analytics.detectors import DetectorConfig, detect_in_region, make_detector
from xueliang.analytics.messages import DetectRequest, DetectResult
from xueliang.analytics.ring import Attached, slot_bytes_for

logger = logging.getLogger(__name__)
Image = npt.NDArray[np.uint8]


def run_detector(config: DetectorConfig, max_width: int, requests: Any, results: Any) -> None:
    """Process entry point: load the model once, then answer requests until a ``None`` arrives."""
    import cv2

    cv2.setNumThreads(config.threads)
    detector = make_detector(config)
    attached = Attached(slot_bytes_for(max_width))
    try:
        while (request := requests.get()) is not None:
            results.put(_answer(detector, attached, request))
    finally:
        attached.close()


def _answer(detector: Any, attached: Attached, request: DetectRequest) -> DetectResult:
    try:
        frame = attached.view(request.ring, request.slot, request.shape)
        found = detect_in_region(detector, frame, np.array(request.region, np.float32))
    except Exception as exc:  # a bad request must not take the pool down: answer with the error
        empty = Detections.empty()
        return DetectResult(request.camera, request.seq, empty.xyxy, empty.confidence, empty.class_id,
                            error=repr(exc)[:200])  # fmt: skip
    return DetectResult(request.camera, request.seq, found.xyxy, found.confidence, found.class_id)


class DetectorPool:
    def __init__(self, config: DetectorConfig, *, processes: int, max_width: int, ctx: Any) -> None:
        self.config, self.max_width, self.ctx = config, max_width, ctx
        self.requests, self.results = ctx.Queue(), ctx.Queue()
        self.processes = [
            ctx.Process(target=run_detector, args=(config, max_width, self.requests, self.results),
                        name=f"xl-detector-{i}", daemon=True)
            for i in range(processes)
        ]  # fmt: skip
        self.replies: dict[str, queue.Queue[DetectResult]] = {}
        self._router = threading.Thread(target=self._route, name="xl-detector-router", daemon=True)

    def start(self) -> DetectorPool:
        for process in self.processes:
            process.start()
        self._router.start()
        return self

    def stop(self) -> None:
        for _ in self.processes:
            self.requests.put(None)
        for process in self.processes:
            process.join(timeout=5)
            if process.is_alive():
                process.kill()
                process.join(timeout=5)
        self.results.put(None)
        self._router.join(timeout=5)
        for q in (self.requests, self.results):
            q.close()
            q.join_thread()

    @property
    def alive(self) -> int:
        return sum(p.is_alive() for p in self.processes)

    def _route(self) -> None:
        while (result := self.results.get()) is not None:
            waiting = self.replies.get(result.camera)
            if waiting is not None:
                waiting.put(result)

    def client(self, camera: str, timeout: float = 30.0) -> PoolClient:
        self.replies[camera] = queue.Queue()
        return PoolClient(self, camera, timeout)

    def forget(self, camera: str) -> None:
        self.replies.pop(camera, None)


class PoolClient:
    """A camera's handle on the pool; ``CameraTracker`` calls ``locate`` (or ``detect`` when naive)
    for the frame whose slot ``current`` names."""

    def __init__(self, pool: DetectorPool, camera: str, timeout: float) -> None:
        self.pool, self.camera, self.timeout = pool, camera, timeout
        self.current: tuple[str, int, tuple[int, int, int]] | None = None
        self.calls = self.seq = self.failures = 0

    def detect(self, image: Image) -> Detections:
        return self.locate(image, np.array([0, 0, image.shape[1], image.shape[0]], np.float32))

    def locate(self, frame: Image, region: npt.NDArray[np.float32]) -> Detections:
        if self.current is None:
            raise RuntimeError("no frame slot is current")
        self.calls += 1
        self.seq += 1
        ring, slot, shape = self.current
        box = (float(region[0]), float(region[1]), float(region[2]), float(region[3]))
        self.pool.requests.put(DetectRequest(self.camera, self.seq, ring, slot, shape, box))
        result = self._wait()
        if result is None or result.error:
            self.failures += 1
            logger.warning("detection failed: camera=%s error=%s", self.camera,
                           result.error if result else "timeout")  # fmt: skip
            return Detections.empty()
        return Detections(result.xyxy, result.confidence, result.class_id)

    def _wait(self) -> DetectResult | None:
        replies = self.pool.replies[self.camera]
        while True:
            try:
                result = replies.get(timeout=self.timeout)
            except queue.Empty:
                return None
            if result.seq == self.seq:
                return result
