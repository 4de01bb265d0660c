"""The ``pyav`` plugin: demux → (no decode) → HLS muxer; snapshots decode one keyframe."""

from __future__ import annotations

import io
import time
from pathlib import Path
from typing import Any

import av

from xueliang.stream.relay import RelayOptions, ThreadedRelay, input_options, is_file, pace


def open_input(source: str, options: RelayOptions) -> Any:
    path = source.removeprefix("file://")
    return av.open(
        path,
        options=input_options(source, options.open_timeout),
        timeout=(options.open_timeout, max(options.open_timeout, 5.0)),
    )


class Backdater:
    """The first IDR of an RTSP stream often has no pts/dts: back-date it one frame from the next
    packet instead of dropping it (dropping it delays the first segment by a GOP)."""

    def __init__(self, frame_ticks: int) -> None:
        self.frame_ticks = frame_ticks
        self.pending: Any = None
        self.last_dts: int | None = None

    def feed(self, packet: Any) -> list[Any]:
        if packet.dts is None:
            if packet.is_keyframe and self.last_dts is None:
                self.pending = packet
            return []
        out = []
        if self.pending is not None:
            self.pending.dts = self.pending.pts = packet.dts - (packet.duration or self.frame_ticks)
            out.append(self.pending)
            self.pending = None
        if self.last_dts is not None and packet.dts <= self.last_dts:
            return out  # non-monotonic: skip rather than break the muxer
        if self.last_dts is None and not packet.is_keyframe and not out:
            return []  # start on a keyframe
        out.append(packet)
        self.last_dts = packet.dts
        return out


def frame_ticks(stream: Any) -> int:
    rate = stream.average_rate or stream.guessed_rate or 25
    return max(1, int(1 / (float(rate) * float(stream.time_base))))


class PyAvRelay(ThreadedRelay):
    def __init__(self, source: str, out_dir: Path, options: RelayOptions) -> None:
        super().__init__()
        self.source, self.out_dir, self.options = source, out_dir, options

    def hls_options(self) -> dict[str, str]:
        return {
            "hls_time": str(self.options.hls_time),
            "hls_list_size": str(self.options.list_size),
            "hls_segment_type": self.options.segment_type,
            "hls_flags": "delete_segments+independent_segments+program_date_time+omit_endlist",
        }

    def run(self) -> None:
        with open_input(self.source, self.options) as inp:
            vin = inp.streams.video[0]
            self.out_dir.mkdir(parents=True, exist_ok=True)
            self.opened()
            out = av.open(str(self.out_dir / "index.m3u8"), "w", format="hls", options=self.hls_options())
            try:
                self._copy(inp, vin, out, out.add_stream_from_template(vin))
            finally:
                out.close()

    def _copy(self, inp: Any, vin: Any, out: Any, vout: Any) -> None:
        backdater, started, paced = Backdater(frame_ticks(vin)), time.monotonic(), is_file(self.source)
        base: int | None = None
        for packet in inp.demux(vin):
            if self._stop.is_set():
                return
            for ready in backdater.feed(packet):
                base = ready.dts if base is None else base
                if paced:
                    pace(started, float((ready.dts - base) * vin.time_base), self._stop)
                ready.stream = vout
                out.mux(ready)


class PyAvPlugin:
    type = "pyav"

    def relay(self, source: str, out_dir: Path, options: RelayOptions) -> PyAvRelay:
        return PyAvRelay(source, out_dir, options)

    def snapshot(self, source: str, options: RelayOptions) -> bytes:
        """Decode the first keyframe only and encode it as JPEG."""
        with open_input(source, options) as inp:
            vin = inp.streams.video[0]
            vin.codec_context.skip_frame = "NONKEY"
            for frame in inp.decode(vin):
                buffer = io.BytesIO()
                frame.to_image().save(buffer, format="JPEG", quality=85)
                return buffer.getvalue()
        raise TimeoutError("no keyframe in the stream")
