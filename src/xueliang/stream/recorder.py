"""Recording: remux a camera stream into ~N-second MPEG-TS files cut at keyframes, each indexed
in ``stream_segment`` as soon as it is closed. One thread per recording camera."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import av

from xueliang.core.db import utcnow
from xueliang.stream.pyav_relay import Backdater, frame_ticks, open_input
from xueliang.stream.relay import RelayOptions, is_file, pace

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SegmentInfo:
    path: Path
    start_at: datetime
    end_at: datetime
    duration: float
    bytes: int


OnSegment = Callable[[SegmentInfo], None]


class SegmentFile:
    def __init__(self, path: Path, template: Any, start_at: datetime, start_s: float) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path, self.start_at, self.start_s, self.last_s = path, start_at, start_s, start_s
        self.container = av.open(str(path), "w", format="mpegts")
        self.stream = self.container.add_stream_from_template(template)

    def close(self, end_s: float) -> SegmentInfo:
        self.container.close()
        duration = max(end_s - self.start_s, 0.0)
        end_at = self.start_at + timedelta(seconds=duration)
        return SegmentInfo(self.path, self.start_at, end_at, duration, self.path.stat().st_size)


def record(
    source: str,
    out_dir: Path,
    *,
    segment_seconds: float,
    options: RelayOptions,
    stop: threading.Event,
    on_segment: OnSegment,
    realtime: bool | None = None,
) -> int:
    """Record until ``stop`` or the end of the source; returns the number of segments written."""
    wall_start, count = utcnow(), 0
    with open_input(source, options) as inp:
        vin = inp.streams.video[0]
        backdater, tb, current = Backdater(frame_ticks(vin)), float(vin.time_base), None
        base: int | None = None
        step = 1.0 / float(vin.average_rate or 25)
        paced = is_file(source) if realtime is None else realtime
        started = time.monotonic()
        for packet in inp.demux(vin):
            if stop.is_set():
                break
            for ready in backdater.feed(packet):
                base = ready.dts if base is None else base
                at = (ready.dts - base) * tb
                if paced:
                    pace(started, at, stop)
                if current is None or (ready.is_keyframe and at - current.start_s >= segment_seconds):
                    if current is not None:
                        on_segment(current.close(at))
                        count += 1
                    start_at = wall_start + timedelta(seconds=at)
                    name = f"{start_at:%Y%m%d}/{start_at:%H%M%S_%f}.ts"
                    current = SegmentFile(out_dir / name, vin, start_at, at)
                ready.stream = current.stream
                current.container.mux(ready)
                current.last_s = at
        if current is not None:
            on_segment(current.close(current.last_s + step))
            count += 1
    return count


class Recorder:
    """A recording thread for one camera; restarts the source after errors until stopped."""

    def __init__(
        self,
        channel_id: str,
        source: str,
        out_dir: Path,
        *,
        segment_seconds: float,
        options: RelayOptions,
        on_segment: OnSegment,
    ) -> None:
        self.channel_id, self.source, self.out_dir = channel_id, source, out_dir
        self.segment_seconds, self.options, self.on_segment = segment_seconds, options, on_segment
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True, name=f"rec-{channel_id}")

    def start(self) -> None:
        self.thread.start()

    def _run(self) -> None:
        while not self.stop_event.is_set():
            try:
                record(
                    self.source,
                    self.out_dir,
                    segment_seconds=self.segment_seconds,
                    options=self.options,
                    stop=self.stop_event,
                    on_segment=self.on_segment,
                    realtime=False,
                )
            except Exception as exc:
                logger.warning("recording %s interrupted: %s", self.channel_id, type(exc).__name__)
            self.stop_event.wait(5)

    def stop(self) -> None:
        self.stop_event.set()
        self.thread.join(timeout=10)
