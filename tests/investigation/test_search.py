"""Cases, the case check, scope, feature search and trajectories through the API, on chdb."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.investigation.helpers import (
    DEV_A,
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
from xueliang.audit.models import AuditEntry
from xueliang.auth.enums import ScopeKind

URL = "/api/v1/investigation/passes/search"
CASE = {"case_id": "A2026-001", "purpose": "盗窃案侦查"}
WINDOW = {"time_from": "2026-11-01T00:00:00", "time_to": "2026-11-01T12:00:00"}


def _passes() -> list[dict[str, object]]:
    return [
        pass_(1, "湘H12835", "20261101080000", TG_A, VehicleColor="2", VehicleBrand="1"),
        pass_(2, "湘H12835", "20261101081000", TG_B, VehicleColor="2", VehicleBrand="1"),
        pass_(3, "湘H99835", "20261101090000", TG_A, VehicleColor="5", VehicleBrand="2"),
        pass_(4, "粤BH1283", "20261101093000", TG_C, VehicleColor="2", VehicleBrand="1"),
        pass_(5, "湘H12835", "20261101110000", TG_C, VehicleColor="2", VehicleBrand="1"),
    ]


def _setup(app: FastAPI, client: TestClient, db: Session, **kw: object) -> TestClient:
    add_tollgates(db)
    attach(app, store_with(_passes()))
    user, c = analyst(client, db, **kw)  # type: ignore[arg-type]
    make_case(db, user)
    db.commit()
    return c


def test_pass_search__missing_case_is_400_and_non_member_403(
    app: FastAPI, client: TestClient, db: Session
) -> None:
    c = _setup(app, client, db, scopes=((ScopeKind.region, "99"),))
    assert c.post(URL, json={"plate": "湘H12835"}).status_code == 400
    assert c.post(URL, params={"purpose": "侦查需要"}, json={"plate": "湘H12835"}).status_code == 400
    r = c.post(URL, params={"case_id": "B-999", "purpose": "侦查需要"}, json={"plate": "湘H12835"})
    assert r.status_code == 403


def test_pass_search__exact_plate_with_facets_is_audited(
    app: FastAPI, client: TestClient, db: Session
) -> None:
    c = _setup(app, client, db, roles=("analyst", "admin"))
    r = c.post(
        URL,
        params=CASE,
        json={"plate": "湘H12835", "facets": True, "sort": "event_time", "descending": False},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] == 3 and [i["tollgate_id"] for i in body["items"]] == [TG_A, TG_B, TG_C]
    assert {f["value"]: f["count"] for f in body["facets"]["tollgate_id"]} == {TG_A: 1, TG_B: 1, TG_C: 1}
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "investigation.search.passes")).one()
    assert entry.case_id == "A2026-001" and entry.result_count == 3 and "湘H12835" in entry.request_summary


def test_pass_search__wildcards_missing_province_and_colour(
    app: FastAPI, client: TestClient, db: Session
) -> None:
    c = _setup(app, client, db, roles=("analyst", "admin"))
    r = c.post(URL, params=CASE, json={"plate": "湘H*8?5", **WINDOW})
    assert {i["plate_no"] for i in r.json()["items"]} == {"湘H12835", "湘H99835"}
    r = c.post(URL, params=CASE, json={"plate": "H1283*", "vehicle_colors": ["2"], **WINDOW})
    assert {i["plate_no"] for i in r.json()["items"]} == {"湘H12835"}
    r = c.post(URL, params=CASE, json={"plate": "BH1283", "vehicle_brands": ["1"], **WINDOW})
    assert [i["plate_no"] for i in r.json()["items"]] == ["粤BH1283"]


def test_pass_search__too_broad_is_refused_with_hint(app: FastAPI, client: TestClient, db: Session) -> None:
    c = _setup(app, client, db, roles=("analyst", "admin"))
    for body in ({"plate": "*"}, {"plate": "湘*"}, {"vehicle_colors": ["2"]}, {"plate": "*835"}):
        r = c.post(URL, params=CASE, json=body)
        assert r.status_code == 400 and r.json()["hint"], (body, r.text)
    assert c.post(URL, params=CASE, json={"plate": "湘H;DROP"}).status_code == 422


def test_pass_search__polygon_picks_tollgates_inside(app: FastAPI, client: TestClient, db: Session) -> None:
    c = _setup(app, client, db, roles=("analyst", "admin"))
    square = [[111.99, 28.19], [112.015, 28.19], [112.015, 28.21], [111.99, 28.21]]
    r = c.post(URL, params=CASE, json={"place": {"polygon": square}, "vehicle_colors": ["2"], **WINDOW})
    assert r.status_code == 200, r.text
    assert {i["tollgate_id"] for i in r.json()["items"]} == {TG_A, TG_B}


def test_pass_search__scope_limits_to_visible_cameras(app: FastAPI, client: TestClient, db: Session) -> None:
    c = _setup(app, client, db, scopes=((ScopeKind.camera, DEV_A),))
    r = c.post(URL, params=CASE, json={"plate": "湘H12835"})
    assert r.status_code == 200 and [i["tollgate_id"] for i in r.json()["items"]] == [TG_A]


def test_trajectory__geojson_with_gap(app: FastAPI, client: TestClient, db: Session) -> None:
    c = _setup(app, client, db, roles=("analyst", "admin"))
    r = c.post("/api/v1/investigation/trajectory", params=CASE, json={"plate": "湘H12835", "gap_minutes": 60})
    assert r.status_code == 200, r.text
    features = r.json()["features"]
    kinds = [f["properties"]["kind"] for f in features]
    assert kinds.count("pass") == 3 and kinds.count("gap") == 1 and kinds.count("segment") == 2
    first = next(f for f in features if f["properties"]["kind"] == "segment")
    assert first["geometry"]["type"] == "LineString" and len(first["geometry"]["coordinates"]) == 2


def test_cases__create_list_members_and_non_member(app: FastAPI, client: TestClient, db: Session) -> None:
    user, c = analyst(client, db)
    r = c.post("/api/v1/investigation/cases", json={"number": "C-1", "title": "抢劫案"})
    assert r.status_code == 201 and r.json()["members"] == [user.id]
    assert c.post("/api/v1/investigation/cases", json={"number": "C-1", "title": "x"}).status_code == 409
    assert c.get("/api/v1/investigation/cases").json()["total"] == 1
    pk = r.json()["id"]
    assert (
        c.patch(f"/api/v1/investigation/cases/{pk}/status", json={"status": "closed"}).json()["status"]
        == "closed"
    )
    r = c.post(URL, params={"case_id": "C-1"}, json={"plate": "湘H12835"})
    assert r.status_code == 403
