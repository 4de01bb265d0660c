"""Incident tables: categories, routing and time-limit rules, calendar days, incidents with one
due/actual/on-time triple per stage, the append-only timeline, approvals, supervision, call-backs
and in-app notifications."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from xueliang.core.db import Base, utcnow


class Category(Base):
    """事件类别 = Open311 service. ``kind`` selects default time limits; ``attributes`` are the
    Open311 attribute definitions (service definition)."""

    __tablename__ = "incident_category"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    group_name: Mapped[str] = mapped_column(String(200), default="")  # 大类
    kind: Mapped[str] = mapped_column(String(32), default="city_management")
    description: Mapped[str] = mapped_column(Text, default="")
    keywords: Mapped[str] = mapped_column(String(400), default="")
    department_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id", ondelete="SET NULL"))
    attributes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    public: Mapped[bool] = mapped_column(Boolean, default=True)  # offered through Open311


class RoutingRule(Base):
    """Category (and optionally a region-code prefix) → handling department."""

    __tablename__ = "incident_routing_rule"
    __table_args__ = (UniqueConstraint("category_code", "region_prefix"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category_code: Mapped[str] = mapped_column(ForeignKey("incident_category.code", ondelete="CASCADE"))
    region_prefix: Mapped[str] = mapped_column(String(12), default="")
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id", ondelete="CASCADE"))


class TimeLimitRule(Base):
    __tablename__ = "incident_time_limit"
    __table_args__ = (UniqueConstraint("category", "urgency", "stage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[str] = mapped_column(String(80))  # code | kind:<kind> | *
    urgency: Mapped[str] = mapped_column(String(16))  # urgency | *
    stage: Mapped[str] = mapped_column(String(16))
    amount: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(16))


class CalendarDay(Base):
    """A holiday or an adjusted working day (调休上班); overrides the shipped calendar data."""

    __tablename__ = "incident_calendar_day"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    is_workday: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str] = mapped_column(String(100), default="")


class Incident(Base):
    __tablename__ = "incident"
    __table_args__ = (
        UniqueConstraint("source", "external_no"),
        Index("ix_incident_next_alert_at", "next_alert_at"),
        Index("ix_incident_dupe", "category_code", "lon"),
        Index("ix_incident_department_state", "department_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(16))
    external_no: Mapped[str | None] = mapped_column(String(64))  # 12345 工单编号
    category_code: Mapped[str] = mapped_column(ForeignKey("incident_category.code", ondelete="RESTRICT"))
    urgency: Mapped[str] = mapped_column(String(16), default="normal")
    state: Mapped[str] = mapped_column(String(16), index=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    address: Mapped[str] = mapped_column(String(500), default="")
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    grid_id: Mapped[int | None] = mapped_column(Integer, index=True)
    grid_code: Mapped[str | None] = mapped_column(String(32), index=True)
    community_code: Mapped[str | None] = mapped_column(String(12))
    town_code: Mapped[str | None] = mapped_column(String(12))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id", ondelete="SET NULL"))
    reporter_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    reporter_name_enc: Mapped[str | None] = mapped_column(Text)
    reporter_name_masked: Mapped[str | None] = mapped_column(String(100))
    reporter_phone_enc: Mapped[str | None] = mapped_column(Text)
    reporter_phone_masked: Mapped[str | None] = mapped_column(String(32))
    master_id: Mapped[int | None] = mapped_column(ForeignKey("incident.id", ondelete="SET NULL"))
    photos: Mapped[list[str]] = mapped_column(JSON, default=list)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    self_handled: Mapped[bool] = mapped_column(Boolean, default=False)
    satisfaction: Mapped[str | None] = mapped_column(String(24))
    rework_count: Mapped[int] = mapped_column(Integer, default=0)
    returned_count: Mapped[int] = mapped_column(Integer, default=0)
    extension_count: Mapped[int] = mapped_column(Integer, default=0)
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    supervision_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    reported_at: Mapped[datetime | None] = mapped_column(index=True)
    first_dispatched_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    # One (due, actual, on_time) triple per stage, written at the transition that ends the stage.
    accept_due: Mapped[datetime | None]
    accept_at: Mapped[datetime | None]
    accept_on_time: Mapped[bool | None]
    dispatch_due: Mapped[datetime | None]
    dispatch_at: Mapped[datetime | None]
    dispatch_on_time: Mapped[bool | None]
    sign_due: Mapped[datetime | None]
    sign_at: Mapped[datetime | None]
    sign_on_time: Mapped[bool | None]
    handle_due: Mapped[datetime | None]
    handle_at: Mapped[datetime | None]
    handle_on_time: Mapped[bool | None]
    handle_unit: Mapped[str | None] = mapped_column(String(16))
    verify_due: Mapped[datetime | None]
    verify_at: Mapped[datetime | None]
    verify_on_time: Mapped[bool | None]
    callback_due: Mapped[datetime | None]
    callback_at: Mapped[datetime | None]
    callback_on_time: Mapped[bool | None]
    # The running clock the sweep watches (the earliest due among running stages), precomputed
    # at each transition so that the sweep needs no calendar: warn at 80 %, overdue at 100 %,
    # escalate N working days after due. ``next_alert_at`` is the next of these still to come.
    clock_stage: Mapped[str | None] = mapped_column(String(16))
    clock_warn_at: Mapped[datetime | None]
    clock_due_at: Mapped[datetime | None]
    clock_escalate_at: Mapped[datetime | None]
    alert_level: Mapped[int] = mapped_column(Integer, default=0)
    next_alert_at: Mapped[datetime | None]
    suspended_at: Mapped[datetime | None]
    paused_remaining_s: Mapped[float | None] = mapped_column(Float)
    suspended_seconds: Mapped[float] = mapped_column(Float, default=0.0)


class IncidentEvent(Base):
    """The append-only timeline (database triggers refuse UPDATE and DELETE)."""

    __tablename__ = "incident_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id", ondelete="RESTRICT"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_name: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str | None] = mapped_column(String(16))
    opinion: Mapped[str] = mapped_column(Text, default="")
    attachments: Mapped[list[str]] = mapped_column(JSON, default=list)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    public: Mapped[bool] = mapped_column(Boolean, default=True)  # may appear as an Open311 note


class Approval(Base):
    """延期 / 退单 / 挂起 / 恢复 / 作废 / 重办: a request with its reason and its decision."""

    __tablename__ = "incident_approval"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    reason: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    requested_by: Mapped[int | None] = mapped_column(Integer)
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by: Mapped[int | None] = mapped_column(Integer)
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str] = mapped_column(Text, default="")


class Supervision(Base):
    """督办: by the centre (manual) or by the sweep (automatic, overdue + N working days)."""

    __tablename__ = "incident_supervision"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    by_user_id: Mapped[int | None] = mapped_column(Integer)
    automatic: Mapped[bool] = mapped_column(Boolean, default=False)
    stage: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")


class Callback(Base):
    """回访 with the caller's satisfaction."""

    __tablename__ = "incident_callback"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    by_user_id: Mapped[int | None] = mapped_column(Integer)
    satisfaction: Mapped[str] = mapped_column(String(24))
    note: Mapped[str] = mapped_column(Text, default="")


class Notification(Base):
    """In-app notification for a department (org unit) or a user."""

    __tablename__ = "incident_notification"
    __table_args__ = (Index("ix_incident_notification_org_unit", "org_unit_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # dispatch | warning | reminder | escalation
    org_unit_id: Mapped[int | None] = mapped_column(Integer)
    user_id: Mapped[int | None] = mapped_column(Integer, index=True)
    message: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
