"""One camera's pipeline inside a worker: a supervised capture process feeding a camera loop.

- ``CaptureSupervisor`` (a thread) starts the capture process, reads its ``CaptureStatus`` and, when
  it ends or fails, restarts it after an exponential backoff (reset once a run lasted
  ``healthy_after`` seconds). A bad stream affects only its own camera.
- The camera loop (a thread) takes ``FrameReady`` messages, runs the motion gate and tracker on the
  frame in shared memory (detection goes to the worker's ``DetectorPool``), frees the slot, and hands
  finished tracks to the worker's describer (extractors → records → ingest).
"""

from __future__ import annotations

import contextlib
import enum
import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from xueliang.analytics.capture import CaptureConfig, run_capture
from xueliang.analytics.detectpool import DetectorPool
from xueliang.analytics.messages import CaptureStatus, FrameReady
from xueliang.analytics.ring import FrameRing
from xueliang.analytics.tracking import CameraTracker, FinishedTrack

logger = logging.getLogger(__name__)
TrackSink = Callable[[str, FinishedTrack, datetime], None]


class PipelineState(enum.StrEnum):
    starting = "starting"
    running = "running"
    backoff = "backoff"
    error = "error"
    stopped = "stopped"


@dataclass(frozen=True)
class PipelineConfig:
    fps: float = 5.0
    max_width: int = 640
    slots: int = 4
    refresh: int = 6
    confirm: int = 0
    min_hits: int = 3
    backoff_base: float = 1.0
    backoff_max: float = 60.0
    healthy_after: float = 30.0
    open_timeout: float = 5.0
    detect_timeout: float = 30.0


@dataclass
class CameraStatus:
    """What the API shows for one camera (travels in the camera's lease)."""

    camera: str
    state: str = PipelineState.starting
    reason: str = ""
    fps: float = 0.0
    frames: int = 0
    dropped: int = 0
    restarts: int = 0
    detector_calls: int = 0
    tracks: int = 0
    since: float = field(default_factory=time.time)
    stages: dict[str, dict[str, Any]] = field(default_factory=dict)  # StageTimes.histograms()

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class CameraPipeline:
    def __init__(
        self, camera: str, source: str, *, config: PipelineConfig, pool: DetectorPool, ctx: Any,
        on_track: TrackSink,
    ) -> None:  # fmt: skip
        self.camera, self.source, self.config, self.ctx, self.on_track = camera, source, config, ctx, on_track
        self.free, self.frames, self.events = ctx.Queue(), ctx.Queue(), ctx.Queue()
        self.stop_capture = ctx.Event()
        self.ring = FrameRing(slots=config.slots, max_width=config.max_width, free=self.free)
        self.pool, self.client = pool, pool.client(camera, config.detect_timeout)
        self.status = CameraStatus(camera)
        self._stop = threading.Event()
        self._dropped_before = self._dropped_now = 0
        self._recent: deque[float] = deque(maxlen=25)
        self._threads = [
            threading.Thread(target=self._supervise, name=f"xl-capture-sup-{camera}", daemon=True),
            threading.Thread(target=self._loop, name=f"xl-camera-{camera}", daemon=True),
        ]
        self._process: Any = None
        self._tracker: CameraTracker | None = None

    def start(self) -> CameraPipeline:
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self.stop_capture.set()
        for thread in self._threads:
            thread.join(timeout=10)
        self.pool.forget(self.camera)
        for q in (self.free, self.frames, self.events):
            q.cancel_join_thread()
            q.close()
        self.ring.close()
        self._set(PipelineState.stopped, "")

    def snapshot(self) -> CameraStatus:
        s = self.status
        s.dropped = self._dropped_before + self._dropped_now
        s.detector_calls = self.client.calls
        if self._tracker is not None:
            s.stages = self._tracker.times.histograms()
        recent = list(self._recent)
        fresh = recent and time.time() - recent[-1] < 5
        span = recent[-1] - recent[0] if fresh else 0.0
        s.fps = round((len(recent) - 1) / span, 2) if span > 0 else 0.0
        return CameraStatus(**asdict(s))

    def _set(self, state: PipelineState, reason: str) -> None:
        if state != self.status.state:
            self.status.since = time.time()
            logger.info("analytics camera %s: %s %s", self.camera, state, reason)
        self.status.state, self.status.reason = state, reason

    # capture supervision ------------------------------------------------------------------------

    def _supervise(self) -> None:
        delay = self.config.backoff_base
        while not self._stop.is_set():
            started = time.monotonic()
            reason = self._run_capture()
            if self._stop.is_set():
                return
            if time.monotonic() - started >= self.config.healthy_after:
                delay = self.config.backoff_base
            self.status.restarts += 1
            self._dropped_before += self._dropped_now
            self._dropped_now = 0
            self._set(PipelineState.backoff, f"{reason} (retry in {delay:.1f} s)")
            self._stop.wait(delay)
            delay = min(delay * 2, self.config.backoff_max)

    def _run_capture(self) -> str:
        self._set(PipelineState.starting, self.status.reason)
        self.stop_capture.clear()
        config = CaptureConfig(self.camera, self.source, self.ring.name, self.config.fps,
                               self.config.max_width, self.config.open_timeout)  # fmt: skip
        args = (config, self.free, self.frames, self.events, self.stop_capture)
        name = f"xl-capture-{self.camera}"
        process = self.ctx.Process(target=run_capture, name=name, args=args, daemon=True)
        process.start()
        try:
            return self._watch(process)
        finally:
            self._end(process)

    def _watch(self, process: Any) -> str:
        reason = ""
        while process.is_alive() or not self.events.empty():
            if self._stop.is_set():
                return "stopped"
            try:
                event: CaptureStatus = self.events.get(timeout=0.2)
            except queue.Empty:
                continue
            if event.event == "opened":
                self._set(PipelineState.running, "")
            else:
                reason = event.reason or event.event
        return reason or f"capture exited with code {process.exitcode}"

    def _end(self, process: Any) -> None:
        self.stop_capture.set()
        process.join(timeout=5)
        if process.is_alive():
            logger.warning("capture of %s did not stop: killing it", self.camera)
            process.kill()
            process.join(timeout=5)

    # camera loop ----------------------------------------------------------------------------------

    def _loop(self) -> None:
        tracker = CameraTracker(self.client, refresh=self.config.refresh, confirm=self.config.confirm,
                                locate=self.client.locate)  # fmt: skip
        self._tracker = tracker
        times: dict[int, float] = {}
        while not self._stop.is_set():
            try:
                message: FrameReady = self.frames.get(timeout=0.25)
            except queue.Empty:
                continue
            self._feed(tracker, message, times)
        with contextlib.suppress(Exception):  # the tracks still open when the camera stops
            self._emit(tracker.flush(), times)

    def _feed(self, tracker: CameraTracker, message: FrameReady, times: dict[int, float]) -> None:
        self.client.current = (message.ring, message.slot, message.shape)
        try:
            finished = tracker.feed(self.ring.view(message.slot, message.shape))
        finally:
            self.client.current = None
            self.ring.release(message.slot)
        times[tracker.tracker.frame] = message.captured_at
        times.pop(tracker.tracker.frame - 5000, None)
        self.status.frames += 1
        self._dropped_now = message.dropped
        self._recent.append(time.time())
        self._emit(finished, times)

    def _emit(self, finished: list[FinishedTrack], times: dict[int, float]) -> None:
        for done in finished:
            if done.track.hits < self.config.min_hits or done.shot.frame is None:
                continue
            self.status.tracks += 1
            when = times.get(done.shot.frame_index, time.time())
            self.on_track(self.camera, done, datetime.fromtimestamp(when, UTC))


