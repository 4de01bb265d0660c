"""Stage timers on an incident: start a stage (due from the rules and the calendar), end it (actual
time and on-time flag, written at the transition), and the one running clock the sweep watches."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from xueliang.incident.calendar import WorkCalendar
from xueliang.incident.enums import AlertLevel, Source, Stage, State, TimeUnit
from xueliang.incident.models import Incident
from xueliang.incident.timelimits import Limit, RuleKey, resolve

WARN_SHARE = 0.8


@dataclass(frozen=True)
class ClockContext:
    calendar: WorkCalendar
    rules: dict[RuleKey, Limit]
    category_kinds: dict[str, str]
    escalate_after_days: int = 5

    def limit(self, incident: Incident, stage: Stage) -> Limit:
        return resolve(
            self.rules,
            category_code=incident.category_code,
            category_kind=self.category_kinds.get(incident.category_code, ""),
            urgency=incident.urgency,
            stage=stage,
        )


def _set(incident: Incident, name: str, value: Any) -> None:
    setattr(incident, name, value)


def start_stage(incident: Incident, stage: Stage, at: datetime, ctx: ClockContext) -> None:
    limit = ctx.limit(incident, stage)
    _set(incident, f"{stage}_due", ctx.calendar.add(at, limit.amount, limit.unit))
    _set(incident, f"{stage}_at", None)
    _set(incident, f"{stage}_on_time", None)
    if stage is Stage.handle:
        incident.handle_unit = limit.unit


def end_stage(incident: Incident, stage: Stage, at: datetime) -> None:
    due: datetime | None = getattr(incident, f"{stage}_due")
    _set(incident, f"{stage}_at", at)
    _set(incident, f"{stage}_on_time", None if due is None else at <= due)


def clear_stage(incident: Incident, stage: Stage) -> None:
    _set(incident, f"{stage}_at", None)
    _set(incident, f"{stage}_on_time", None)


def running_stage(incident: Incident) -> Stage | None:
    state = State(incident.state)
    if state is State.reported:
        return Stage.accept
    if state is State.accepted:
        return Stage.dispatch if incident.dispatch_at is None else Stage.handle
    if state is State.dispatched:
        return Stage.sign if incident.sign_at is None else Stage.handle
    if state is State.in_progress:
        return Stage.handle
    if state is State.handled:
        return Stage.verify
    if state is State.callback:
        return Stage.callback
    return None


def stage_started_at(incident: Incident, stage: Stage) -> datetime | None:
    starts = {
        Stage.accept: incident.reported_at,
        Stage.dispatch: incident.accept_at,
        Stage.sign: incident.first_dispatched_at,
        Stage.handle: incident.first_dispatched_at,
        Stage.verify: incident.handle_at,
        Stage.callback: incident.handle_at,
    }
    return starts[stage]


def refresh_clock(incident: Incident, ctx: ClockContext) -> None:
    """Point the sweep's clock at the running stage; reset alerts when the stage or due changed."""
    stage = running_stage(incident)
    due = getattr(incident, f"{stage}_due") if stage else None
    start = stage_started_at(incident, stage) if stage else None
    if stage is None or due is None or start is None:
        incident.clock_stage = incident.clock_warn_at = incident.clock_due_at = None
        incident.clock_escalate_at = incident.next_alert_at = None
        incident.alert_level = AlertLevel.none
        return
    if incident.clock_stage == stage and incident.clock_due_at == due:
        return
    unit = TimeUnit(incident.handle_unit) if stage is Stage.handle and incident.handle_unit else None
    unit = unit or ctx.limit(incident, stage).unit
    incident.clock_stage = stage
    incident.clock_due_at = due
    incident.clock_warn_at = ctx.calendar.fraction(start, due, unit, WARN_SHARE)
    incident.clock_escalate_at = ctx.calendar.add(due, ctx.escalate_after_days, TimeUnit.working_days)
    incident.alert_level = AlertLevel.none
    incident.next_alert_at = incident.clock_warn_at


def needs_callback(incident: Incident) -> bool:
    return incident.source == Source.hotline
