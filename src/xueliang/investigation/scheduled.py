"""Periodic work: expire dispositions past their validity."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from sqlalchemy.orm import Session, sessionmaker

from xueliang.core.scheduler import Scheduler
from xueliang.investigation import dispositions


def expire_dispositions(factory: sessionmaker[Session]) -> str:
    with factory() as db:
        count = dispositions.expire(db=db)
        db.commit()
    return f"{count} dispositions expired"


def register(scheduler: Scheduler, *, factory: sessionmaker[Session]) -> None:
    scheduler.register(
        "investigation.expire_dispositions",
        partial(expire_dispositions, factory),
        every=timedelta(seconds=60),
    )
