"""A hand-made month (March 2026) of incidents, timeline events, call-backs, patrols and
contractor figures whose indicator values are computed by hand in test_compute.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import shapely
from sqlalchemy.orm import Session

from tests.factories import make_user
from xueliang.assessment.contractor import MonthFigures
from xueliang.assessment.models import PatrolDay
from xueliang.auth import service as auth_service
from xueliang.grid.models import AdminArea, Grid, GridMember
from xueliang.incident.models import Callback, Category, Incident, IncidentEvent

TZ = ZoneInfo("Asia/Shanghai")
SQUARE = shapely.MultiPolygon([shapely.box(0, 0, 1, 1)])
T1, T2 = "430102001", "430102002"
C1, C2 = "430102001001", "430102002001"


def at(text: str) -> datetime:
    """Local time in 2026: ``"03-05 10:00"``."""
    return datetime.fromisoformat(f"2026-{text}").replace(tzinfo=TZ)


@dataclass
class Month:
    d1: int
    d2: int
    w1: int
    w2: int
    g1: int
    g2: int
    incidents: dict[str, Incident]


class FakeContractorFeed:
    """Stands in for the ops domain: two contractors' March figures."""

    def months(self, db: Session, first: date, after: date) -> list[MonthFigures]:
        rows = [
            MonthFigures("X", "甲运维公司", date(2026, 3, 1), 1000.0, 940.0, 20, 19, 100000.0),
            MonthFigures("Y", "乙运维公司", date(2026, 3, 1), 1000.0, 990.0, 10, 8, 50000.0),
        ]
        return [row for row in rows if first <= row.month < after]


def _area(db: Session, code: str, name: str, level: str) -> None:
    db.add(
        AdminArea(
            code=code,
            name=name,
            level=level,
            geom=SQUARE,
            min_x=0,
            min_y=0,
            max_x=1,
            max_y=1,
        )
    )


def _grid(db: Session, code: str, name: str) -> int:
    grid = Grid(code=code, name=name, geom=SQUARE, min_x=0, min_y=0, max_x=1, max_y=1)
    db.add(grid)
    db.flush()
    return grid.id


def _stages(**stages: tuple[str | None, str | None, bool | None]) -> dict[str, Any]:
    """stage=(due, at, on_time) → the incident's column values."""
    out: dict[str, Any] = {}
    for stage, (due, done, on_time) in stages.items():
        out[f"{stage}_due"] = at(due) if due else None
        out[f"{stage}_at"] = at(done) if done else None
        out[f"{stage}_on_time"] = on_time
    return out


def _incidents(m: dict[str, int]) -> dict[str, dict[str, Any]]:
    t1 = {"town_code": T1, "community_code": C1, "grid_id": m["g1"], "department_id": m["d1"]}
    return {
        "A": t1
        | {
            "reported_at": at("03-02 09:00"),
            "first_dispatched_at": at("03-02 10:00"),
            "closed_at": at("03-06 11:00"),
        }
        | _stages(
            accept=("03-02 10:00", "03-02 09:30", True),
            dispatch=("03-02 11:00", "03-02 10:00", True),
            sign=("03-02 12:00", "03-02 11:00", True),
            handle=("03-10 17:30", "03-05 11:00", True),
            verify=("03-06 17:30", "03-06 10:00", True),
        ),
        "B": t1
        | {
            "source": "grid_worker",
            "reporter_user_id": m["w1"],
            "reported_at": at("03-02 09:00"),
            "first_dispatched_at": at("03-02 11:30"),
            "closed_at": at("03-09 11:30"),
            "rework_count": 1,
        }
        | _stages(
            accept=("03-02 10:00", "03-02 11:00", False),
            dispatch=("03-02 12:00", "03-02 11:30", True),
            sign=("03-02 14:00", "03-03 11:30", False),
            handle=("03-05 17:30", "03-08 11:30", False),
            verify=("03-09 09:00", "03-09 10:00", False),
        ),
        "C": t1
        | {
            "state": "in_progress",
            "reported_at": at("03-10 09:00"),
            "first_dispatched_at": at("03-10 09:20"),
            "extension_count": 1,
            "returned_count": 1,
        }
        | _stages(
            accept=("03-10 10:00", "03-10 09:10", True),
            dispatch=("03-10 09:15", "03-10 09:20", False),
            sign=("03-10 11:20", "03-12 09:00", False),
            handle=("03-20 17:30", None, None),
        ),
        "D": t1
        | {"state": "in_progress", "reported_at": at("03-25 09:00"), "first_dispatched_at": at("03-25 09:20")}
        | _stages(
            accept=("03-25 10:00", "03-25 09:10", True),
            dispatch=("03-25 10:10", "03-25 09:20", True),
            sign=("03-25 11:20", "03-25 10:00", True),
            handle=("04-10 17:30", None, None),
        ),
        "E": t1
        | {
            "reported_at": at("02-10 09:00"),
            "first_dispatched_at": at("02-10 10:00"),
            "closed_at": at("02-20 10:00"),
        }
        | _stages(
            accept=("02-10 10:00", "02-10 09:10", True),
            dispatch=("02-10 11:00", "02-10 10:00", True),
            sign=("02-10 12:00", "02-10 11:00", True),
            handle=("03-03 17:30", "02-18 10:00", True),
            verify=("02-19 17:30", "02-19 10:00", True),
        ),
        "F": t1
        | {"state": "void", "reported_at": at("03-04 09:00"), "closed_at": at("03-10 09:00")}
        | _stages(accept=("03-04 10:00", "03-04 09:10", True), handle=("03-12 17:30", None, None)),
        "G": t1
        | {
            "source": "grid_worker",
            "reporter_user_id": m["w1"],
            "department_id": None,
            "self_handled": True,
            "reported_at": at("03-12 09:00"),
            "closed_at": at("03-12 16:00"),
            "handle_at": at("03-12 10:00"),
        }
        | _stages(verify=("03-13 17:30", "03-12 16:00", True)),
        "H": t1
        | {
            "source": "grid_worker",
            "reporter_user_id": m["w1"],
            "department_id": None,
            "state": "rejected",
            "reported_at": at("03-14 09:00"),
            "closed_at": at("03-14 09:30"),
        }
        | _stages(accept=("03-14 10:00", "03-14 09:30", True)),
        "J": {
            "town_code": T2,
            "community_code": C2,
            "grid_id": m["g2"],
            "department_id": m["d2"],
            "reported_at": at("03-15 09:00"),
            "first_dispatched_at": at("03-15 09:20"),
            "closed_at": at("03-17 10:00"),
        }
        | _stages(
            accept=("03-15 10:00", "03-15 09:10", True),
            dispatch=("03-15 10:10", "03-15 09:20", True),
            sign=("03-15 11:20", "03-15 10:00", True),
            handle=("03-20 17:30", "03-16 10:00", True),
            verify=("03-17 17:30", "03-16 15:00", True),
        ),
        "K": t1
        | {
            "state": "dispatched",
            "reported_at": at("03-16 09:00"),
            "first_dispatched_at": at("03-16 09:20"),
            "rework_count": 1,
        }
        | _stages(
            accept=("03-16 10:00", "03-16 09:10", True),
            dispatch=("03-16 10:10", "03-16 09:20", True),
            sign=("03-16 11:20", "03-16 10:00", True),
            handle=("04-05 17:30", None, None),
            verify=("03-19 17:30", "03-19 09:00", True),
        ),
        "M": t1
        | {"state": "reported", "department_id": None, "reported_at": at("03-31 09:00")}
        | _stages(accept=("03-31 10:00", None, None)),
    }


