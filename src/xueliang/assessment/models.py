"""Assessment tables: plans, generated runs and their per-subject results, manual adjustments, the
two input tables other sources fill (patrol days, contractor months), and project scorecards."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from xueliang.core.db import Base, utcnow


class Plan(Base):
    """考核方案: who is assessed (subject type), how often, on which indicators with which weights."""

    __tablename__ = "assessment_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    subject_type: Mapped[str] = mapped_column(String(16))
    period_kind: Mapped[str] = mapped_column(String(16))
    weights: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)  # indicator code → %
    min_sample: Mapped[int] = mapped_column(Integer, default=10)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    config: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # e.g. contractor fee rules
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Run(Base):
    """One generation of a plan for one period; regenerating replaces its results."""

    __tablename__ = "assessment_run"
    __table_args__ = (UniqueConstraint("plan_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("assessment_plan.id", ondelete="CASCADE"), index=True)
    period: Mapped[str] = mapped_column(String(8))  # 2026-03 | 2026-Q1 | 2026
    trigger: Mapped[str] = mapped_column(String(16))
    generated_at: Mapped[datetime] = mapped_column(default=utcnow)
    generated_by: Mapped[str] = mapped_column(String(100), default="")
    subjects: Mapped[int] = mapped_column(Integer, default=0)
    empty: Mapped[bool] = mapped_column(Boolean, default=False)
    weights: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)  # as used for this run
    seconds: Mapped[float] = mapped_column(Float, default=0.0)


class Result(Base):
    """One subject's indicator values, score, rank and change against the previous period."""

    __tablename__ = "assessment_result"
    __table_args__ = (UniqueConstraint("run_id", "subject_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("assessment_run.id", ondelete="CASCADE"), index=True)
    subject_key: Mapped[str] = mapped_column(String(64))
    subject_name: Mapped[str] = mapped_column(String(200), default="")
    values: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # code → {num, den, value, score}
    sample: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(24))
    raw_score: Mapped[float | None] = mapped_column(Float)
    adjustment: Mapped[float] = mapped_column(Float, default=0.0)
    score: Mapped[float | None] = mapped_column(Float)
    rank: Mapped[int | None] = mapped_column(Integer)
    previous_score: Mapped[float | None] = mapped_column(Float)
    previous_rank: Mapped[int | None] = mapped_column(Integer)


class Adjustment(Base):
    """A manual adjustment of a subject's score in one period, with its reason (audited)."""

    __tablename__ = "assessment_adjustment"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("assessment_plan.id", ondelete="CASCADE"), index=True)
    period: Mapped[str] = mapped_column(String(8))
    subject_key: Mapped[str] = mapped_column(String(64))
    points: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text)
    by_user_id: Mapped[int | None] = mapped_column(Integer)
    by_name: Mapped[str] = mapped_column(String(100), default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)


class PatrolDay(Base):
    """Input: a grid worker's patrol in one grid on one day (track length, time, check-ins).

    Filled by whatever records patrols (the workers' app, an import) through
    ``service.record_patrol_day``; read by the patrol-coverage indicators."""

    __tablename__ = "assessment_patrol_day"
    __table_args__ = (UniqueConstraint("user_id", "grid_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, index=True)
    grid_id: Mapped[int] = mapped_column(Integer)
    day: Mapped[date] = mapped_column(Date, index=True)
    duration_s: Mapped[float] = mapped_column(Float, default=0.0)
    distance_m: Mapped[float] = mapped_column(Float, default=0.0)
    checkins: Mapped[int] = mapped_column(Integer, default=0)


class ContractorMonth(Base):
    """Input: a maintenance contractor's month (device availability, work-order timeliness, fee).

    The ``ops`` domain fills it through ``service.put_contractor_month``; the contractor
    indicators and the fee-deduction table read it (through ``contractor.ContractorFeed``)."""

    __tablename__ = "assessment_contractor_month"
    __table_args__ = (UniqueConstraint("contractor_code", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contractor_code: Mapped[str] = mapped_column(String(64))
    contractor_name: Mapped[str] = mapped_column(String(200), default="")
    month: Mapped[date] = mapped_column(Date)  # the first day of the month
    devices: Mapped[int] = mapped_column(Integer, default=0)
    device_hours: Mapped[float] = mapped_column(Float, default=0.0)
    online_hours: Mapped[float] = mapped_column(Float, default=0.0)
    orders_due: Mapped[int] = mapped_column(Integer, default=0)
    orders_on_time: Mapped[int] = mapped_column(Integer, default=0)
    monthly_fee: Mapped[float] = mapped_column(Float, default=0.0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Scorecard(Base):
    """项目绩效评价: a 100-point table of categories and indicators for one funded project."""

    __tablename__ = "assessment_scorecard"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    project: Mapped[str] = mapped_column(String(200), default="")
    period: Mapped[str] = mapped_column(String(8))
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
