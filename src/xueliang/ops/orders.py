"""Maintenance work orders (维修工单): opened from alarms or by hand, assigned to the contractor of the
camera's region, with response and repair limits in working hours of the incident work calendar.
Closing needs evidence: a fresh snapshot of the camera that passes diagnosis."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from xueliang.camera import service as cameras
from xueliang.camera.models import Channel
from xueliang.core.blobs import BlobStore
from xueliang.core.exceptions import ConflictError
from xueliang.incident.calendar import WorkCalendar
from xueliang.incident.enums import TimeUnit
from xueliang.ops import diagnosis
from xueliang.ops.enums import AlarmKind, OrderState
from xueliang.ops.models import Alarm, Contract, Diagnosis, WorkOrder

AUTO_KINDS = (AlarmKind.offline.value, AlarmKind.quality.value)


@dataclass(frozen=True)
class Limits:
    calendar: WorkCalendar
    response_hours: float
    repair_hours: float


def contractor_for(*, db: Session, region_code: str | None) -> int | None:
    """The contractor whose contract prefix is the longest match of the region code."""
    best: tuple[int, int] | None = None
    for org_unit_id, prefix in db.execute(select(Contract.org_unit_id, Contract.region_prefix)):
        if (region_code or "").startswith(prefix) and (best is None or len(prefix) > best[0]):
            best = (len(prefix), org_unit_id)
    return best[1] if best else None


def open_order(
    *,
    db: Session,
    limits: Limits,
    title: str,
    now: datetime,
    channel: Channel | None = None,
    alarm: Alarm | None = None,
    contractor_id: int | None = None,
    note: str = "",
    by: str = "system",
) -> WorkOrder:
    if contractor_id is None and channel is not None:
        contractor_id = contractor_for(db=db, region_code=channel.region_code)
    order = WorkOrder(
        alarm_id=alarm.id if alarm else None,
        channel_pk=channel.id if channel else None,
        contractor_id=contractor_id,
        title=title[:200],
        note=note[:1000],
        state=OrderState.open.value,
        created_by=by,
        created_at=now,
        response_due=limits.calendar.add(now, limits.response_hours, TimeUnit.working_hours),
        repair_due=limits.calendar.add(now, limits.repair_hours, TimeUnit.working_hours),
    )
    db.add(order)
    db.flush()
    return order


def from_alarms(*, db: Session, limits: Limits, alarms: Sequence[Alarm], now: datetime) -> list[WorkOrder]:
    """One order per new offline or quality alarm of a channel."""
    orders = []
    for alarm in alarms:
        if alarm.kind in AUTO_KINDS and alarm.channel_pk is not None:
            channel = db.get(Channel, alarm.channel_pk)
            title = f"{alarm.kind}: {alarm.message}"
            orders.append(
                open_order(db=db, limits=limits, title=title, now=now, channel=channel, alarm=alarm)
            )
    return orders


def respond(*, order: WorkOrder, now: datetime) -> WorkOrder:
    if order.state != OrderState.open:
        raise ConflictError(f"work order {order.id} is {order.state}, not open")
    order.state, order.responded_at = OrderState.responded.value, now
    return order


def close(
    *,
    db: Session,
    order: WorkOrder,
    key: str,
    snapshotter: diagnosis.Snapshotter,
    blobs: BlobStore,
    now: datetime,
    note: str = "",
) -> WorkOrder:
    """Close with evidence: a fresh snapshot of the camera must pass diagnosis (else 409, and the
    failed evidence stays on record). Orders without a camera (storage) close on the note alone."""
    if order.state not in (OrderState.open, OrderState.responded):
        raise ConflictError(f"work order {order.id} is {order.state}")
    if order.channel_pk is not None:
        evidence = _evidence(db, order.channel_pk, key, snapshotter, blobs, now)
        if not evidence.ok:
            raise ConflictError(
                f"evidence snapshot fails diagnosis: {evidence.faults}", evidence_id=evidence.id
            )
        order.evidence_id = evidence.id
    order.responded_at = order.responded_at or now
    order.state, order.closed_at = OrderState.closed.value, now
    order.note = (order.note + ("\n" if order.note and note else "") + note)[:1000]
    return order


def _evidence(
    db: Session,
    channel_pk: int,
    key: str,
    snapshotter: diagnosis.Snapshotter,
    blobs: BlobStore,
    now: datetime,
) -> Diagnosis:
    channel = db.get(Channel, channel_pk)
    url = channel and (
        cameras.stream_url(channel=channel, key=key, which="sub")
        or cameras.stream_url(channel=channel, key=key, which="main")
    )
    shot = diagnosis.take(snapshotter, channel_pk, url) if url else diagnosis.Shot(channel_pk, None, "no URL")
    return diagnosis.record(db=db, blobs=blobs, shot=shot, now=now)
