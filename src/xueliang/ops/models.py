"""Ops tables: channel health and its history, daily online rates, quality diagnoses, per-camera
thresholds, alarms, maintenance contracts, work orders and the contractor's monthly figures."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from xueliang.core.db import Base, utcnow

CHANNEL_FK = "camera_channel.id"


class Health(Base):
    """The current health of one channel (one row a channel, written by the health cycle)."""

    __tablename__ = "ops_health"

    channel_pk: Mapped[int] = mapped_column(ForeignKey(CHANNEL_FK, ondelete="CASCADE"), primary_key=True)
    online: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(16), default="rtsp")
    detail: Mapped[str] = mapped_column(String(200), default="")
    latency_ms: Mapped[float | None] = mapped_column(Float)
    checked_at: Mapped[datetime] = mapped_column(default=utcnow)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    reference_sha: Mapped[str | None] = mapped_column(String(64))  # scene reference snapshot


class StateChange(Base):
    """Uptime history: one row each time a channel goes online or offline."""

    __tablename__ = "ops_state_change"
    __table_args__ = (Index("ix_ops_state_change_channel_at", "channel_pk", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_pk: Mapped[int] = mapped_column(ForeignKey(CHANNEL_FK, ondelete="CASCADE"))
    online: Mapped[bool] = mapped_column(Boolean)
    source: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(String(200), default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)


class OnlineDaily(Base):
    """Online rate of one day (local date) by dimension: sums of channels seen and seen online over
    the day's health cycles, so ``rate = online / total`` is the sample-averaged online rate."""

    __tablename__ = "ops_online_daily"
    __table_args__ = (UniqueConstraint("day", "dimension", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    dimension: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(32))
    total: Mapped[int] = mapped_column(Integer, default=0)
    online: Mapped[int] = mapped_column(Integer, default=0)
    samples: Mapped[int] = mapped_column(Integer, default=0)


class Threshold(Base):
    """Per-camera overrides of the diagnosis thresholds (``quality.Thresholds`` field → value)."""

    __tablename__ = "ops_threshold"

    channel_pk: Mapped[int] = mapped_column(ForeignKey(CHANNEL_FK, ondelete="CASCADE"), primary_key=True)
    overrides: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Diagnosis(Base):
    """One video quality diagnosis of one snapshot."""

    __tablename__ = "ops_diagnosis"
    __table_args__ = (Index("ix_ops_diagnosis_channel_at", "channel_pk", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_pk: Mapped[int] = mapped_column(ForeignKey(CHANNEL_FK, ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    ok: Mapped[bool] = mapped_column(Boolean)
    faults: Mapped[str] = mapped_column(String(200), default="")  # comma-separated Fault values
    measures: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    snapshot_sha: Mapped[str | None] = mapped_column(String(64))


class Alarm(Base):
    """An ops alarm; ``key`` names its cause (e.g. ``offline:<channel>``) — at most one open alarm
    per key. Cleared automatically when the cause goes away."""

    __tablename__ = "ops_alarm"
    __table_args__ = (Index("ix_ops_alarm_state_key", "state", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(80))
    state: Mapped[str] = mapped_column(String(16), default="active")
    channel_pk: Mapped[int | None] = mapped_column(ForeignKey(CHANNEL_FK, ondelete="CASCADE"), index=True)
    message: Mapped[str] = mapped_column(String(400), default="")
    raised_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(String(64))
    cleared_at: Mapped[datetime | None]


class Contract(Base):
    """A maintenance contract: the contractor (an org unit) maintains the cameras whose region code
    starts with ``region_prefix`` (empty = all)."""

    __tablename__ = "ops_contract"
    __table_args__ = (UniqueConstraint("org_unit_id", "region_prefix"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id", ondelete="CASCADE"))
    region_prefix: Mapped[str] = mapped_column(String(12), default="")


class WorkOrder(Base):
    """A maintenance work order (维修工单) with response and repair limits on the work calendar."""

    __tablename__ = "ops_work_order"

    id: Mapped[int] = mapped_column(primary_key=True)
    alarm_id: Mapped[int | None] = mapped_column(ForeignKey("ops_alarm.id", ondelete="SET NULL"), index=True)
    channel_pk: Mapped[int | None] = mapped_column(ForeignKey(CHANNEL_FK, ondelete="SET NULL"), index=True)
    contractor_id: Mapped[int | None] = mapped_column(
        ForeignKey("org_unit.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(String(1000), default="")
    state: Mapped[str] = mapped_column(String(16), default="open", index=True)
    created_by: Mapped[str] = mapped_column(String(64), default="system")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    response_due: Mapped[datetime]
    repair_due: Mapped[datetime]
    responded_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("ops_diagnosis.id", ondelete="SET NULL"))


class ContractorMonth(Base):
    """The contractor's monthly figures that the assessment domain consumes (fee deduction)."""

    __tablename__ = "ops_contractor_month"
    __table_args__ = (UniqueConstraint("month", "org_unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM, local time
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id", ondelete="CASCADE"))
    availability: Mapped[float | None] = mapped_column(Float)
    orders: Mapped[int] = mapped_column(Integer, default=0)
    responded_on_time: Mapped[int] = mapped_column(Integer, default=0)
    repaired_on_time: Mapped[int] = mapped_column(Integer, default=0)
    timeliness: Mapped[float | None] = mapped_column(Float)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)
