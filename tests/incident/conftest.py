"""Fixtures of the incident tests: a category routed to a department, a fake grid locator, and a
clock context on the shipped 2026 calendar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session

from tests.factories import make_user
from xueliang.auth import service as auth_service
from xueliang.auth.enums import ROLE_SEEDS
from xueliang.auth.principal import Principal
from xueliang.core.config import Settings
from xueliang.incident.dependencies import get_locator
from xueliang.incident.locator import Placement
from xueliang.incident.models import Category

TZ = ZoneInfo("Asia/Shanghai")


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


class FakeLocator:
    def locate(self, db: Session, lon: float, lat: float) -> Placement:
        return Placement(
            grid_id=7, grid_code="430102001001001", community_code="430102001001", town_code="430102001"
        )


@dataclass
class World:
    department_id: int
    other_department_id: int
    dispatcher: Principal
    handler: Principal
    other_handler: Principal
    worker: Principal
    viewer: Principal


@pytest.fixture
def locator() -> FakeLocator:
    return FakeLocator()


@pytest.fixture
def world(db: Session) -> World:
    dept = auth_service.create_org_unit(db=db, code="dept-roads", name="市政局")
    other = auth_service.create_org_unit(db=db, code="dept-water", name="水务局")
    db.add(
        Category(
            code="road.pothole",
            name="道路坑洼",
            group_name="市政",
            kind="city_management",
            department_id=dept.id,
            attributes=[
                {
                    "code": "size",
                    "variable": True,
                    "datatype": "string",
                    "required": True,
                    "datatype_description": "",
                    "order": 1,
                    "description": "Size",
                }
            ],
        )
    )
    db.add(Category(code="consult", name="政策咨询", kind="consultation", department_id=dept.id))
    db.add(Category(code="internal", name="内部", kind="city_management", public=False))
    db.flush()

    def p(roles: tuple[str, ...], org: int | None = None) -> Principal:
        """Service tests need no password hashing: principals as the auth service would build them."""
        perms = frozenset(str(x) for role in roles for x in ROLE_SEEDS[role][1])
        return Principal(
            user_id=None, username=roles[0], roles=frozenset(roles), permissions=perms, org_unit_id=org
        )

    return World(
        department_id=dept.id,
        other_department_id=other.id,
        dispatcher=p(("dispatcher",)),
        handler=p(("department_handler",), dept.id),
        other_handler=p(("department_handler",), other.id),
        worker=auth_service.principal_for(db=db, user=make_user(db, roles=("grid_worker",))),
        viewer=p(("viewer",)),
    )


@pytest.fixture
def incident_app(app: FastAPI, locator: FakeLocator) -> FastAPI:
    app.dependency_overrides[get_locator] = lambda: locator
    return app


@pytest.fixture
def no_sched_settings(settings: Settings) -> Settings:
    return settings