def _event(incident: Incident, when: str, action: str, **data: Any) -> IncidentEvent:
    return IncidentEvent(incident_id=incident.id, at=at(when), actor_name="t", action=action, data=data)


@pytest.fixture
def month(db: Session) -> Month:
    d1 = auth_service.create_org_unit(db=db, code="dept-a", name="市政局").id
    d2 = auth_service.create_org_unit(db=db, code="dept-b", name="水务局").id
    w1 = make_user(db, roles=("grid_worker",), username="worker1").id
    w2 = make_user(db, roles=("grid_worker",), username="worker2").id
    for code, name, level in (
        (T1, "一街道", "town"),
        (T2, "二街道", "town"),
        (C1, "一社区", "community"),
        (C2, "二社区", "community"),
    ):
        _area(db, code, name, level)
    g1, g2 = _grid(db, f"{C1}01", "一网格"), _grid(db, f"{C2}01", "二网格")
    db.add_all([GridMember(grid_id=g1, user_id=w1), GridMember(grid_id=g2, user_id=w2)])
    db.add(Category(code="road", name="道路"))
    db.flush()
    ids = {"d1": d1, "d2": d2, "w1": w1, "w2": w2, "g1": g1, "g2": g2}
    rows: dict[str, Incident] = {}
    for name, cols in _incidents(ids).items():
        defaults = {"source": "hotline", "category_code": "road", "state": "closed", "title": name}
        rows[name] = Incident(**(defaults | cols))
    db.add_all(rows.values())
    db.flush()
    a, b, c, d, e, j, k = (rows[x] for x in "ABCDEJK")
    db.add_all(
        [
            _event(a, "03-02 10:00", "dispatch", department_id=d1),
            _event(b, "03-02 11:30", "dispatch", department_id=d1),
            _event(c, "03-10 09:20", "dispatch", department_id=d2),
            _event(c, "03-10 15:00", "approve", kind="return", returned_by=d2, approval_id=1),
            _event(c, "03-11 09:00", "dispatch", department_id=d1),
            _event(c, "03-15 09:00", "approve", kind="extension", approval_id=2),
            _event(d, "03-25 09:20", "dispatch", department_id=d1),
            _event(j, "03-15 09:20", "dispatch", department_id=d2),
            _event(k, "03-16 09:20", "dispatch", department_id=d1),
            _event(e, "02-10 10:00", "dispatch", department_id=d1),
            Callback(incident_id=a.id, at=at("03-06 11:00"), satisfaction="satisfied"),
            Callback(incident_id=j.id, at=at("03-16 18:00"), satisfaction="no_answer"),
            Callback(incident_id=j.id, at=at("03-17 10:00"), satisfaction="basically_satisfied"),
            Callback(incident_id=k.id, at=at("03-19 10:00"), satisfaction="unsatisfied"),
            PatrolDay(user_id=w1, grid_id=g1, day=date(2026, 3, 2), checkins=2),
            PatrolDay(user_id=w1, grid_id=g1, day=date(2026, 3, 3), checkins=1),
            PatrolDay(user_id=w1, grid_id=g2, day=date(2026, 3, 4), checkins=5),  # not the worker's grid
            PatrolDay(user_id=w1, grid_id=g1, day=date(2026, 3, 5), checkins=3),
            PatrolDay(user_id=w1, grid_id=g1, day=date(2026, 2, 27), checkins=4),  # February
        ]
    )
    db.flush()
    return Month(d1, d2, w1, w2, g1, g2, rows)
