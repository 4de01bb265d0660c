"""Recording plans, retention policies, playback (HLS VOD) and clip export."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from fastapi.responses import FileResponse

from xueliang.api import API_PREFIX
from xueliang.api.deps import SessionDep
from xueliang.audit import service as audit
from xueliang.auth.dependencies import require
from xueliang.auth.enums import Permission
from xueliang.auth.principal import Principal
from xueliang.camera import access
from xueliang.camera.enums import Right
from xueliang.core.db import utcnow
from xueliang.core.exceptions import PurposeRequiredError
from xueliang.stream import recording
from xueliang.stream.dependencies import OptionalPurpose, ValidChannel
from xueliang.stream.models import RetentionPolicy
from xueliang.stream.schemas import PlanInput, PlanRead, RetentionInput, SegmentRead
from xueliang.stream.service import require_viewing

router = APIRouter(prefix=API_PREFIX, tags=["recording"])
Playback = Annotated[Principal, Depends(require(Permission.video_playback))]
Manager = Annotated[Principal, Depends(require(Permission.camera_manage))]
M3U8 = "application/vnd.apple.mpegurl"


@router.put("/cameras/{channel_id}/recording-plan", response_model=PlanRead)
def set_plan(db: SessionDep, principal: Manager, channel: ValidChannel, body: PlanInput) -> PlanRead:
    plan = recording.set_plan(db=db, channel=channel, data=body)
    audit.record(
        db=db,
        actor=principal,
        action="stream.plan",
        object_type="camera",
        object_id=channel.channel_id,
        request=body.model_dump(),
    )
    return PlanRead.model_validate(plan)


@router.put("/recording/retention/{group}", response_model=RetentionInput)
def set_retention(db: SessionDep, principal: Manager, group: str, body: RetentionInput) -> RetentionInput:
    policy = db.get(RetentionPolicy, group) or RetentionPolicy(group=group)
    policy.max_age_days, policy.max_bytes = body.max_age_days, body.max_bytes
    db.add(policy)
    audit.record(
        db=db, actor=principal, action="stream.retention", object_id=group, request=body.model_dump()
    )
    return body


@router.get(
    "/cameras/{channel_id}/recordings",
    response_model=list[SegmentRead],
    summary="Recorded segments (timeline)",
)
def list_segments(
    db: SessionDep,
    principal: Playback,
    channel: ValidChannel,
    start: datetime,
    end: datetime,
    purpose: OptionalPurpose,
) -> list[SegmentRead]:
    require_viewing(db=db, principal=principal, channel=channel, right=Right.playback, purpose=purpose)
    return [
        SegmentRead.model_validate(s)
        for s in recording.segments_between(db=db, channel=channel, start=start, end=end)
    ]


@router.get("/cameras/{channel_id}/playback.m3u8", summary="Play a time range (HLS VOD)")
def playback(
    db: SessionDep,
    principal: Playback,
    channel: ValidChannel,
    start: datetime,
    end: datetime,
    purpose: OptionalPurpose,
) -> Response:
    require_viewing(db=db, principal=principal, channel=channel, right=Right.playback, purpose=purpose)
    segments = recording.segments_between(db=db, channel=channel, start=start, end=end)
    audit.record(
        db=db,
        actor=principal,
        action="stream.playback",
        object_type="camera",
        object_id=channel.channel_id,
        purpose=purpose.purpose,
        case_id=purpose.case_id,
        request={"start": start, "end": end},
        result_count=len(segments),
    )
    url = f"{API_PREFIX}/cameras/{channel.channel_id}/segments/{{segment_id}}.ts"
    return Response(recording.vod_playlist(segments, url), media_type=M3U8)


@router.get("/cameras/{channel_id}/segments/{segment_id}.ts", include_in_schema=False)
def segment_file(db: SessionDep, principal: Playback, channel: ValidChannel, segment_id: int) -> FileResponse:
    access.require_right(db=db, principal=principal, channel=channel, right=Right.playback)
    segment = recording.get_segment_or_raise(db=db, channel=channel, segment_id=segment_id)
    return FileResponse(segment.path, media_type="video/mp2t")


@router.post("/cameras/{channel_id}/clips", responses={200: {"content": {"video/mp4": {}}}})
def export_clip(
    db: SessionDep,
    principal: Playback,
    channel: ValidChannel,
    purpose: OptionalPurpose,
    start: Annotated[datetime, Query()],
    end: Annotated[datetime, Query()],
) -> Response:
    """An MP4 of the range with the user and time burned in; always needs a case or purpose."""
    access.require_right(db=db, principal=principal, channel=channel, right=Right.export)
    if purpose.case_id is None and len(purpose.purpose or "") < 4:
        raise PurposeRequiredError("exporting video needs a case number (case_id) or a purpose")
    segments = recording.segments_between(db=db, channel=channel, start=start, end=end)
    mark = f"{principal.username} {utcnow():%Y-%m-%d %H:%M:%S}Z {channel.channel_id}"
    clip = recording.export_clip(segments, watermark=mark)
    audit.record(
        db=db,
        actor=principal,
        action="stream.export",
        object_type="camera",
        object_id=channel.channel_id,
        purpose=purpose.purpose,
        case_id=purpose.case_id,
        request={"start": start, "end": end, "watermark": mark},
        result_count=len(segments),
    )
    disposition = f'attachment; filename="{channel.channel_id}_{start:%Y%m%d%H%M%S}.mp4"'
    return Response(clip, media_type="video/mp4", headers={"Content-Disposition": disposition})
