"""Recording tables: per-camera plans, retention policies per group, and the segment index."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from xueliang.core.db import Base, utcnow


class RecordingPlan(Base):
    __tablename__ = "stream_recording_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_pk: Mapped[int] = mapped_column(ForeignKey("camera_channel.id", ondelete="CASCADE"), unique=True)
    mode: Mapped[str] = mapped_column(String(16))  # continuous | scheduled
    schedule: Mapped[str] = mapped_column(Text, default="")  # "08:00-20:00,22:00-23:30" local time
    retention_group: Mapped[str] = mapped_column(String(64), default="default", index=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RetentionPolicy(Base):
    __tablename__ = "stream_retention_policy"

    group: Mapped[str] = mapped_column(String(64), primary_key=True)
    max_age_days: Mapped[int] = mapped_column(Integer, default=30)
    max_bytes: Mapped[int | None] = mapped_column(BigInteger)


class Segment(Base):
    """One stored ~10 s MPEG-TS file of a camera's recording."""

    __tablename__ = "stream_segment"
    __table_args__ = (Index("ix_stream_segment_channel_start", "channel_pk", "start_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_pk: Mapped[int] = mapped_column(ForeignKey("camera_channel.id", ondelete="CASCADE"))
    retention_group: Mapped[str] = mapped_column(String(64), default="default", index=True)
    start_at: Mapped[datetime]
    end_at: Mapped[datetime]
    duration: Mapped[float] = mapped_column(Float)
    bytes: Mapped[int] = mapped_column(BigInteger)
    path: Mapped[str] = mapped_column(String(400))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
