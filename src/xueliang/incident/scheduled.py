"""The time-limit sweep: one set-based UPDATE … RETURNING over the indexed ``next_alert_at``
column raises each incident whose next threshold has passed to its new alert level (warning at
80 %, overdue at 100 % → 催办 reminder, escalated N working days later → automatic 督办), then bulk
inserts timeline events, supervision rows and notifications for exactly those incidents.

Thresholds are precomputed on the incident at each transition (with the work calendar), so the
sweep needs no calendar and never touches an incident whose next threshold lies ahead.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any, cast

from sqlalchemy import Table, case, insert, update
from sqlalchemy.orm import Session, sessionmaker

from xueliang.core.config import Settings
from xueliang.core.db import session_scope, utcnow
from xueliang.core.scheduler import Scheduler
from xueliang.incident.enums import AlertLevel, SystemAction
from xueliang.incident.models import Incident, IncidentEvent, Supervision
from xueliang.incident.notify import Notice, Notifiers, make_notifiers

logger = logging.getLogger(__name__)
I = Incident  # noqa: E741 - short alias for the SQL expressions below
LEVEL_ACTION = {
    AlertLevel.warning: (SystemAction.warning, "warning", "incident {id}: 80 % of the {stage} limit used"),
    AlertLevel.overdue: (SystemAction.overdue, "reminder", "incident {id}: {stage} is overdue (催办)"),
    AlertLevel.escalated: (SystemAction.escalate, "escalation", "incident {id}: {stage} escalated (督办)"),
}


@dataclass(frozen=True)
class SweepResult:
    warnings: int = 0
    overdue: int = 0
    escalated: int = 0

    def __str__(self) -> str:
        return f"{self.warnings} warnings, {self.overdue} overdue, {self.escalated} escalated"


def sweep(*, db: Session, notifiers: Notifiers, now: datetime | None = None) -> SweepResult:
    now = now or utcnow()
    level = case(
        (I.clock_escalate_at <= now, AlertLevel.escalated),
        (I.clock_due_at <= now, AlertLevel.overdue),
        else_=AlertLevel.warning,
    )
    next_at = case(
        (I.clock_escalate_at <= now, None),
        (I.clock_due_at <= now, I.clock_escalate_at),
        else_=I.clock_due_at,
    )
    statement = (
        update(I)
        .where(I.next_alert_at <= now)
        .values(alert_level=level, next_alert_at=next_at)
        .returning(I.id, I.alert_level, I.clock_stage, I.department_id, I.reporter_user_id)
        .execution_options(synchronize_session=False)
    )
    rows = db.execute(statement).all()
    if not rows:
        return SweepResult()
    _record(db, notifiers, rows, now)
    counts = {lv: sum(1 for r in rows if r.alert_level == lv) for lv in LEVEL_ACTION}
    return SweepResult(counts[AlertLevel.warning], counts[AlertLevel.overdue], counts[AlertLevel.escalated])


def _record(db: Session, notifiers: Notifiers, rows: Sequence[Any], now: datetime) -> None:
    events, supervisions, notices = [], [], []
    for r in rows:
        action, kind, text = LEVEL_ACTION[r.alert_level]
        message = text.format(id=r.id, stage=r.clock_stage)
        events.append(
            {
                "incident_id": r.id,
                "at": now,
                "actor_name": "system",
                "action": action,
                "opinion": message,
                "attachments": [],
                "data": {"stage": r.clock_stage},
                "public": False,
            }
        )
        notices.append(Notice(r.id, kind, message, r.department_id, r.reporter_user_id))
        if r.alert_level == AlertLevel.escalated:
            supervisions.append(
                {"incident_id": r.id, "at": now, "automatic": True, "stage": r.clock_stage, "note": message}
            )
    db.execute(insert(cast(Table, IncidentEvent.__table__)), events)
    if supervisions:
        db.execute(insert(cast(Table, Supervision.__table__)), supervisions)
        ids = [s["incident_id"] for s in supervisions]
        db.execute(
            update(I)
            .where(I.id.in_(ids))
            .values(supervision_count=I.supervision_count + 1)
            .execution_options(synchronize_session=False)
        )
    notifiers.send(db, notices)


def run_sweep(factory: sessionmaker[Session], settings: Settings) -> str:
    with session_scope(factory) as db:
        result = sweep(db=db, notifiers=make_notifiers(settings))
    if result.overdue or result.escalated:
        logger.info("incident sweep: %s", result)
    return str(result)


def register(scheduler: Scheduler, *, factory: sessionmaker[Session], settings: Settings) -> None:
    scheduler.register(
        "incident.sweep",
        partial(run_sweep, factory, settings),
        every=timedelta(seconds=settings.incident_sweep_seconds),
    )
