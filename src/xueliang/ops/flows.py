"""Ops commands from the API: each checks, acts and writes its audit entry in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from xueliang.audit import service as audit
from xueliang.auth.principal import Principal
from xueliang.camera import service as cameras
from xueliang.camera.models import Channel
from xueliang.core.blobs import BlobStore
from xueliang.core.config import Settings
from xueliang.core.db import utcnow
from xueliang.core.exceptions import NotFoundError
from xueliang.incident.service import load_calendar
from xueliang.ops import alarms, assessment, orders, service
from xueliang.ops.diagnosis import Snapshotter
from xueliang.ops.models import Alarm, Diagnosis, WorkOrder
from xueliang.ops.schemas import ContractorMonthRead, WorkOrderInput


@dataclass(frozen=True)
class CloseContext:
    key: str
    snapshotter: Snapshotter
    blobs: BlobStore


def _audit(
    db: Session, principal: Principal, action: str, object_type: str, object_id: int | str, **request: object
) -> None:
    audit.record(
        db=db, actor=principal, action=action, object_type=object_type, object_id=object_id, request=request
    )


def thumbnail(*, db: Session, principal: Principal, blobs: BlobStore, diagnosis_id: int) -> bytes:
    row = service.get_or_raise(db, Diagnosis, diagnosis_id, "diagnosis")
    service.require_channel_visible(db=db, principal=principal, channel_pk=row.channel_pk)
    if row.snapshot_sha is None:
        raise NotFoundError(f"diagnosis {diagnosis_id} has no snapshot")
    return blobs.thumbnail(row.snapshot_sha)


def set_thresholds(
    *, db: Session, principal: Principal, channel: Channel, overrides: dict[str, float]
) -> dict[str, float]:
    result = service.set_thresholds(db=db, channel=channel, overrides=overrides)
    _audit(db, principal, "ops.thresholds", "camera", channel.channel_id, overrides=overrides)
    return result


def acknowledge(*, db: Session, principal: Principal, alarm_id: int) -> Alarm:
    alarm = service.get_or_raise(db, Alarm, alarm_id, "alarm")
    alarms.acknowledge(db=db, alarm=alarm, by=principal.username, now=utcnow())
    _audit(db, principal, "ops.alarm.acknowledge", "ops_alarm", alarm_id)
    return alarm


def create_order(*, db: Session, settings: Settings, principal: Principal, data: WorkOrderInput) -> WorkOrder:
    channel = cameras.get_channel_or_raise(db=db, channel_id=data.channel_id) if data.channel_id else None
    limits = orders.Limits(
        load_calendar(db=db, settings=settings), settings.ops_response_hours, settings.ops_repair_hours
    )
    order = orders.open_order(
        db=db,
        limits=limits,
        title=data.title,
        now=utcnow(),
        channel=channel,
        contractor_id=data.contractor_id,
        note=data.note,
        by=principal.username,
    )
    _audit(db, principal, "ops.work_order.create", "ops_work_order", order.id, title=data.title)
    return order


def respond(*, db: Session, principal: Principal, order_id: int) -> WorkOrder:
    order = orders.respond(order=service.get_or_raise(db, WorkOrder, order_id, "work order"), now=utcnow())
    _audit(db, principal, "ops.work_order.respond", "ops_work_order", order_id)
    return order


def close(*, db: Session, principal: Principal, order_id: int, ctx: CloseContext, note: str) -> WorkOrder:
    order = service.get_or_raise(db, WorkOrder, order_id, "work order")
    orders.close(
        db=db, order=order, key=ctx.key, snapshotter=ctx.snapshotter, blobs=ctx.blobs, now=utcnow(), note=note
    )
    _audit(db, principal, "ops.work_order.close", "ops_work_order", order_id, evidence=order.evidence_id)
    return order


def set_contracts(*, db: Session, principal: Principal, contracts: list[tuple[int, str]]) -> int:
    n = service.replace_contracts(db=db, contracts=contracts)
    _audit(db, principal, "ops.contracts", "ops_contract", "all", count=n)
    return n


def contractor_month(*, db: Session, settings: Settings, month: str) -> list[ContractorMonthRead]:
    """Stored figures when the month has been closed by the monthly job, else computed now."""
    stored = assessment.stored_month(db=db, month=month)
    if stored:
        return [ContractorMonthRead.model_validate(r) for r in stored]
    figures = assessment.month_figures(db=db, month=month, tz=ZoneInfo(settings.timezone), now=utcnow())
    return [ContractorMonthRead.model_validate(f, from_attributes=True) for f in figures]
