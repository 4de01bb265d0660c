"""Ops figures in one run: diagnosis accuracy on real frames (vtest.avi) with synthetic degradations
of known label (precision and recall per fault), diagnosis time per snapshot and the cycle time for
3,200 cameras on 2 worker processes, and the RTSP probe cycle for 3,200 cameras with 5 % unreachable
(local TCP listeners and closed ports on 127.0.0.1 only).

.venv/bin/python bench/ops.py [--video /usr/share/doc/opencv-doc/examples/data/vtest.avi]
    [--cameras 3200] [--timeout 2]
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor

import cv2
import numpy as np

from xueliang.ops import quality
from xueliang.ops.degrade import DEGRADATIONS, jpeg
from xueliang.ops.enums import Fault
from xueliang.ops.probe import RtspProber

VTEST = "/usr/share/doc/opencv-doc/examples/data/vtest.avi"


def read_frames(path: str, step: int) -> list[np.ndarray]:
    cap, frames, i = cv2.VideoCapture(path), [], 0
    while True:
        ok, frame = cap.read()
        if not ok:
            return frames
        if i % step == 0:
            frames.append(frame)
        i += 1


def samples(frames: list[np.ndarray], rng: np.random.Generator) -> list[tuple[str, bytes, bytes, bytes]]:
    """(label, snapshot, previous, reference): one clean and one per fault for every frame."""
    reference = jpeg(frames[0])
    out = []
    for k in range(2, len(frames)):
        current, previous = frames[k], jpeg(frames[k - 1])
        out.append(("clean", jpeg(current), previous, reference))
        out.append((Fault.frozen.value, previous, previous, reference))
        for fault, degrade in DEGRADATIONS.items():
            out.append((fault.value, jpeg(degrade(current, rng)), previous, reference))
    return out


def diagnose_sample(sample: tuple[str, bytes, bytes, bytes]) -> tuple[str, tuple[str, ...]]:
    label, data, previous, reference = sample
    prev, ref = quality.decode(previous), quality.decode(reference)
    result, _ = quality.diagnose(data, previous=prev, reference=ref)
    return label, tuple(f.value for f in result.faults)


def accuracy(results: list[tuple[str, tuple[str, ...]]]) -> None:
    tp, fp, fn = Counter[str](), Counter[str](), Counter[str]()
    for label, found in results:
        for fault in found:
            (tp if fault == label else fp)[fault] += 1
        if label != "clean" and label not in found:
            fn[label] += 1
    print(f"{'fault':<14}{'precision':>10}{'recall':>8}{'tp':>6}{'fp':>6}{'fn':>6}")
    for fault in Fault:
        f = fault.value
        p = tp[f] / (tp[f] + fp[f]) if tp[f] + fp[f] else float("nan")
        r = tp[f] / (tp[f] + fn[f]) if tp[f] + fn[f] else float("nan")
        print(f"{f:<14}{p:>10.3f}{r:>8.3f}{tp[f]:>6}{fp[f]:>6}{fn[f]:>6}")
    clean = [found for label, found in results if label == "clean"]
    print(f"clean frames with any finding: {sum(1 for f in clean if f)} of {len(clean)}")


def timing(sample_set: list[tuple[str, bytes, bytes, bytes]], cameras: int) -> None:
    chosen = [s for s in sample_set if s[0] == "clean"][:200]
    started = time.perf_counter()
    for s in chosen:
        diagnose_sample(s)
    per = (time.perf_counter() - started) / len(chosen)
    print(f"diagnosis (decode snapshot, previous, reference; measure; judge): {per * 1000:.1f} ms/snapshot")
    batch = [chosen[i % len(chosen)] for i in range(cameras)]
    started = time.perf_counter()
    with ProcessPoolExecutor(2) as pool:
        list(pool.map(diagnose_sample, batch, chunksize=64))
    print(f"diagnosis cycle, {cameras} cameras, 2 processes: {time.perf_counter() - started:.1f} s")


async def serve_rtsp(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            cseq = next(line for line in head.decode().split("\r\n") if line.startswith("CSeq"))
            writer.write(f"RTSP/1.0 200 OK\r\n{cseq}\r\nContent-Length: 0\r\n\r\n".encode())
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def probe_cycle(cameras: int, deadline: float) -> None:
    server = await asyncio.start_server(serve_rtsp, "127.0.0.1", 0, backlog=4096)
    port = server.sockets[0].getsockname()[1]
    silent = socket.socket()  # accepts connections (backlog) but never answers: costs a timeout
    silent.bind(("127.0.0.1", 0))
    silent.listen(4096)
    closed = socket.socket()  # bound, not listening: connection refused
    closed.bind(("127.0.0.1", 0))
    bad = {i for i in range(cameras) if i % 20 == 0}
    targets = {}
    for i in range(cameras):
        dead_port = (silent if i % 40 == 0 else closed).getsockname()[1]
        targets[i] = f"rtsp://127.0.0.1:{dead_port if i in bad else port}/ch{i}"
    started = time.perf_counter()
    results = await RtspProber(timeout=deadline, concurrency=400).probe_many(targets)
    elapsed = time.perf_counter() - started
    online = sum(1 for r in results.values() if r.online)
    wrong = sum(1 for i, r in results.items() if r.online == (i in bad))
    print(
        f"probe cycle, {cameras} cameras ({len(bad)} unreachable: half silent, half refused; timeout "
        f"{deadline} s, 400 at once): {elapsed:.2f} s, {online} online, {wrong} misjudged"
    )
    server.close()
    silent.close()
    closed.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--video", default=VTEST)
    parser.add_argument("--cameras", type=int, default=3200)
    parser.add_argument("--timeout", type=float, default=2.0)
    args = parser.parse_args()
    frames = read_frames(args.video, step=8)
    sample_set = samples(frames, np.random.default_rng(11))
    print(f"{len(frames)} frames of {args.video}, {len(sample_set)} samples")
    with ProcessPoolExecutor(2) as pool:
        results = list(pool.map(diagnose_sample, sample_set, chunksize=32))
    accuracy(results)
    timing(sample_set, args.cameras)
    asyncio.run(probe_cycle(args.cameras, args.timeout))


if __name__ == "__main__":
    main()
