"""One function per transition and one dispatcher (``run``), as Dispatch's ``case/flows.py``.

``run`` checks the rule of the action (permission, party, state → 409 with the allowed actions),
calls the flow, re-points the sweep's clock, and appends the timeline event, in the caller's
transaction. Stage due/actual/on-time values are written here, at the transition.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xueliang.auth.principal import Principal
from xueliang.core.db import utcnow
from xueliang.core.exceptions import ConflictError, InvalidInputError, NotFoundError
from xueliang.incident import routing, timers, workflow
from xueliang.incident.enums import (
    CLOSED_LIKE,
    Action,
    ApprovalKind,
    ApprovalStatus,
    Satisfaction,
    Stage,
    State,
    TimeUnit,
)
from xueliang.incident.models import Approval, Callback, Incident, IncidentEvent, Supervision
from xueliang.incident.notify import Notifiers
from xueliang.incident.schemas import ActionInput
from xueliang.incident.timers import ClockContext, end_stage, start_stage


@dataclass
class Step:
    db: Session
    incident: Incident
    principal: Principal
    data: ActionInput
    clock: ClockContext
    notifiers: Notifiers
    now: datetime
    event_data: dict[str, Any]

    @property
    def inc(self) -> Incident:
        return self.incident

    def to(self, state: State) -> None:
        self.incident.state = state


Flow = Callable[[Step], None]


def pending_approval(db: Session, incident_id: int, approval_id: int | None = None) -> Approval | None:
    query = select(Approval).where(Approval.incident_id == incident_id, Approval.status == "pending")
    if approval_id is not None:
        query = query.where(Approval.id == approval_id)
    return db.scalars(query.order_by(Approval.id)).first()


def _approval(s: Step, kind: ApprovalKind, status: ApprovalStatus, **data: Any) -> Approval:
    row = Approval(
        incident_id=s.inc.id,
        kind=kind,
        status=status,
        reason=s.data.opinion,
        data=data,
        requested_by=s.principal.user_id,
        requested_at=s.now,
    )
    if status is not ApprovalStatus.pending:
        row.decided_by, row.decided_at = s.principal.user_id, s.now
    s.db.add(row)
    s.db.flush()
    s.event_data["approval_id"] = row.id
    return row


# ---- intake and acceptance ---------------------------------------------------------------------
def submit(s: Step) -> None:
    s.inc.reported_at = s.now
    start_stage(s.inc, Stage.accept, s.now, s.clock)
    s.to(State.reported)


def accept(s: Step) -> None:
    end_stage(s.inc, Stage.accept, s.now)
    start_stage(s.inc, Stage.dispatch, s.now, s.clock)
    s.to(State.accepted)


def reject(s: Step) -> None:
    end_stage(s.inc, Stage.accept, s.now)
    s.inc.closed_at = s.now
    s.to(State.rejected)


def merge(s: Step) -> None:
    master = s.db.get(Incident, s.data.master_id) if s.data.master_id else None
    if master is None or master.id == s.inc.id or master.state in (State.merged, State.void):
        raise InvalidInputError("merge needs master_id of another live incident", field="master_id")
    s.inc.master_id = master.id
    s.inc.closed_at = s.now
    s.event_data["master_id"] = master.id
    s.to(State.merged)


def _handled(s: Step) -> None:
    s.inc.handle_at = s.now
    s.inc.handle_on_time = None if s.inc.handle_due is None else s.now <= s.inc.handle_due
    start_stage(s.inc, Stage.verify, s.now, s.clock)
    if timers.needs_callback(s.inc):
        start_stage(s.inc, Stage.callback, s.now, s.clock)
    s.to(State.handled)


def answer(s: Step) -> None:
    if s.inc.accept_at is None:
        end_stage(s.inc, Stage.accept, s.now)
    _handled(s)


def self_handle(s: Step) -> None:
    s.inc.self_handled = True
    s.inc.reported_at = s.inc.reported_at or s.now
    _handled(s)


# ---- dispatch and handling ---------------------------------------------------------------------
def dispatch(s: Step) -> None:
    department = s.data.department_id or routing.route(db=s.db, incident=s.inc)
    if department is None:
        raise InvalidInputError("no routing rule matches; give department_id", field="department_id")
    routing.require_department(db=s.db, org_unit_id=department)
    s.inc.department_id = department
    s.event_data["department_id"] = department
    if s.inc.first_dispatched_at is None:  # the sign and handle clocks start once, never reset
        end_stage(s.inc, Stage.dispatch, s.now)
        s.inc.first_dispatched_at = s.now
        start_stage(s.inc, Stage.sign, s.now, s.clock)
        start_stage(s.inc, Stage.handle, s.now, s.clock)
    s.to(State.dispatched)
    s.notifiers.emit(s.db, s.inc, "dispatch", f"incident {s.inc.id} dispatched to you")


def sign(s: Step) -> None:
    if s.inc.sign_at is None:
        end_stage(s.inc, Stage.sign, s.now)
    s.to(State.in_progress)


def reply(s: Step) -> None:
    _handled(s)


def recall(s: Step) -> None:
    s.to(State.accepted)


def request_return(s: Step) -> None:
    _request(s, ApprovalKind.return_)


def request_extension(s: Step) -> None:
    if s.data.amount is None or s.data.unit is None:
        raise InvalidInputError("an extension needs amount and unit", field="amount")
    _request(s, ApprovalKind.extension, amount=s.data.amount, unit=str(s.data.unit))


def request_suspend(s: Step) -> None:
    _request(s, ApprovalKind.suspend)


def _request(s: Step, kind: ApprovalKind, **data: Any) -> None:
    if pending_approval(s.db, s.inc.id) is not None:
        raise ConflictError("another request awaits a decision", allowed=[])
    _approval(s, kind, ApprovalStatus.pending, **data)


# ---- approvals -----------------------------------------------------------------------------------
def approve(s: Step) -> None:
    row = _decide(s, ApprovalStatus.approved)
    kind = ApprovalKind(row.kind)
    if kind is ApprovalKind.return_ and s.inc.state == State.dispatched:
        s.inc.returned_count += 1
        s.event_data["returned_by"] = s.inc.department_id
        s.inc.department_id = None
        s.to(State.accepted)
    elif kind is ApprovalKind.extension and s.inc.handle_due is not None:
        unit = TimeUnit(row.data["unit"])
        s.inc.handle_due = s.clock.calendar.add(s.inc.handle_due, float(row.data["amount"]), unit)
        s.inc.extension_count += 1
        s.event_data["handle_due"] = s.inc.handle_due.isoformat()
    elif kind is ApprovalKind.suspend and s.inc.state == State.in_progress:
        _suspend(s)
    else:
        raise ConflictError(f"a {kind} request cannot be approved while {s.inc.state}", allowed=["deny"])


def deny(s: Step) -> None:
    _decide(s, ApprovalStatus.denied)


def _decide(s: Step, status: ApprovalStatus) -> Approval:
    row = pending_approval(s.db, s.inc.id, s.data.approval_id)
    if row is None:
        raise NotFoundError("no such pending approval on this incident")
    row.status, row.decided_by, row.decided_at = status, s.principal.user_id, s.now
    row.decision_note = s.data.opinion
    s.event_data.update(approval_id=row.id, kind=row.kind)
    return row


def _suspend(s: Step) -> None:
    unit = TimeUnit(s.inc.handle_unit or TimeUnit.working_hours)
    due = s.inc.handle_due or s.now
    s.inc.paused_remaining_s = s.clock.calendar.measure(s.now, due, unit) if due > s.now else 0.0
    s.inc.suspended_at = s.now
    s.to(State.suspended)


def resume(s: Step) -> None:
    unit = TimeUnit(s.inc.handle_unit or TimeUnit.working_hours)
    s.inc.handle_due = s.clock.calendar.shift(s.now, s.inc.paused_remaining_s or 0.0, unit)
    if s.inc.suspended_at is not None:
        s.inc.suspended_seconds += (s.now - s.inc.suspended_at).total_seconds()
    s.inc.suspended_at, s.inc.paused_remaining_s = None, None
    _approval(s, ApprovalKind.resume, ApprovalStatus.approved)
    s.to(State.in_progress)


# ---- verification, call-back, closure ------------------------------------------------------------
def verify_pass(s: Step) -> None:
    end_stage(s.inc, Stage.verify, s.now)
    if timers.needs_callback(s.inc) and not s.inc.self_handled:
        s.to(State.callback)
    else:
        _close(s)


def verify_fail(s: Step) -> None:
    end_stage(s.inc, Stage.verify, s.now)
    _redo(s)


def _redo(s: Step) -> None:
    """返工 / 重办: back to the department (or to dispatch when there is none)."""
    s.inc.rework_count += 1
    timers.clear_stage(s.inc, Stage.handle)
    s.to(State.dispatched if s.inc.department_id else State.accepted)


def callback(s: Step) -> None:
    if s.data.satisfaction is None:
        raise InvalidInputError("a call-back needs satisfaction", field="satisfaction")
    end_stage(s.inc, Stage.callback, s.now)
    s.inc.satisfaction = s.data.satisfaction
    s.db.add(
        Callback(
            incident_id=s.inc.id,
            at=s.now,
            by_user_id=s.principal.user_id,
            satisfaction=s.data.satisfaction,
            note=s.data.opinion,
        )
    )
    if s.data.satisfaction is Satisfaction.unsatisfied:
        _redo(s)
    else:
        _close(s)


def _close(s: Step) -> None:
    s.inc.closed_at = s.now
    s.to(State.closed)


def void(s: Step) -> None:
    _approval(s, ApprovalKind.void, ApprovalStatus.approved)
    s.inc.closed_at = s.now
    s.to(State.void)


def reopen(s: Step) -> None:
    """A new cycle: dispatched again with fresh sign and handle clocks."""
    _approval(s, ApprovalKind.reopen, ApprovalStatus.approved)
    s.inc.reopen_count += 1
    s.inc.closed_at = None
    s.inc.first_dispatched_at = s.now
    for stage in (Stage.sign, Stage.handle):
        start_stage(s.inc, stage, s.now, s.clock)
    for stage in (Stage.verify, Stage.callback):
        setattr(s.inc, f"{stage}_due", None)
        timers.clear_stage(s.inc, stage)
    s.to(State.dispatched if s.inc.department_id else State.accepted)


def archive(s: Step) -> None:
    s.to(State.archived)


def supervise(s: Step) -> None:
    s.db.add(
        Supervision(
            incident_id=s.inc.id,
            at=s.now,
            by_user_id=s.principal.user_id,
            stage=s.inc.clock_stage,
            note=s.data.opinion,
        )
    )
    s.inc.supervision_count += 1
    s.notifiers.emit(s.db, s.inc, "escalation", f"incident {s.inc.id} is under supervision (督办)")


FLOWS: dict[Action, Flow] = {action: globals()[action.value] for action in Action}


def run(
    *,
    db: Session,
    incident: Incident,
    action: Action,
    principal: Principal,
    data: ActionInput,
    clock: ClockContext,
    notifiers: Notifiers,
    now: datetime | None = None,
) -> IncidentEvent:
    has_pending = pending_approval(db, incident.id) is not None
    workflow.check(incident, principal, action, has_pending=has_pending)
    before = incident.state
    step = Step(db, incident, principal, data, clock, notifiers, now or utcnow(), {})
    FLOWS[action](step)
    incident.updated_at = step.now
    if incident.state in CLOSED_LIKE:
        incident.suspended_at = None
    timers.refresh_clock(incident, clock)
    event = IncidentEvent(
        incident_id=incident.id,
        at=step.now,
        actor_id=principal.user_id,
        actor_name=principal.display_name or principal.username,
        action=action,
        from_state=before,
        to_state=incident.state,
        opinion=data.opinion,
        attachments=list(data.attachments),
        data=step.event_data,
    )
    db.add(event)
    db.flush()
    return event
