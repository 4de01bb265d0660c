from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import av
import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.stream.conftest import PRIVATE
from xueliang.camera import service as cameras
from xueliang.core.db import utcnow
from xueliang.stream import recording
from xueliang.stream.models import RetentionPolicy, Segment
from xueliang.stream.recorder import SegmentInfo, record
from xueliang.stream.relay import RelayOptions

WHY = {"purpose": "incident review"}


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """6 s of 160x120 H.264 at 10 fps, a keyframe every 2 s, no B-frames."""
    path = tmp_path_factory.mktemp("video") / "clip.mp4"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = 160, 120, "yuv420p"
        stream.options = {"g": "20", "bf": "0", "preset": "ultrafast"}
        for i in range(60):
            image = np.full((120, 160, 3), (i * 4) % 255, dtype=np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


def _record(db: Session, video: Path, out: Path, channel_pk: int, group: str = "default") -> list[Segment]:
    infos: list[SegmentInfo] = []
    count = record(
        str(video),
        out,
        segment_seconds=2,
        options=RelayOptions(),
        stop=threading.Event(),
        on_segment=infos.append,
        realtime=False,
    )
    assert count == len(infos)
    return [recording.index_segment(db=db, channel_pk=channel_pk, group=group, info=i) for i in infos]


def test_record__segments_cut_at_keyframes_and_indexed(
    db: Session, video: Path, tmp_path: Path, three_cameras: None
) -> None:
    channel = cameras.get_channel(db=db, channel_id=PRIVATE)
    assert channel is not None
    segments = _record(db, video, tmp_path, channel.id)
    assert len(segments) == 3 and all(1.9 <= s.duration <= 2.1 for s in segments)
    assert all(Path(s.path).stat().st_size == s.bytes for s in segments)
    assert segments[1].start_at == segments[0].end_at


def test_playback__vod_playlist_segments_and_watermarked_clip(
    admin: TestClient, db: Session, video: Path, tmp_path: Path
) -> None:
    channel = cameras.get_channel(db=db, channel_id=PRIVATE)
    assert channel is not None
    segments = _record(db, video, tmp_path, channel.id)
    db.commit()
    window = {
        "start": (segments[0].start_at - timedelta(seconds=1)).isoformat(),
        "end": (segments[-1].end_at + timedelta(seconds=1)).isoformat(),
    }
    assert admin.get(f"/api/v1/cameras/{PRIVATE}/playback.m3u8", params=window).status_code == 400
    playlist = admin.get(f"/api/v1/cameras/{PRIVATE}/playback.m3u8", params={**window, **WHY})
    assert playlist.status_code == 200 and "#EXT-X-ENDLIST" in playlist.text
    urls = [line for line in playlist.text.splitlines() if line.endswith(".ts")]
    assert len(urls) == 3 and admin.get(urls[0]).content[:1] == b"\x47"
    clip = admin.post(f"/api/v1/cameras/{PRIVATE}/clips", params={**window, **WHY})
    assert clip.status_code == 200, clip.text
    clip_path = tmp_path / "clip.mp4"
    clip_path.write_bytes(clip.content)
    with av.open(str(clip_path)) as check:
        assert check.streams.video[0].frames >= 55


def test_apply_retention__age_then_size_oldest_first(
    db: Session, video: Path, tmp_path: Path, three_cameras: None
) -> None:
    channel = cameras.get_channel(db=db, channel_id=PRIVATE)
    assert channel is not None
    segments = _record(db, video, tmp_path, channel.id, group="g1")
    db.add(RetentionPolicy(group="g1", max_age_days=1, max_bytes=segments[2].bytes + 1))
    segments[0].end_at = utcnow() - timedelta(days=2)
    db.flush()
    assert recording.apply_retention(db=db, now=utcnow()) == 2
    left = db.scalars(select(Segment.id)).all()
    assert left == [segments[2].id] and not Path(segments[1].path).exists()
    assert db.scalar(select(func.count()).select_from(Segment)) == 1


def test_plan_active__scheduled_windows_local_time(db: Session, three_cameras: None) -> None:
    channel = cameras.get_channel(db=db, channel_id=PRIVATE)
    assert channel is not None
    from xueliang.stream.schemas import PlanInput

    plan = recording.set_plan(
        db=db, channel=channel, data=PlanInput(mode="scheduled", schedule="22:00-06:00")
    )
    night = utcnow().replace(hour=15, minute=0)  # 23:00 in Asia/Shanghai
    assert recording.plan_active(plan, night, "Asia/Shanghai")
    assert not recording.plan_active(plan, night.replace(hour=4), "Asia/Shanghai")
    with pytest.raises(Exception, match="HH:MM-HH:MM"):
        recording.windows("8-20")
