"""The monthly job: on the 1st at 02:00 (local time) every active plan gets the period that just
ended (months every month, quarters in Jan/Apr/Jul/Oct, years in January)."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from xueliang.assessment import flows
from xueliang.core.config import Settings
from xueliang.core.db import session_scope
from xueliang.core.scheduler import Scheduler

JOB = "assessment.generate"


def generate_monthly(
    factory: sessionmaker[Session], settings: Settings, today: datetime | None = None
) -> str:
    moment = today or datetime.now(ZoneInfo(settings.timezone))
    with session_scope(factory) as db:
        count = flows.generate_due(db=db, settings=settings, today=moment.date())
    return f"{count} runs generated"


def register(scheduler: Scheduler, *, factory: sessionmaker[Session], settings: Settings) -> None:
    scheduler.register(JOB, partial(generate_monthly, factory, settings), day=1, at="02:00")
