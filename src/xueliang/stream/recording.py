"""Recording plans, the segment index, retention (by age, then by size, oldest first, per group),
playback playlists (HLS VOD over stored segments) and clip export with a burned-in watermark."""

from __future__ import annotations

import io
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import av
from PIL import ImageDraw
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from xueliang.camera.models import Channel
from xueliang.core.exceptions import InvalidInputError, NotFoundError
from xueliang.stream.models import RecordingPlan, RetentionPolicy, Segment
from xueliang.stream.recorder import SegmentInfo
from xueliang.stream.schemas import PlanInput

MAX_CLIP_SECONDS = 300


def set_plan(*, db: Session, channel: Channel, data: PlanInput) -> RecordingPlan:
    windows(data.schedule)  # validate
    plan = db.scalar(select(RecordingPlan).where(RecordingPlan.channel_pk == channel.id))
    if plan is None:
        plan = RecordingPlan(channel_pk=channel.id)
        db.add(plan)
    plan.mode, plan.schedule = data.mode, data.schedule
    plan.retention_group, plan.enabled = data.retention_group, data.enabled
    db.flush()
    return plan


def windows(schedule: str) -> list[tuple[time, time]]:
    """``"08:00-20:00,22:00-23:30"`` → [(08:00, 20:00), (22:00, 23:30)]; errors name the rule."""
    found = []
    for part in filter(None, (p.strip() for p in schedule.split(","))):
        try:
            start, end = (time.fromisoformat(x.strip()) for x in part.split("-"))
        except ValueError:
            raise InvalidInputError(
                f"schedule window {part!r} must be HH:MM-HH:MM", field="schedule"
            ) from None
        found.append((start, end))
    return found


def plan_active(plan: RecordingPlan, now: datetime, tz: str) -> bool:
    if not plan.enabled:
        return False
    if plan.mode == "continuous":
        return True
    local = now.astimezone(ZoneInfo(tz)).time()
    return any(s <= local < e if s <= e else (local >= s or local < e) for s, e in windows(plan.schedule))


def index_segment(*, db: Session, channel_pk: int, group: str, info: SegmentInfo) -> Segment:
    segment = Segment(
        channel_pk=channel_pk,
        retention_group=group,
        start_at=info.start_at,
        end_at=info.end_at,
        duration=info.duration,
        bytes=info.bytes,
        path=str(info.path),
    )
    db.add(segment)
    db.flush()
    return segment


def apply_retention(*, db: Session, now: datetime, default_days: int = 30) -> int:
    """Delete expired segments (files and rows): older than the group's age, then oldest first
    while the group is over its size. Returns the number deleted."""
    policies = {p.group: p for p in db.scalars(select(RetentionPolicy))}
    groups = set(db.scalars(select(Segment.retention_group).distinct()))
    deleted = 0
    for group in groups:
        policy = policies.get(group) or RetentionPolicy(
            group=group, max_age_days=default_days, max_bytes=None
        )
        old = select(Segment).where(
            Segment.retention_group == group, Segment.end_at < now - timedelta(days=policy.max_age_days)
        )
        deleted += _delete(db, list(db.scalars(old)))
        if policy.max_bytes is not None:
            deleted += _delete(db, _over_size(db, group, policy.max_bytes))
    return deleted


def _over_size(db: Session, group: str, limit: int) -> list[Segment]:
    total = (
        db.scalar(select(func.coalesce(func.sum(Segment.bytes), 0)).where(Segment.retention_group == group))
        or 0
    )
    victims: list[Segment] = []
    query = select(Segment).where(Segment.retention_group == group).order_by(Segment.start_at)
    for segment in db.scalars(query.execution_options(yield_per=500)):
        if total <= limit:
            break
        victims.append(segment)
        total -= segment.bytes
    return victims


def _delete(db: Session, segments: list[Segment]) -> int:
    for segment in segments:
        Path(segment.path).unlink(missing_ok=True)
    if segments:
        db.execute(delete(Segment).where(Segment.id.in_([s.id for s in segments])))
    return len(segments)


def segments_between(*, db: Session, channel: Channel, start: datetime, end: datetime) -> list[Segment]:
    if end <= start:
        raise InvalidInputError("end must be after start", field="end")
    query = (
        select(Segment)
        .where(Segment.channel_pk == channel.id, Segment.end_at > start, Segment.start_at < end)
        .order_by(Segment.start_at)
    )
    return list(db.scalars(query))


def vod_playlist(segments: list[Segment], url: str) -> str:
    """HLS VOD over stored segments; a gap in the recording is marked as a discontinuity."""
    target = max((s.duration for s in segments), default=10.0)
    lines = [
        "#EXTM3U",
        "#EXT-X-VERSION:3",
        "#EXT-X-PLAYLIST-TYPE:VOD",
        f"#EXT-X-TARGETDURATION:{int(target + 0.999)}",
        "#EXT-X-MEDIA-SEQUENCE:0",
    ]
    previous: Segment | None = None
    for segment in segments:
        if previous is not None and (segment.start_at - previous.end_at).total_seconds() > 1:
            lines.append("#EXT-X-DISCONTINUITY")
        lines += [
            f"#EXT-X-PROGRAM-DATE-TIME:{segment.start_at.isoformat()}",
            f"#EXTINF:{segment.duration:.3f},",
            url.format(segment_id=segment.id),
        ]
        previous = segment
    return "\n".join([*lines, "#EXT-X-ENDLIST", ""])


def get_segment_or_raise(*, db: Session, channel: Channel, segment_id: int) -> Segment:
    segment = db.get(Segment, segment_id)
    if segment is None or segment.channel_pk != channel.id or not Path(segment.path).is_file():
        raise NotFoundError(f"segment {segment_id} does not exist")
    return segment


def export_clip(segments: list[Segment], *, watermark: str) -> bytes:
    """Decode the stored segments, burn ``watermark`` into every frame, encode H.264 in MP4."""
    if not segments:
        raise NotFoundError("nothing was recorded in this time range")
    if sum(s.duration for s in segments) > MAX_CLIP_SECONDS + 20:
        raise InvalidInputError(f"a clip is at most {MAX_CLIP_SECONDS} s", field="end")
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp4") as out:
        encoder: Any = None
        for segment in segments:
            with av.open(segment.path) as inp:
                for frame in inp.decode(video=0):
                    encoder = encoder or _encoder(out, frame)
                    for packet in encoder.encode(_stamp(frame, watermark)):
                        out.mux(packet)
        if encoder is not None:
            for packet in encoder.encode(None):
                out.mux(packet)
    return buffer.getvalue()


def _encoder(out: Any, frame: Any) -> Any:
    stream = out.add_stream("libx264", rate=10)
    stream.width, stream.height, stream.pix_fmt = frame.width, frame.height, "yuv420p"
    stream.options = {"preset": "ultrafast", "crf": "26"}
    return stream


def _stamp(frame: Any, text: str) -> Any:
    image = frame.to_image()
    draw = ImageDraw.Draw(image)
    for dx, dy, colour in ((1, 1, "black"), (0, 0, "white")):
        draw.text((10 + dx, image.height - 24 + dy), text, fill=colour)
    stamped = av.VideoFrame.from_image(image).reformat(format="yuv420p")  # type: ignore[no-untyped-call]
    stamped.pts, stamped.time_base = None, frame.time_base
    return stamped
