"""Every transition of the state machine and its refusals, on the service layer and a real DB."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.incident.conftest import FakeLocator, World, local
from xueliang.auth.principal import Principal
from xueliang.core.config import Settings
from xueliang.core.exceptions import ConflictError, NotFoundError, OutOfScopeError, PermissionDeniedError
from xueliang.incident import intake, service
from xueliang.incident.enums import Action, Satisfaction, Source, State, TimeUnit
from xueliang.incident.models import Approval, Callback, Incident, IncidentEvent, Notification, Supervision
from xueliang.incident.notify import InAppNotifier, Notifiers
from xueliang.incident.schemas import ActionInput

T0 = local("2026-03-09 09:00")  # a Monday


def _new(db: Session, settings: Settings, world: World, locator: FakeLocator, **kw: object) -> Incident:
    fields = {"source": Source.grid_worker, "category_code": "road.pothole", "description": "hole"}
    fields |= {"lon": 112.9, "lat": 28.2} | kw
    new = intake.NewIncident(**fields)  # type: ignore[arg-type]
    return intake.create(db=db, settings=settings, principal=world.worker, locator=locator, new=new, now=T0)


def _act(
    db: Session,
    settings: Settings,
    who: Principal,
    inc: Incident,
    action: Action,
    at: datetime = T0,
    **data: object,
) -> Incident:
    return service.transition(
        db=db,
        settings=settings,
        principal=who,
        incident_id=inc.id,
        action=action,
        data=ActionInput(**data),  # type: ignore[arg-type]
        notifiers=Notifiers([InAppNotifier()]),
        now=at,
    )


def _to_in_progress(db: Session, settings: Settings, w: World, inc: Incident) -> None:
    _act(db, settings, w.dispatcher, inc, Action.accept, local("2026-03-09 09:30"))
    _act(db, settings, w.dispatcher, inc, Action.dispatch, local("2026-03-09 10:00"))
    _act(db, settings, w.handler, inc, Action.sign, local("2026-03-09 11:00"))


def test_flows__grid_worker_report_to_closed_with_stage_times(
    db: Session, settings: Settings, world: World, locator: FakeLocator
) -> None:
    inc = _new(db, settings, world, locator)
    assert (inc.state, inc.accept_due, inc.clock_stage) == (
        State.reported,
        local("2026-03-09 10:00"),
        "accept",
    )
    _to_in_progress(db, settings, world, inc)
    assert inc.accept_on_time and inc.dispatch_on_time and inc.sign_on_time
    assert inc.handle_due == local("2026-03-16 17:30")  # 5 working days from the next day
    _act(db, settings, world.handler, inc, Action.reply, local("2026-03-12 10:00"), attachments=[])
    assert inc.handle_on_time is True and inc.state == State.handled
    _act(db, settings, world.dispatcher, inc, Action.verify_pass, local("2026-03-16 10:00"))
    assert inc.state == State.closed and inc.verify_on_time is False  # due end of 03-13
    _act(db, settings, world.dispatcher, inc, Action.archive)
    events = db.scalars(select(IncidentEvent.action).where(IncidentEvent.incident_id == inc.id)).all()
    assert events == ["create", "accept", "dispatch", "sign", "reply", "verify_pass", "archive"]
    assert db.scalar(select(Notification).where(Notification.incident_id == inc.id)) is not None


def test_flows__illegal_transition_is_409_with_allowed_actions(
    db: Session, settings: Settings, world: World, locator: FakeLocator
) -> None:
    inc = _new(db, settings, world, locator)
    with pytest.raises(ConflictError) as err:
        _act(db, settings, world.dispatcher, inc, Action.dispatch)
    assert set(err.value.extra["allowed"]) == {"accept", "reject", "merge", "answer", "void"}


def test_flows__refusals_by_permission_and_party(
    db: Session, settings: Settings, world: World, locator: FakeLocator
) -> None:
    inc = _new(db, settings, world, locator)
    with pytest.raises(PermissionDeniedError):
        _act(db, settings, world.worker, inc, Action.accept)  # the reporter sees it, may not accept
    with pytest.raises(NotFoundError):
        _act(db, settings, world.handler, inc, Action.accept)  # not yet the handler's department
    _act(db, settings, world.dispatcher, inc, Action.accept)
    _act(db, settings, world.dispatcher, inc, Action.dispatch)
    for outsider in (world.other_handler, world.viewer):  # another department's inbox never shows it
        with pytest.raises(NotFoundError):
            _act(db, settings, outsider, inc, Action.sign)


def test_flows__return_keeps_sign_and_handle_clocks(
    db: Session, settings: Settings, world: World, locator: FakeLocator
) -> None:
    inc = _new(db, settings, world, locator)
    _act(db, settings, world.dispatcher, inc, Action.accept)
    _act(db, settings, world.dispatcher, inc, Action.dispatch, local("2026-03-09 10:00"))
    sign_due, handle_due = inc.sign_due, inc.handle_due
    _act(
        db, settings, world.handler, inc, Action.request_return, local("2026-03-09 11:00"), opinion="not ours"
    )
    _act(db, settings, world.dispatcher, inc, Action.approve, local("2026-03-09 11:30"))
    assert (inc.state, inc.returned_count, inc.department_id) == (State.accepted, 1, None)
    _act(
        db,
        settings,
        world.dispatcher,
        inc,
        Action.dispatch,
        local("2026-03-10 15:00"),
        department_id=world.department_id,
    )
    assert (inc.sign_due, inc.handle_due) == (sign_due, handle_due)
    _act(db, settings, world.handler, inc, Action.sign, local("2026-03-10 15:10"))
    assert inc.sign_on_time is False  # the bounce did not hide the delay
    approval = db.scalar(select(Approval).where(Approval.incident_id == inc.id))
    assert approval is not None and (approval.kind, approval.status) == ("return", "approved")


def test_flows__extension_approved_moves_due(
    db: Session, settings: Settings, world: World, locator: FakeLocator
) -> None:
    inc = _new(db, settings, world, locator)
    _to_in_progress(db, settings, world, inc)
    _act(db, settings, world.handler, inc, Action.request_extension, amount=2, unit=TimeUnit.working_days)
    with pytest.raises(ConflictError):
        _act(db, settings, world.handler, inc, Action.request_suspend)
    _act(db, settings, world.dispatcher, inc, Action.approve)
    assert inc.handle_due == local("2026-03-18 17:30") and inc.extension_count == 1
    _act(db, settings, world.handler, inc, Action.request_extension, amount=1, unit=TimeUnit.working_days)
    _act(db, settings, world.dispatcher, inc, Action.deny, opinion="no")
    assert inc.handle_due == local("2026-03-18 17:30")
    with pytest.raises(ConflictError):
        _act(db, settings, world.dispatcher, inc, Action.approve)


def test_flows__suspension_pauses_the_handle_clock(
    db: Session, settings: Settings, world: World, locator: FakeLocator
) -> None:
    inc = _new(db, settings, world, locator)
    _to_in_progress(db, settings, world, inc)
    _act(
        db, settings, world.handler, inc, Action.request_suspend, local("2026-03-13 10:00"), opinion="budget"
    )
    _act(db, settings, world.dispatcher, inc, Action.approve, local("2026-03-13 17:30"))  # Friday evening
    assert inc.state == State.suspended and inc.clock_stage is None
    remaining = inc.paused_remaining_s
    assert remaining == 7 * 3600  # due Monday 03-16 17:30: one working day was left
    _act(db, settings, world.dispatcher, inc, Action.resume, local("2026-03-30 09:00"))
    assert inc.state == State.in_progress and inc.handle_due == local("2026-03-30 17:30")
    assert inc.suspended_seconds > 0 and inc.clock_stage == "handle"


def test_flows__hotline_callback_unsatisfied_redoes_then_closes(
    db: Session, settings: Settings, world: World, locator: FakeLocator
) -> None:
    inc = _new(db, settings, world, locator, source=Source.hotline, external_no="A1")
    _to_in_progress(db, settings, world, inc)
    _act(db, settings, world.handler, inc, Action.reply)
    _act(db, settings, world.dispatcher, inc, Action.verify_pass)
    assert inc.state == State.callback
    with pytest.raises(Exception, match="satisfaction"):
        _act(db, settings, world.dispatcher, inc, Action.callback)
    _act(db, settings, world.dispatcher, inc, Action.callback, satisfaction=Satisfaction.unsatisfied)
    assert (inc.state, inc.rework_count, inc.handle_at) == (State.dispatched, 1, None)
    _act(db, settings, world.handler, inc, Action.sign)
    _act(db, settings, world.handler, inc, Action.reply)
    _act(db, settings, world.dispatcher, inc, Action.verify_pass)
    _act(db, settings, world.dispatcher, inc, Action.callback, satisfaction=Satisfaction.satisfied)
    assert inc.state == State.closed and inc.satisfaction == "satisfied"
    assert len(db.scalars(select(Callback).where(Callback.incident_id == inc.id)).all()) == 2


def test_flows__verify_fail_is_rework(
    db: Session, settings: Settings, world: World, locator: FakeLocator
) -> None:
    inc = _new(db, settings, world, locator)
    _to_in_progress(db, settings, world, inc)
    _act(db, settings, world.handler, inc, Action.reply)
    _act(db, settings, world.dispatcher, inc, Action.verify_fail, opinion="still broken")
    assert (inc.state, inc.rework_count) == (State.dispatched, 1)


def test_flows__self_handle_answer_reject_merge(
    db: Session, settings: Settings, world: World, locator: FakeLocator
) -> None:
    draft = _new(db, settings, world, locator, draft=True)
    assert draft.state == State.draft and draft.reported_at is None
    _act(db, settings, world.worker, draft, Action.self_handle)
    assert draft.self_handled and draft.state == State.handled
    _act(db, settings, world.dispatcher, draft, Action.verify_pass)
    assert draft.state == State.closed
    other = _new(db, settings, world, locator, draft=True)
    with pytest.raises(OutOfScopeError):
        _act(db, settings, world.dispatcher, other, Action.submit)
    _act(db, settings, world.worker, other, Action.submit)
    _act(db, settings, world.dispatcher, other, Action.merge, master_id=draft.id)
    assert (other.state, other.master_id) == (State.merged, draft.id)
    consult = _new(db, settings, world, locator, category_code="consult")
    _act(db, settings, world.dispatcher, consult, Action.answer, opinion="see policy")
    assert consult.state == State.handled
    junk = _new(db, settings, world, locator)
    with pytest.raises(Exception, match="master_id"):
        _act(db, settings, world.dispatcher, junk, Action.merge)
    _act(db, settings, world.dispatcher, junk, Action.reject)
    assert junk.state == State.rejected


def test_flows__recall_void_reopen_supervise(
    db: Session, settings: Settings, world: World, locator: FakeLocator
) -> None:
    inc = _new(db, settings, world, locator)
    _to_in_progress(db, settings, world, inc)
    _act(db, settings, world.dispatcher, inc, Action.supervise, opinion="hurry")
    assert inc.supervision_count == 1 and db.scalar(select(Supervision.note)) == "hurry"
    _act(db, settings, world.dispatcher, inc, Action.recall)
    assert inc.state == State.accepted
    _act(db, settings, world.dispatcher, inc, Action.dispatch)
    _act(db, settings, world.handler, inc, Action.sign)
    _act(db, settings, world.handler, inc, Action.reply)
    _act(db, settings, world.dispatcher, inc, Action.verify_pass)
    _act(db, settings, world.dispatcher, inc, Action.reopen, local("2026-03-20 10:00"), opinion="complaint")
    assert (inc.state, inc.reopen_count, inc.sign_at) == (State.dispatched, 1, None)
    assert inc.handle_due == local("2026-03-27 17:30")
    _act(db, settings, world.dispatcher, inc, Action.void, opinion="duplicate")
    assert inc.state == State.void and inc.next_alert_at is None
    kinds = db.scalars(
        select(Approval.kind).where(Approval.incident_id == inc.id).order_by(Approval.id)
    ).all()
    assert kinds == ["reopen", "void"]


def test_list_incidents__dispatcher_region_scope_matches_detail_visibility(
    db: Session, settings: Settings, world: World, locator: FakeLocator
) -> None:
    inside = _new(db, settings, world, locator)  # the fake locator puts it in community 430102001001
    scoped = Principal(
        user_id=None,
        username="district dispatcher",
        permissions=world.dispatcher.permissions,
        scopes={"region": frozenset({"430103"})},
    )
    _, rows = service.list_incidents(db=db, principal=scoped, state=None, mine=False, offset=0, limit=50)
    assert inside.id not in [r.id for r in rows]
    assert not service.can_see(scoped, inside)
    city = Principal(
        user_id=None,
        username="city",
        permissions=world.dispatcher.permissions,
        scopes={"region": frozenset({"4301"})},
    )
    _, rows = service.list_incidents(db=db, principal=city, state=None, mine=False, offset=0, limit=50)
    assert inside.id in [r.id for r in rows]
    assert service.map_features(db=db, principal=scoped, limit=100)["features"] == []
