"""The capture process of one camera: PyAV decode of its (sub-)stream at a configured rate into the
camera's shared-memory ring. Decode never waits on the stages behind it: with no free slot the frame
is dropped and counted. Any error ends the process with a ``CaptureStatus`` naming it; the
supervisor (``pipeline.CaptureSupervisor``) restarts it with backoff. A file source plays in real
time (cameras are live) and its end counts as the end of the stream.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from xueliang.analytics.messages import CaptureStatus, FrameReady
from xueliang.analytics.ring import Attached, slot_bytes_for, take_free


@dataclass(frozen=True)
class CaptureConfig:
    camera: str
    source: str
    ring: str
    fps: float = 5.0
    max_width: int = 640
    open_timeout: float = 5.0


def frame_size(width: int, height: int, max_width: int) -> tuple[int, int]:
    """Scale down to ``max_width`` (keeping the aspect, even sizes, height ≤ max_width)."""
    scale = min(1.0, max_width / max(width, 1), max_width / max(height, 1))
    return max(2, int(width * scale) // 2 * 2), max(2, int(height * scale) // 2 * 2)


class _Sampler:
    """Keeps one frame per 1/fps of stream time; holds a file source to real time."""

    def __init__(self, fps: float, paced: bool) -> None:
        self.step, self.paced = 1.0 / fps, paced
        self.next_t: float | None = None
        self.base: float | None = None
        self.started = time.monotonic()

    def keep(self, t: float) -> bool:
        if self.base is None:
            self.base = t
        if self.paced:
            delay = self.started + (t - self.base) - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        if self.next_t is not None and t < self.next_t - 1e-3:
            return False
        self.next_t = t + self.step
        return True


def run_capture(config: CaptureConfig, free: Any, frames: Any, status: Any, stop: Any) -> None:
    """Process entry point: decode until ``stop`` is set, the stream ends or fails."""
    from xueliang.stream.pyav_relay import open_input
    from xueliang.stream.relay import RelayOptions, is_file

    attached = Attached(slot_bytes_for(config.max_width))
    try:
        with open_input(config.source, RelayOptions(open_timeout=config.open_timeout)) as container:
            stream = container.streams.video[0]
            status.put(CaptureStatus("opened", f"{stream.codec_context.width}x{stream.codec_context.height}"))
            _decode(config, container, stream, attached, (free, frames, stop), is_file(config.source))
        status.put(CaptureStatus("ended", "" if stop.is_set() else "end of stream"))
    except Exception as exc:  # av errors, timeouts, anything: report it and let the supervisor retry
        status.put(CaptureStatus("error", f"{type(exc).__name__}: {exc}"[:300]))
    finally:
        attached.close()


def _decode(
    config: CaptureConfig, container: Any, stream: Any, attached: Attached, queues: tuple[Any, Any, Any],
    paced: bool,
) -> None:  # fmt: skip
    free, frames, stop = queues
    rate = float(stream.average_rate or stream.guessed_rate or 25)
    sampler, seq, dropped, index = _Sampler(config.fps, paced), 0, 0, 0
    for frame in container.decode(stream):
        if stop.is_set():
            return
        t = float(frame.time) if frame.time is not None else index / rate
        index += 1
        if not sampler.keep(t):
            continue
        slot = take_free(free)
        if slot is None:
            dropped += 1
            continue
        try:
            width, height = frame_size(frame.width, frame.height, config.max_width)
            image = frame.to_ndarray(format="bgr24", width=width, height=height)
            attached.view(config.ring, slot, image.shape)[:] = image
        except BaseException:
            free.put(slot)
            raise
        frames.put(FrameReady(config.ring, slot, image.shape, seq, time.time(), dropped))
        seq += 1
