"""Vehicle analytics and multi-dimensional searches on chdb, through the API."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.investigation.helpers import (
    TG_A,
    TG_B,
    TG_C,
    add_tollgates,
    analyst,
    attach,
    make_case,
    pass_,
    store_with,
)

CASE = {"case_id": "A2026-001", "purpose": "套牌分析"}
API = "/api/v1/investigation"
DAY = {"time_from": "2026-11-01T00:00:00", "time_to": "2026-11-02T00:00:00"}


def _passes() -> list[dict[str, object]]:
    return [
        # cloned by speed: A then C (22 km) in 5 minutes
        pass_(1, "湘A11111", "20261101080000", TG_A, VehicleBrand="1"),
        pass_(2, "湘A11111", "20261101080500", TG_C, VehicleBrand="1"),
        # cloned by attributes: two brands
        pass_(3, "湘A22222", "20261101090000", TG_A, VehicleBrand="1"),
        pass_(4, "湘A22222", "20261101150000", TG_B, VehicleBrand="5"),
        # ordinary: A then B (1.1 km) in 3 minutes, both at night, then again
        pass_(5, "湘A33333", "20261101230000", TG_A, VehicleBrand="2"),
        pass_(6, "湘A33333", "20261101230300", TG_B, VehicleBrand="2"),
        pass_(7, "湘A33333", "20261101234000", TG_A, VehicleBrand="2"),
        pass_(8, "湘A33333", "20261101235000", TG_A, VehicleBrand="2"),
    ]


def _client(app: FastAPI, client: TestClient, db: Session) -> TestClient:
    add_tollgates(db)
    attach(app, store_with(_passes()))
    user, c = analyst(client, db, roles=("analyst", "admin"))
    make_case(db, user)
    db.commit()
    return c


def _plates(c: TestClient, path: str, body: dict[str, object]) -> dict[str, dict[str, object]]:
    r = c.post(f"{API}/{path}", params=CASE, json=body)
    assert r.status_code == 200, r.text
    return {h["plate_no"]: h["detail"] for h in r.json()}


def test_analytics__cloned_by_speed_and_attributes(app: FastAPI, client: TestClient, db: Session) -> None:
    found = _plates(_client(app, client, db), "analytics", {"kind": "cloned", **DAY})
    assert set(found) == {"湘A11111", "湘A22222"}
    assert found["湘A11111"]["reason"] == "speed" and found["湘A22222"]["reason"] == "attributes"


def test_analytics__first_night_and_checkpoint(app: FastAPI, client: TestClient, db: Session) -> None:
    c = _client(app, client, db)
    assert set(
        _plates(c, "analytics", {"kind": "first_appearance", "since": "2026-11-01T12:00:00", **DAY})
    ) == {"湘A33333"}
    assert set(_plates(c, "analytics", {"kind": "night", "min_count": 4, **DAY})) == {"湘A33333"}
    found = _plates(c, "analytics", {"kind": "frequent_checkpoint", "min_count": 3, **DAY})
    assert found == {"湘A33333": {"tollgate_id": TG_A, "passes": 3}}
    r = c.post(f"{API}/analytics", params=CASE, json={"kind": "first_appearance", **DAY})
    assert r.status_code == 400


def test_multidim__a_then_b_and_collision(app: FastAPI, client: TestClient, db: Session) -> None:
    c = _client(app, client, db)
    leg_a = {"place": {"tollgates": [TG_A]}, **DAY}
    leg_b = {"place": {"tollgates": [TG_B]}, **DAY}
    assert set(_plates(c, "passes/then", {"a": leg_a, "b": leg_b, "within_minutes": 10})) == {"湘A33333"}
    assert set(_plates(c, "passes/then", {"a": leg_a, "b": leg_b, "within_minutes": 1})) == set()
    morning = {
        "place": {"tollgates": [TG_A]},
        "time_from": "2026-11-01T00:00:00",
        "time_to": "2026-11-01T12:00:00",
    }
    afternoon = {
        "place": {"tollgates": [TG_B]},
        "time_from": "2026-11-01T12:00:00",
        "time_to": "2026-11-02T00:00:00",
    }
    assert set(_plates(c, "passes/collision", {"areas": [morning, afternoon]})) == {"湘A22222"}
