"""stream API answers and bodies."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from xueliang.api.schemas import ReadModel, StrictInput


class LiveRead(ReadModel):
    channel_id: str
    state: str = Field(description="live (the playlist may take one segment, ~2 s, to appear).")
    viewer_id: str
    playlist_url: str
    viewers: int


class PublicLinkCreate(StrictInput):
    ttl_seconds: int = Field(
        3600, ge=60, description="Validity; at most XUELIANG_STREAM_PUBLIC_LINK_MAX_SECONDS."
    )


class PublicLinkRead(ReadModel):
    channel_id: str
    url: str
    expires_at: datetime


class PlanInput(StrictInput):
    mode: str = Field(pattern=r"^(continuous|scheduled)$")
    schedule: str = Field(
        "", max_length=400, description='Local time windows, e.g. "08:00-20:00,22:00-23:30".'
    )
    retention_group: str = Field("default", min_length=1, max_length=64)
    enabled: bool = True


class PlanRead(ReadModel):
    mode: str
    schedule: str
    retention_group: str
    enabled: bool


class SegmentRead(ReadModel):
    id: int
    start_at: datetime
    end_at: datetime
    duration: float
    bytes: int


class RetentionInput(StrictInput):
    max_age_days: int = Field(30, ge=1, le=3650)
    max_bytes: int | None = Field(None, ge=1)
