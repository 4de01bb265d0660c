"""The pipeline as processes: PyAV capture of an H.264 file into shared memory, the detector pool,
restarts with backoff of a corrupt stream while another camera keeps running."""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from xueliang.analytics.detectors import DetectorConfig
from xueliang.analytics.detectpool import DetectorPool
from xueliang.analytics.pipeline import CameraPipeline, PipelineConfig, PipelineState
from xueliang.analytics.ring import FrameRing, take_free
from xueliang.analytics.tracking import FinishedTrack

CTX = multiprocessing.get_context("spawn")


def _shm_names() -> set[str]:
    return {p.name for p in Path("/dev/shm").glob("xl_an_*")}


def test_ring__frames_dropped_when_no_slot_is_free_and_unlinked_on_close() -> None:
    free = CTX.Queue()
    ring = FrameRing(slots=2, max_width=64, free=free)
    time.sleep(0.1)  # the queue's feeder thread
    taken = [take_free(free), take_free(free)]
    assert sorted(t for t in taken if t is not None) == [0, 1]
    assert take_free(free) is None  # no free slot: the capture drops the frame instead of waiting
    ring.view(0, (48, 64, 3))[:] = 7
    assert ring.view(0, (48, 64, 3)).mean() == 7
    with pytest.raises(ValueError, match="does not fit"):
        ring.view(1, (65, 64, 3))
    assert ring.name in _shm_names()
    ring.close()
    free.close()
    assert ring.name not in _shm_names()


@pytest.fixture(scope="module")
def pool() -> Iterator[DetectorPool]:
    pool = DetectorPool(DetectorConfig(), processes=1, max_width=640, ctx=CTX).start()
    yield pool
    pool.stop()
    assert pool.alive == 0


def test_pipeline__h264_file_tracks_persons_while_a_corrupt_stream_backs_off(
    pool: DetectorPool, vtest_h264: Path, tmp_path: Path
) -> None:
    corrupt = tmp_path / "corrupt.mp4"
    corrupt.write_bytes(bytes(range(256)) * 100)
    config = PipelineConfig(fps=5, backoff_base=0.3, healthy_after=60)
    tracks: list[tuple[str, FinishedTrack, datetime]] = []
    good = CameraPipeline("A", str(vtest_h264), config=config, pool=pool, ctx=CTX,
                          on_track=lambda *t: tracks.append(t))  # fmt: skip
    bad = CameraPipeline("B", str(corrupt), config=config, pool=pool, ctx=CTX, on_track=lambda *t: None)
    good.start(), bad.start()
    try:
        deadline = time.monotonic() + 30
        while good.snapshot().state != PipelineState.backoff and time.monotonic() < deadline:
            time.sleep(0.5)  # the 8 s file ends: its end of stream is a restart too
        a, b = good.snapshot(), bad.snapshot()
    finally:
        good.stop(), bad.stop()
    print(f"A: {a}\nB: {b}\ntracks: {len(tracks)}")  # noqa: T201
    assert a.frames >= 30  # 8 s at 5 fps = 40 kept frames (some dropped while the model loads)
    assert a.frames + a.dropped >= 38
    assert a.detector_calls < a.frames / 2  # the motion gate and the re-detect interval
    assert "end of stream" in a.reason
    assert tracks
    assert 0 in {t[1].track.class_id for t in tracks}  # persons
    for _, done, _ in tracks:  # else only the van and the car parked at the top right (naive sees both)
        assert done.shot.box is not None
        assert done.track.class_id == 0 or (done.track.class_id in {2, 7} and done.shot.box[3] < 120)
    assert b.state in {PipelineState.backoff, PipelineState.starting}  # between two attempts
    assert b.restarts >= 3
    assert "InvalidDataError" in b.reason
    assert b.frames == 0
    assert not {good.ring.name, bad.ring.name} & _shm_names()
