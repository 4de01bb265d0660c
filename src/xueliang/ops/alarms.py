"""Alarm rules → alarms: offline longer than N minutes, a quality fault on the latest diagnosis,
storage nearly full, an unacknowledged admission violation (``camera_alarm``). An alarm is raised
once per cause (``key``), can be acknowledged, and clears itself when its cause goes away."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xueliang.camera.models import Alarm as AdmissionAlarm
from xueliang.camera.models import Channel
from xueliang.core.exceptions import ConflictError
from xueliang.incident.notify import Notice, Notifiers
from xueliang.ops.enums import AlarmKind, AlarmState
from xueliang.ops.models import Alarm, Diagnosis, Health

OPEN_STATES = (AlarmState.active.value, AlarmState.acknowledged.value)


@dataclass(frozen=True)
class Cause:
    kind: AlarmKind
    channel_pk: int | None
    message: str


@dataclass(frozen=True)
class Rules:
    offline_minutes: float
    storage_percent: float
    data_dir: Path


def _offline(db: Session, now: datetime, minutes: float) -> dict[str, Cause]:
    since = now - timedelta(minutes=minutes)
    rows = db.execute(
        select(Health.channel_pk, Channel.channel_id, Health.detail)
        .join(Channel, Channel.id == Health.channel_pk)
        .where(Health.online.is_(False), Health.changed_at <= since)
    )
    return {f"offline:{pk}": Cause(AlarmKind.offline, pk, f"{cid} {detail}") for pk, cid, detail in rows}


def _quality(db: Session) -> dict[str, Cause]:
    latest = select(func.max(Diagnosis.id)).group_by(Diagnosis.channel_pk).scalar_subquery()
    rows = db.execute(
        select(Diagnosis.channel_pk, Channel.channel_id, Diagnosis.faults)
        .join(Channel, Channel.id == Diagnosis.channel_pk)
        .where(Diagnosis.id.in_(latest), Diagnosis.ok.is_(False))
    )
    return {f"quality:{pk}": Cause(AlarmKind.quality, pk, f"{cid}: {faults}") for pk, cid, faults in rows}


def _storage(rules: Rules) -> dict[str, Cause]:
    usage = shutil.disk_usage(rules.data_dir if rules.data_dir.exists() else Path("."))
    percent = 100.0 * usage.used / max(usage.total, 1)
    if percent < rules.storage_percent:
        return {}
    return {"storage:data": Cause(AlarmKind.storage, None, f"data directory disk {percent:.1f} % used")}


def _admission(db: Session) -> dict[str, Cause]:
    rows = db.execute(
        select(AdmissionAlarm.id, AdmissionAlarm.kind, AdmissionAlarm.device_id).where(
            AdmissionAlarm.acknowledged_at.is_(None)
        )
    )
    return {f"admission:{i}": Cause(AlarmKind.admission, None, f"{dev}: {kind}") for i, kind, dev in rows}


def causes(*, db: Session, rules: Rules, now: datetime) -> dict[str, Cause]:
    return {
        **_offline(db, now, rules.offline_minutes),
        **_quality(db),
        **_storage(rules),
        **_admission(db),
    }


def evaluate(*, db: Session, rules: Rules, now: datetime, notifiers: Notifiers) -> tuple[list[Alarm], int]:
    """Raise alarms for new causes, clear those whose cause is gone. Returns (raised, cleared count)."""
    wanted = causes(db=db, rules=rules, now=now)
    open_alarms = {a.key: a for a in db.scalars(select(Alarm).where(Alarm.state.in_(OPEN_STATES)))}
    raised = [
        Alarm(key=key, kind=c.kind.value, channel_pk=c.channel_pk, message=c.message[:400], raised_at=now)
        for key, c in wanted.items()
        if key not in open_alarms
    ]
    db.add_all(raised)
    cleared = [a for key, a in open_alarms.items() if key not in wanted]
    for alarm in cleared:
        alarm.state, alarm.cleared_at = AlarmState.cleared.value, now
    db.flush()
    notify(db=db, notifiers=notifiers, alarms=raised)
    return raised, len(cleared)


def notify(*, db: Session, notifiers: Notifiers, alarms: Sequence[Alarm]) -> None:
    """Through the incident notifiers (webhook, sms); ``incident_id`` 0 marks an ops notice."""
    notices = [Notice(0, "ops_alarm", f"[ops alarm {a.id}] {a.kind}: {a.message}") for a in alarms]
    if notices:
        notifiers.send(db, notices)


def acknowledge(*, db: Session, alarm: Alarm, by: str, now: datetime) -> Alarm:
    if alarm.state != AlarmState.active:
        raise ConflictError(f"alarm {alarm.id} is {alarm.state}, not active")
    alarm.state, alarm.acknowledged_at, alarm.acknowledged_by = AlarmState.acknowledged.value, now, by
    return alarm
