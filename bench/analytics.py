"""Structurization figures in one run: detector calls/s and CPU per channel with the motion gate
against naive every-frame detection, the share of the naive run's tracks the gated run finds,
per-stage latency, and channels per core at 5 fps. Recall: the share of the naive run's tracks
(≥ 3 hits) the gated run finds; precision: the gated run's tracks that match no naive track at all
(false tracks) are counted, so recall is never bought with them.

.venv/bin/python bench/analytics.py [--frames 400] [--variants 6,6ns,6c2,6t0.4] [--only vtest]

A variant is ``<refresh>[c<confirm>][t<carry score>][n][s]``: re-detect interval, confirmation look,
carry's minimum template score (default 0.5), ``n`` = no carry, ``s`` = squeezed crop (the union of
the moving regions as it is, not grown to the frame's aspect ratio); ``6ns`` is the policy before
carry and aspect-kept crops.

Videos: opencv-doc's vtest.avi (768×576 pedestrians, decoded with PyAV, every 2nd frame = 5 fps) and a
synthetic traffic video (a real car photo and skimage's real motorcycle crossing a road at 5 fps, with
gaps between vehicles, 768×432). One OpenCV thread, so CPU seconds are one core's.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import time
from pathlib import Path

import av
import cv2
import numpy as np

from xueliang.analytics.carry import CarryConfig
from xueliang.analytics.detections import box_iou_batch
from xueliang.analytics.detectors import DetectorConfig, make_detector
from xueliang.analytics.tracker import Track
from xueliang.analytics.tracking import CameraTracker

VTEST = Path("/usr/share/doc/opencv-doc/examples/data/vtest.avi")
CAR = Path("/usr/share/doc/opencv-doc/examples/data/licenseplate_motion.jpg")
FPS = 5


def vtest_frames(limit: int) -> tuple[list[np.ndarray], float]:
    """Every 2nd frame (10 → 5 fps) as BGR, and the decode CPU seconds per kept frame."""
    frames, started = [], time.process_time()
    with av.open(str(VTEST)) as container:
        for i, frame in enumerate(container.decode(video=0)):
            if i % 2 == 0:
                frames.append(frame.to_ndarray(format="bgr24"))
            if len(frames) >= limit:
                break
    return frames, (time.process_time() - started) / len(frames)


def _sprite(path: Path, width: int, box: tuple[int, int, int, int] | None = None) -> np.ndarray:
    image = cv2.imread(str(path))
    if box:
        image = image[box[1] : box[3], box[0] : box[2]]
    return cv2.resize(image, (width, round(image.shape[0] * width / image.shape[1])))


def traffic_frames(count: int) -> list[np.ndarray]:
    """Vehicles cross a still road one or two at a time, with empty gaps (as real traffic has)."""
    skimage = Path(next(iter(importlib.util.find_spec("skimage").submodule_search_locations))) / "data"
    sprites = [_sprite(CAR, 220), _sprite(skimage / "motorcycle_left.png", 240, (90, 60, 720, 470))]
    road = np.full((432, 768, 3), 95, np.uint8)
    road[:120] = (150, 140, 120)
    road[270:276:, ::40] = 230
    rng = np.random.default_rng(7)
    starts = sorted(rng.choice(np.arange(0, count - 40), size=max(2, count // 45), replace=False))
    frames = []
    for f in range(count):
        frame = road.copy()
        for k, s in enumerate(starts):
            sprite = sprites[k % 2]
            x = -sprite.shape[1] + (f - s) * 30 if k % 2 == 0 else 768 - (f - s) * 30
            y = 150 if k % 2 == 0 else 170
            _paste(frame, sprite, x, y)
        frames.append(cv2.add(frame, rng.integers(0, 4, frame.shape, dtype=np.uint8)))
    return frames


def _paste(frame: np.ndarray, sprite: np.ndarray, x: int, y: int) -> None:
    h, w = sprite.shape[:2]
    x1, x2 = max(x, 0), min(x + w, frame.shape[1])
    if x2 > x1:
        frame[y : y + h, x1:x2] = sprite[:, x1 - x : x2 - x]


VARIANT = re.compile(r"^(\d+)(?:c(\d+))?(?:t([0-9.]+))?(n)?(s)?$")


def parse_variant(variant: str) -> dict[str, object]:
    match = VARIANT.match(variant)
    if not match:
        raise SystemExit(f"bad variant {variant!r}: <refresh>[c<confirm>][t<carry score>][n][s]")
    refresh, confirm, score, no_carry, squeezed = match.groups()
    carry = None if no_carry else CarryConfig(min_score=float(score or CarryConfig().min_score))
    return {
        "refresh": int(refresh),
        "confirm": int(confirm or 0),
        "carry": carry,
        "keep_aspect": not squeezed,
    }


def run(frames: list[np.ndarray], naive: bool, **policy: object) -> tuple[CameraTracker, list[Track], float]:
    camera = CameraTracker(make_detector(DetectorConfig()), naive=naive, **policy)  # type: ignore[arg-type]
    started = time.process_time()
    finished = [f.track for frame in frames for f in camera.feed(frame)]
    finished += [f.track for f in camera.flush()]
    return camera, finished, time.process_time() - started


def found(naive: Track, gated: list[Track]) -> bool:
    """A naive track is found when a gated track of its class boxes it (IoU ≥ 0.3) in a common frame:
    with a detection, or with its Kalman prediction on frames the gate let pass without one."""
    frames = dict(naive.history)
    for track in gated:
        if track.class_id != naive.class_id:
            continue
        for f, box in track.history + track.path[: len(track.path) - track.age]:
            if f in frames and box_iou_batch(box[None], frames[f][None])[0, 0] >= 0.3:
                return True
    return False


def report(name: str, frames: list[np.ndarray], decode_cpu: float, variants: list[str]) -> None:
    seconds = len(frames) / FPS
    naive_cam, naive_tracks, naive_cpu = run(frames, naive=True)
    real = [t for t in naive_tracks if t.hits >= 3]
    print(f"\n{name}: {len(frames)} frames at {FPS} fps ({seconds:.0f} s of video)")
    _line("naive", naive_cam, naive_tracks, naive_cpu, decode_cpu, len(frames))
    for variant in variants:
        policy = parse_variant(variant)
        gated_cam, gated_tracks, gated_cpu = run(frames, False, **policy)
        hits = sum(found(t, gated_tracks) for t in real)
        false = sum(not found(t, naive_tracks) for t in gated_tracks)
        ratio = naive_cam.detector_calls / max(gated_cam.detector_calls, 1)
        carry = policy["carry"]
        label = (
            f"gated {variant}: refresh={policy['refresh']} confirm={policy['confirm'] or 'off'} "
            f"carry={carry.min_score if isinstance(carry, CarryConfig) else 'off'} "
            f"crop={'frame aspect' if policy['keep_aspect'] else 'squeezed'}"
        )
        _line(label, gated_cam, gated_tracks, gated_cpu, decode_cpu, len(frames))
        print(
            f"    calls ratio naive/gated {ratio:.2f}× (goal ≥ 5×); tracks of ≥3 hits found "
            f"{hits}/{len(real)} = "
            f"{hits / max(len(real), 1):.1%} (goal ≥ 95 %); false tracks (match no naive track) "
            f"{false}/{len(gated_tracks)}; carried {gated_cam.carrier.carried if gated_cam.carrier else 0} "
            f"track-frames; load {_load()}"
        )


def _load() -> str:
    return " ".join(f"{v:.1f}" for v in os.getloadavg())


def _line(label: str, cam: CameraTracker, tracks: list[Track], cpu: float, decode_cpu: float, n: int) -> None:
    seconds = n / FPS
    per_channel = (cpu + decode_cpu * n) / seconds
    stages = ", ".join(f"{k} {v:.1f} ms" for k, v in sorted(cam.times.mean_ms().items()))
    print(
        f"  {label}: {cam.detector_calls} detector calls ({cam.detector_calls / seconds:.2f}/s), "
        f"{len(tracks)} tracks, CPU {per_channel:.3f} core/channel incl. decode "
        f"→ {1 / per_channel:.1f} channels/core; per stage: {stages}, decode {decode_cpu * 1000:.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--frames", type=int, default=400)
    parser.add_argument(
        "--variants", default="6,6ns", help="policies to measure, e.g. 6,6ns,6c2,6t0.4 (see the module doc)"
    )
    parser.add_argument("--only", choices=["vtest", "traffic"], default=None)
    args = parser.parse_args()
    variants = args.variants.split(",")
    cv2.setNumThreads(1)
    print(f"load average at start {_load()} ({os.cpu_count()} cores)")
    frames, decode_cpu = vtest_frames(args.frames)
    if args.only != "traffic":
        report("vtest.avi (pedestrians)", frames, decode_cpu, variants)
    if args.only != "vtest":
        report("synthetic traffic", traffic_frames(args.frames), decode_cpu * (432 / 576), variants)


if __name__ == "__main__":
    main()