class Describer:
    """The worker's extractor stage: finished tracks → GA/T 1400 objects → ``sink`` (ingest).

    A bounded queue: when the extractors fall behind, finished tracks are dropped and counted
    rather than holding up the camera loops. The extractor models load once, in this thread.
    """

    def __init__(
        self, make: Callable[[], list[Any]], sink: Callable[[dict[str, list[dict[str, Any]]]], None],
        maxsize: int = 256,
    ) -> None:  # fmt: skip
        self.make, self.sink = make, sink
        self.queue: queue.Queue[tuple[str, FinishedTrack, datetime] | None] = queue.Queue(maxsize)
        self.dropped = self.described = self.failed = 0
        self._thread = threading.Thread(target=self._run, name="xl-describer", daemon=True)

    def start(self) -> Describer:
        self._thread.start()
        return self

    def offer(self, camera: str, done: FinishedTrack, when: datetime) -> None:
        try:
            self.queue.put_nowait((camera, done, when))
        except queue.Full:
            self.dropped += 1

    def stop(self) -> None:
        self.queue.put(None)
        self._thread.join(timeout=60)

    def _run(self) -> None:
        from xueliang.analytics.records import Shot, describe

        extractors = self.make()
        while (item := self.queue.get()) is not None:
            camera, done, when = item
            assert done.shot.frame is not None
            assert done.shot.box is not None
            try:
                by_kind = describe(Shot(camera, done.shot.frame, done.shot.box, done.track.class_id, when),
                                   extractors)  # fmt: skip
                if by_kind:
                    self.sink(by_kind)
                    self.described += 1
            except Exception:
                self.failed += 1
                logger.exception("describing a track of %s failed", camera)
