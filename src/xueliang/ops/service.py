"""Ops queries and commands for the API (keyword-only, no HTTP)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TypeVar

from sqlalchemy import ColumnElement, Select, delete, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from xueliang.api.schemas import Page
from xueliang.auth.models import OrgUnit
from xueliang.auth.principal import Principal
from xueliang.camera import access
from xueliang.camera.models import Channel
from xueliang.core.exceptions import InvalidInputError, NotFoundError
from xueliang.ops import quality
from xueliang.ops.health import uptime
from xueliang.ops.models import (
    Alarm,
    Contract,
    Diagnosis,
    Health,
    OnlineDaily,
    StateChange,
    Threshold,
    WorkOrder,
)
from xueliang.ops.schemas import (
    AlarmRead,
    CameraHealthCollection,
    CameraHealthFeature,
    CameraHealthProperties,
    CameraPoint,
    DiagnosisRead,
    HealthRead,
    OnlineRateRead,
    StateChangeRead,
    UptimeRead,
    WorkOrderRead,
)

T = TypeVar("T")
THUMB = "/api/v1/ops/diagnoses/{id}/thumbnail"


def _visible_channel_ids(db: Session, principal: Principal) -> Select[int]:
    return select(Channel.id).where(access.visible_condition(db=db, principal=principal))


def _visible(
    db: Session, principal: Principal, column: InstrumentedAttribute[int | None]
) -> ColumnElement[bool]:
    """Rows of cameras the caller may see (``camera.access``); rows of no camera (e.g. a storage
    alarm) concern the whole platform and are visible to every ops reader."""
    return or_(column.is_(None), column.in_(_visible_channel_ids(db, principal)))


def require_channel_visible(*, db: Session, principal: Principal, channel_pk: int) -> None:
    if db.scalar(_visible_channel_ids(db, principal).where(Channel.id == channel_pk)) is None:
        raise NotFoundError("camera not found")


def list_health(
    *, db: Session, principal: Principal, online: bool | None, offset: int, limit: int
) -> Page[HealthRead]:
    query = select(Health, Channel).join(Channel, Channel.id == Health.channel_pk)
    query = query.where(access.visible_condition(db=db, principal=principal))
    if online is not None:
        query = query.where(Health.online.is_(online))
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.execute(query.order_by(Health.online, Channel.channel_id).offset(offset).limit(limit))
    items = [
        HealthRead(channel_id=c.channel_id, name=c.name, region_code=c.region_code, **_health(h))
        for h, c in rows
    ]
    return Page(total=total, offset=offset, limit=limit, items=items)


def _health(h: Health) -> dict[str, object]:
    keys = ("online", "source", "detail", "latency_ms", "checked_at", "changed_at")
    return {k: getattr(h, k) for k in keys}


def channel_uptime(*, db: Session, channel: Channel, days: int, now: datetime) -> UptimeRead:
    start = now - timedelta(days=days)
    changes = db.scalars(
        select(StateChange)
        .where(StateChange.channel_pk == channel.id, StateChange.at >= start)
        .order_by(StateChange.at.desc())
        .limit(500)
    )
    return UptimeRead(
        channel_id=channel.channel_id,
        start=start,
        end=now,
        uptime=uptime(db=db, channel_pk=channel.id, start=start, end=now),
        changes=[StateChangeRead.model_validate(c) for c in changes],
    )


def online_rates(*, db: Session, dimension: str, first: date, last: date) -> list[OnlineRateRead]:
    if last < first or (last - first).days > 366:
        raise InvalidInputError("day range must be ordered and at most a year", field="day_to")
    rows = db.scalars(
        select(OnlineDaily)
        .where(OnlineDaily.dimension == dimension, OnlineDaily.day >= first, OnlineDaily.day <= last)
        .order_by(OnlineDaily.day, OnlineDaily.key)
    )
    return [
        OnlineRateRead(
            day=r.day,
            dimension=r.dimension,
            key=r.key,
            total=r.total,
            online=r.online,
            rate=r.online / r.total if r.total else None,
        )
        for r in rows
    ]


def list_diagnoses(
    *, db: Session, principal: Principal, faulty: bool | None, offset: int, limit: int
) -> Page[DiagnosisRead]:
    query = select(Diagnosis, Channel.channel_id).join(Channel, Channel.id == Diagnosis.channel_pk)
    query = query.where(access.visible_condition(db=db, principal=principal))
    if faulty is not None:
        query = query.where(Diagnosis.ok.is_(not faulty))
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.execute(query.order_by(Diagnosis.id.desc()).offset(offset).limit(limit))
    return Page(total=total, offset=offset, limit=limit, items=[_diagnosis(d, cid) for d, cid in rows])


def _diagnosis(d: Diagnosis, channel_id: str) -> DiagnosisRead:
    return DiagnosisRead(
        id=d.id,
        channel_id=channel_id,
        at=d.at,
        ok=d.ok,
        faults=[f for f in d.faults.split(",") if f],
        measures=d.measures,
        thumbnail_url=THUMB.format(id=d.id) if d.snapshot_sha else None,
    )


def get_diagnosis_or_raise(*, db: Session, diagnosis_id: int) -> Diagnosis:
    row = db.get(Diagnosis, diagnosis_id)
    if row is None:
        raise NotFoundError(f"diagnosis {diagnosis_id} not found")
    return row


def set_thresholds(*, db: Session, channel: Channel, overrides: dict[str, float]) -> dict[str, float]:
    names = set(quality.thresholds_dict(quality.Thresholds()))
    unknown = sorted(set(overrides) - names)
    if unknown:
        raise InvalidInputError(f"unknown thresholds: {', '.join(unknown)}", field="overrides")
    row = db.get(Threshold, channel.id) or Threshold(channel_pk=channel.id)
    row.overrides = dict(overrides)
    db.add(row)
    db.flush()
    return quality.thresholds_dict(quality.Thresholds.with_overrides(overrides))


def list_alarms(
    *, db: Session, principal: Principal, state: str | None, offset: int, limit: int
) -> Page[AlarmRead]:
    query = select(Alarm).where(_visible(db, principal, Alarm.channel_pk))
    if state is not None:
        query = query.where(Alarm.state == state)
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.scalars(query.order_by(Alarm.id.desc()).offset(offset).limit(limit))
    return Page(total=total, offset=offset, limit=limit, items=[AlarmRead.model_validate(a) for a in rows])


def get_or_raise(db: Session, model: type[T], pk: int, what: str) -> T:
    row = db.get(model, pk)
    if row is None:
        raise NotFoundError(f"{what} {pk} not found")
    return row


def list_orders(
    *, db: Session, principal: Principal, state: str | None, offset: int, limit: int
) -> Page[WorkOrderRead]:
    query = select(WorkOrder).where(_visible(db, principal, WorkOrder.channel_pk))
    if state is not None:
        query = query.where(WorkOrder.state == state)
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.scalars(query.order_by(WorkOrder.id.desc()).offset(offset).limit(limit))
    return Page(
        total=total, offset=offset, limit=limit, items=[WorkOrderRead.model_validate(o) for o in rows]
    )


def replace_contracts(*, db: Session, contracts: list[tuple[int, str]]) -> int:
    for org_unit_id, _ in contracts:
        if db.get(OrgUnit, org_unit_id) is None:
            raise InvalidInputError(f"org unit {org_unit_id} not found", field="org_unit_id")
    db.execute(delete(Contract))
    db.add_all(Contract(org_unit_id=o, region_prefix=p) for o, p in set(contracts))
    db.flush()
    return len(set(contracts))


def camera_health_map(*, db: Session, principal: Principal, limit: int) -> CameraHealthCollection:
    """Located channels visible to the caller (``camera.access``) with their health state."""
    latest = select(func.max(Diagnosis.id)).group_by(Diagnosis.channel_pk)
    query = (
        select(Channel, Health, Diagnosis.ok)
        .outerjoin(Health, Health.channel_pk == Channel.id)
        .outerjoin(Diagnosis, (Diagnosis.channel_pk == Channel.id) & Diagnosis.id.in_(latest))
        .where(Channel.longitude.is_not(None), Channel.latitude.is_not(None))
        .where(access.visible_condition(db=db, principal=principal))
        .order_by(Channel.id)
        .limit(limit)
    )
    features = [_camera_feature(c, h, ok) for c, h, ok in db.execute(query)]
    return CameraHealthCollection(features=features)


def _camera_feature(channel: Channel, row: Health | None, diagnosis_ok: bool | None) -> CameraHealthFeature:
    if row is None:
        state, detail = "unknown", ""
    elif not row.online:
        state, detail = "offline", row.detail
    else:
        state, detail = ("faulty" if diagnosis_ok is False else "online"), row.detail
    props = CameraHealthProperties(
        channel_id=channel.channel_id, name=channel.name, state=state, detail=detail
    )
    point = CameraPoint(coordinates=[channel.longitude or 0.0, channel.latitude or 0.0])
    return CameraHealthFeature(id=channel.id, geometry=point, properties=props)
