from __future__ import annotations

from sqlalchemy.orm import Session

from tests.incident.conftest import FakeLocator, World
from xueliang.core.config import Settings
from xueliang.incident import intake, service
from xueliang.incident.enums import Action, State
from xueliang.incident.notify import Notifiers
from xueliang.incident.schemas import ActionInput, Location, ReportInput


def test_smoke__report_to_close(db: Session, settings: Settings, world: World, locator: FakeLocator) -> None:
    data = ReportInput(
        category_code="road.pothole", description="hole", location=Location(lon=112.9, lat=28.2)
    )
    inc = intake.report(db=db, settings=settings, principal=world.worker, locator=locator, data=data)
    assert inc.state == State.reported and inc.grid_code == "430102001001001"
    n = Notifiers()
    for action, who in [
        (Action.accept, world.dispatcher),
        (Action.dispatch, world.dispatcher),
        (Action.sign, world.handler),
        (Action.reply, world.handler),
        (Action.verify_pass, world.dispatcher),
    ]:
        service.transition(
            db=db,
            settings=settings,
            principal=who,
            incident_id=inc.id,
            action=action,
            data=ActionInput(),
            notifiers=n,
        )
    assert inc.state == State.closed
