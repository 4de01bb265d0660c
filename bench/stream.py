"""Live relay and recording figures on this machine, one run (figures go in docs/video.md).

.venv/bin/python bench/stream.py [--relays 8] [--transcodes 2] [--seconds 15]

- remux relays: N concurrent RTSP → HLS relays from the camera simulator (a 2 Mb/s stream),
  CPU of this process per relay → relays per core;
- transcoding the same stream (decode + libx264 ultrafast encode) → CPU per stream → ratio;
- time to first HLS segment, p50 / p99 over every relay start;
- recording write throughput: remux of a 60 s file into 10 s segments, indexed in SQLite.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import av
import numpy as np

from xueliang.sim.cameras_rtsp import VTEST, CameraSimulator
from xueliang.stream.pyav_relay import PyAvRelay, open_input
from xueliang.stream.recorder import SegmentInfo, record
from xueliang.stream.relay import RelayOptions


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def source_2mbps(cache: Path) -> tuple[str, Path]:
    """vtest.avi at 2 Mb/s (Annex-B for the simulator, MP4 for the recording test)."""
    h264, mp4 = cache / "vtest_2m.h264", cache / "vtest_2m.mp4"
    cache.mkdir(parents=True, exist_ok=True)
    if not h264.is_file():
        ffmpeg = shutil.which("ffmpeg") or "ffmpeg"
        subprocess.run(
            [
                ffmpeg,
                "-y",
                "-loglevel",
                "error",
                "-stream_loop",
                "5",
                "-i",
                str(VTEST),
                "-c:v",
                "libx264",
                "-preset",
                "veryfast",
                "-b:v",
                "2M",
                "-maxrate",
                "2M",
                "-bufsize",
                "2M",
                "-g",
                "20",
                "-bf",
                "0",
                "-pix_fmt",
                "yuv420p",
                "-an",
                str(mp4),
            ],
            check=True,
        )
        subprocess.run(
            [
                ffmpeg,
                "-y",
                "-loglevel",
                "error",
                "-i",
                str(mp4),
                "-c",
                "copy",
                "-bsf:v",
                "h264_mp4toannexb",
                "-f",
                "h264",
                str(h264),
            ],
            check=True,
        )
    return str(h264), mp4


def first_segment(relay: PyAvRelay, out: Path, started: float) -> float:
    while time.monotonic() - started < 20:
        if any(out.glob("*.ts")):
            return time.monotonic() - started
        time.sleep(0.02)
    return float("nan")


def remux(urls: list[str], root: Path, seconds: float) -> tuple[float, list[float]]:
    relays, ttfs = [], []
    for i, url in enumerate(urls):
        out = root / f"r{i}"
        relay = PyAvRelay(url, out, RelayOptions(open_timeout=5))
        started = time.monotonic()
        relay.start()
        relays.append((relay, out, started))
    ttfs = [first_segment(r, o, s) for r, o, s in relays]
    before, t0 = cpu(), time.monotonic()
    time.sleep(seconds)
    used = (cpu() - before) / (time.monotonic() - t0)
    for relay, _, _ in relays:
        relay.stop()
    return used / len(urls), ttfs


def transcode_worker(url: str, stop: threading.Event) -> None:
    with open_input(url, RelayOptions()) as inp, av.open("/dev/null", "w", format="mpegts") as out:
        vin = inp.streams.video[0]
        stream: Any = None
        for frame in inp.decode(vin):
            if stop.is_set():
                return
            if stream is None:
                stream = out.add_stream("libx264", rate=10)
                stream.width, stream.height, stream.pix_fmt = frame.width, frame.height, "yuv420p"
                stream.options = {"preset": "ultrafast", "b": "2M"}
            frame.pts = None
            for packet in stream.encode(frame):
                out.mux(packet)


def transcode(urls: list[str], seconds: float) -> float:
    stop = threading.Event()
    threads = [threading.Thread(target=transcode_worker, args=(u, stop), daemon=True) for u in urls]
    for thread in threads:
        thread.start()
    time.sleep(2)
    before, t0 = cpu(), time.monotonic()
    time.sleep(seconds)
    used = (cpu() - before) / (time.monotonic() - t0)
    stop.set()
    for thread in threads:
        thread.join(timeout=10)
    return used / len(urls)


def recording_throughput(mp4: Path, root: Path) -> tuple[float, float, int]:
    from sqlalchemy import create_engine, text

    engine = create_engine(f"sqlite:///{root / 'index.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE seg (path TEXT, start TEXT, dur REAL, bytes INT)"))

    def index(info: SegmentInfo) -> None:
        with engine.begin() as conn:
            conn.execute(
                text("INSERT INTO seg VALUES (:p, :s, :d, :b)"),
                {"p": str(info.path), "s": info.start_at.isoformat(), "d": info.duration, "b": info.bytes},
            )

    started = time.monotonic()
    count = record(
        str(mp4),
        root / "rec",
        segment_seconds=10,
        options=RelayOptions(),
        stop=threading.Event(),
        on_segment=index,
        realtime=False,
    )
    elapsed = time.monotonic() - started
    size = sum(p.stat().st_size for p in (root / "rec").rglob("*.ts"))
    with av.open(str(mp4)) as probe:
        media = float(probe.duration or 0) / 1e6
    return size / elapsed / 1e6, media / elapsed, count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--relays", type=int, default=8)
    parser.add_argument("--transcodes", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        h264, mp4 = source_2mbps(Path(tempfile.gettempdir()) / "xueliang-bench-cache")
        with CameraSimulator(count=args.relays, source=h264) as sim:
            per_relay, ttfs = remux(sim.urls, root / "live", args.seconds)
            more = [remux([u], root / f"again{i}", 0.5)[1][0] for i, u in enumerate(sim.urls)]
            per_transcode = transcode(sim.urls[: args.transcodes], args.seconds)
        ttf = np.array([t for t in ttfs + more if t == t])
        mb_s, speed, segments = recording_throughput(mp4, root)
    print(f"remux: {per_relay * 100:.2f} % of a core per relay → {1 / per_relay:.0f} relays per core")
    ratio = per_transcode / per_relay
    print(f"transcode: {per_transcode * 100:.1f} % of a core per stream → remux/transcode ratio {ratio:.0f}x")
    p50, p99 = np.percentile(ttf, 50), np.percentile(ttf, 99)
    print(f"time to first segment over {len(ttf)} starts: p50 {p50:.2f} s, p99 {p99:.2f} s")
    print(f"recording: {mb_s:.1f} MB/s written, {speed:.0f}x real time, {segments} segments indexed")


if __name__ == "__main__":
    main()
