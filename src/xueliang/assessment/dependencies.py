"""Loaders and injectable parts of the assessment API."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path

from xueliang.api.deps import SessionDep
from xueliang.assessment import service
from xueliang.assessment.contractor import ContractorFeed, default_feed
from xueliang.assessment.models import Plan


def get_feed() -> ContractorFeed:
    """The contractor figures' source; tests override it with a fake."""
    return default_feed()


def valid_plan(db: SessionDep, plan_id: Annotated[int, Path(ge=1)]) -> Plan:
    return service.get_plan_or_raise(db=db, plan_id=plan_id)


FeedDep = Annotated[ContractorFeed, Depends(get_feed)]
PlanDep = Annotated[Plan, Depends(valid_plan)]
