"""The sweep: warnings at 80 %, overdue at 100 % (催办), escalation (督办), each exactly once."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.incident.conftest import FakeLocator, World, local
from xueliang.core.config import Settings
from xueliang.incident import intake
from xueliang.incident.enums import AlertLevel, Source
from xueliang.incident.models import IncidentEvent, Notification, Supervision
from xueliang.incident.notify import FakeSmsGateway, InAppNotifier, Notifiers, SmsNotifier
from xueliang.incident.scheduled import sweep


def test_sweep__warning_overdue_escalation_once_each(
    db: Session, settings: Settings, world: World, locator: FakeLocator
) -> None:
    new = intake.NewIncident(
        source=Source.grid_worker, category_code="road.pothole", description="x", lon=1, lat=1
    )
    inc = intake.create(
        db=db,
        settings=settings,
        principal=world.worker,
        locator=locator,
        new=new,
        now=local("2026-03-09 09:00"),
    )
    assert (inc.clock_warn_at, inc.clock_due_at) == (local("2026-03-09 09:48"), local("2026-03-09 10:00"))
    assert inc.clock_escalate_at == local("2026-03-16 17:30")
    db.flush()
    gateway = FakeSmsGateway()
    notifiers = Notifiers([InAppNotifier(), SmsNotifier(gateway, lambda n: ["13800000000"])])
    steps = [("09:30", 0), ("09:50", AlertLevel.warning), ("09:55", None), ("10:01", AlertLevel.overdue)]
    for at, level in steps:
        result = sweep(db=db, notifiers=notifiers, now=local(f"2026-03-09 {at}"))
        db.refresh(inc)
        assert (result.warnings + result.overdue) == (1 if level else 0)
        if level:
            assert inc.alert_level == level
    result = sweep(db=db, notifiers=notifiers, now=local("2026-03-17 09:00"))
    db.refresh(inc)
    assert result.escalated == 1 and inc.alert_level == AlertLevel.escalated and inc.next_alert_at is None
    assert inc.supervision_count == 1 and db.scalar(select(Supervision.automatic)) is True
    actions = db.scalars(select(IncidentEvent.action).where(IncidentEvent.incident_id == inc.id)).all()
    assert actions == ["create", "warning", "overdue", "escalate"]
    assert db.scalar(select(func.count()).select_from(Notification)) == 3
    assert len(gateway.sent) == 3
    assert (
        str(sweep(db=db, notifiers=notifiers, now=local("2026-03-18 09:00")))
        == "0 warnings, 0 overdue, 0 escalated"
    )


def test_sweep__jump_straight_to_overdue(
    db: Session, settings: Settings, world: World, locator: FakeLocator
) -> None:
    new = intake.NewIncident(
        source=Source.hotline, category_code="road.pothole", description="x", external_no="Z9"
    )
    inc = intake.create(
        db=db,
        settings=settings,
        principal=world.worker,
        locator=locator,
        new=new,
        now=local("2026-03-09 09:00"),
    )
    db.flush()
    assert sweep(db=db, notifiers=Notifiers(), now=local("2026-03-09 11:00")).overdue == 1
    db.refresh(inc)
    assert inc.next_alert_at == local("2026-03-16 17:30")
