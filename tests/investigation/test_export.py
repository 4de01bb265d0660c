"""Exports of feature-search results (CSV) and trajectories (CSV, GeoJSON): case, purpose,
permission, row bound and audit — through the API, on chdb."""

from __future__ import annotations

import csv
import io

import orjson
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
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
from xueliang.audit.models import AuditEntry
from xueliang.auth import service as auth
from xueliang.auth.models import Role, RolePermission
from xueliang.investigation import export

API = "/api/v1/investigation"
CASE = {"case_id": "A2026-001", "purpose": "证据材料导出"}
SEARCH = {"plate": "湘H12835", "descending": False}
URL_SEARCH = f"{API}/passes/search"


def _setup(
    app: FastAPI, client: TestClient, db: Session, roles: tuple[str, ...] = ("analyst", "admin")
) -> TestClient:
    add_tollgates(db)
    passes = [
        pass_(1, "湘H12835", "20261101080000", TG_A, VehicleColor="2"),
        pass_(2, "湘H12835", "20261101081000", TG_B, VehicleColor="2"),
        pass_(3, "湘H99835", "20261101090000", TG_A, VehicleColor="5"),
        pass_(4, "湘H12835", "20261101110000", TG_C, VehicleColor="2"),
    ]
    attach(app, store_with(passes))
    auth.ensure_builtin_roles(db=db)
    if db.get(Role, "searcher") is None:
        db.add(Role(name="searcher", permissions=[RolePermission(permission="plate.search")]))
        db.flush()
    user, c = analyst(client, db, roles=roles)
    make_case(db, user)
    db.commit()
    return c


def _csv(body: bytes) -> list[dict[str, str]]:
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def test_export_passes__csv_of_every_match_is_audited(app: FastAPI, client: TestClient, db: Session) -> None:
    c = _setup(app, client, db)
    r = c.post(f"{API}/passes/export", params=CASE, json={**SEARCH, "limit": 1})
    assert r.status_code == 200, r.text
    assert (
        r.headers["content-type"].startswith("text/csv")
        and "passes-A2026-001.csv" in r.headers["content-disposition"]
    )
    rows = _csv(r.content)
    assert [row["tollgate_id"] for row in rows] == [TG_A, TG_B, TG_C] and rows[0]["plate_no"] == "湘H12835"
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "investigation.export.passes")).one()
    assert entry.case_id == "A2026-001" and entry.result_count == 3 and entry.purpose == CASE["purpose"]
    assert "csv" in entry.request_summary and "湘H12835" in entry.request_summary


def test_export__refused_without_purpose_membership_or_permission(
    app: FastAPI, client: TestClient, db: Session
) -> None:
    c = _setup(app, client, db)
    assert c.post(f"{API}/passes/export", json=SEARCH).status_code == 400
    r = c.post(f"{API}/passes/export", params={"case_id": "A2026-001"}, json=SEARCH)
    assert r.status_code == 400 and r.json()["code"] == "audit.purpose_required"
    stranger = {"case_id": "B-999", "purpose": "证据材料导出"}
    r = c.post(f"{API}/trajectory/export", params=stranger, json={"plate": "湘H12835"})
    assert r.status_code == 403
    searcher, other = analyst(client, db, roles=("searcher",))  # plate.search without record.export
    make_case(db, searcher, number="A2026-002")
    db.commit()
    r = other.post(f"{API}/passes/export", params={**CASE, "case_id": "A2026-002"}, json=SEARCH)
    assert r.status_code == 403
    assert other.post(URL_SEARCH, params={**CASE, "case_id": "A2026-002"}, json=SEARCH).status_code == 200


def test_to_csv__formula_like_text_is_quoted() -> None:
    rows = _csv(export.to_csv(["plate", "speed"], [["=HYPERLINK(1)", -3], ["湘A1", 40]]))
    assert rows == [{"plate": "'=HYPERLINK(1)", "speed": "-3"}, {"plate": "湘A1", "speed": "40"}]


def test_export_passes__more_rows_than_allowed_is_400(app: FastAPI, client: TestClient, db: Session) -> None:
    c = _setup(app, client, db)
    app.state.settings = app.state.settings.model_copy(update={"investigation_export_max_rows": 2})
    r = c.post(f"{API}/passes/export", params=CASE, json=SEARCH)
    assert r.status_code == 400 and "narrow" in r.json()["hint"]
    r = c.post(f"{API}/trajectory/export", params=CASE, json={"plate": "湘H12835"})
    assert r.status_code == 400


def test_export_trajectory__csv_and_geojson(app: FastAPI, client: TestClient, db: Session) -> None:
    c = _setup(app, client, db)
    body = {"plate": "湘H12835", "gap_minutes": 60}
    r = c.post(f"{API}/trajectory/export", params=CASE, json=body)
    assert r.status_code == 200, r.text
    rows = _csv(r.content)
    assert [row["tollgate_id"] for row in rows] == [TG_A, TG_B, TG_C]
    assert rows[0]["longitude"] == "112.0" and [row["gap_before"] for row in rows] == [
        "False",
        "False",
        "True",
    ]
    r = c.post(f"{API}/trajectory/export", params={**CASE, "format": "geojson"}, json=body)
    assert r.status_code == 200 and r.headers["content-type"] == "application/geo+json"
    geo = orjson.loads(r.content)
    assert geo["type"] == "FeatureCollection" and geo["properties"]["passes"] == 3
    entries = db.scalars(
        select(AuditEntry).where(AuditEntry.action == "investigation.export.trajectory")
    ).all()
    assert [e.result_count for e in entries] == [3, 3] and "geojson" in entries[1].request_summary
