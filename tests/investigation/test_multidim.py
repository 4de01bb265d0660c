"""多维搜车 combining image similarity with features and space-time: A then B looking like a reference
vehicle, and search by image filtered by vehicle features — through the API, on chdb + faiss."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.investigation.helpers import (
    TG_A,
    TG_B,
    add_tollgates,
    analyst,
    attach,
    make_case,
    pass_,
    store_with,
)
from xueliang.analytics.extractors import VEHICLE_DIM
from xueliang.audit.models import AuditEntry
from xueliang.investigation import matcher
from xueliang.investigation.embeddings import encode_feature, vectors_of
from xueliang.viewlib.schemas import RecordStored

CASE = {"case_id": "A2026-001", "purpose": "套牌车追查"}
API = "/api/v1/investigation"
DAY = {"time_from": "2026-11-01T00:00:00", "time_to": "2026-11-02T00:00:00"}
RNG = np.random.default_rng(11)
CAR = RNG.normal(size=VEHICLE_DIM).astype(np.float32)
WHITE, BLACK = "A", "J"


def _pass(serial: int, plate: str, stamp: str, tg: str, color: str, like: bool) -> dict[str, object]:
    vec = CAR + 0.2 * RNG.normal(size=VEHICLE_DIM) if like else RNG.normal(size=VEHICLE_DIM)
    info = {"Vendor": "t", "AlgorithmVersion": "t", "FeatureData": encode_feature(vec.astype(np.float32))}
    return pass_(serial, plate, stamp, tg, VehicleColor=color, FeatureInfoObject=info)


def _passes() -> list[dict[str, object]]:
    return [
        _pass(1, "湘A10001", "20261101080000", TG_A, WHITE, True),  # the answer
        _pass(2, "湘A10001", "20261101081000", TG_B, WHITE, True),
        _pass(3, "湘A10002", "20261101080000", TG_A, WHITE, False),  # white, A then B, looks different
        _pass(4, "湘A10002", "20261101081500", TG_B, WHITE, False),
        _pass(5, "湘A10003", "20261101080000", TG_A, BLACK, True),  # looks alike, black
        _pass(6, "湘A10003", "20261101081000", TG_B, BLACK, True),
        _pass(7, "湘A10004", "20261101080000", TG_A, WHITE, True),  # looks alike, B an hour later
        _pass(8, "湘A10004", "20261101090000", TG_B, WHITE, True),
    ]


def _client(app: FastAPI, client: TestClient, db: Session) -> TestClient:
    add_tollgates(db)
    passes = _passes()
    attach(app, store_with(passes))
    vectors = vectors_of(app.state)
    for p in passes:
        at = datetime.strptime(str(p["PassTime"]), "%Y%m%d%H%M%S").replace(tzinfo=ZoneInfo("Asia/Shanghai"))
        msg = RecordStored(
            kind="motor_vehicle",
            object_id=str(p["MotorVehicleID"]),
            device_id=str(p["DeviceID"]),
            event_time=at,
        )
        assert matcher.feed_vector(vectors=vectors, msg=msg, raw=p)
    user, c = analyst(client, db, roles=("analyst", "admin"))
    make_case(db, user)
    db.commit()
    return c


def _then(c: TestClient, **extra: object) -> dict[str, dict[str, object]]:
    legs = {
        "a": {"place": {"tollgates": [TG_A]}, "vehicle_colors": [WHITE], **DAY},
        "b": {"place": {"tollgates": [TG_B]}, **DAY},
    }
    r = c.post(f"{API}/passes/then", params=CASE, json={**legs, "within_minutes": 30, **extra})
    assert r.status_code == 200, r.text
    return {h["plate_no"]: h["detail"] for h in r.json()}


def _ref() -> str:
    return str(_passes()[0]["MotorVehicleID"])


def test_then_search__looking_like_white_a_then_b_within_30_minutes(
    app: FastAPI, client: TestClient, db: Session
) -> None:
    c = _client(app, client, db)
    assert set(_then(c)) == {"湘A10001", "湘A10002"}
    like = {"probe": {"record_id": _ref()}, "min_score": 0.7}
    found = _then(c, like=like)
    assert set(found) == {"湘A10001"}
    detail = found["湘A10001"]
    assert float(detail["score_a"]) > 0.9 and float(detail["score_b"]) > 0.7  # type: ignore[arg-type]
    assert detail["id_a"] == _ref() and detail["at_b"] > detail["at_a"]  # type: ignore[operator]
    assert set(_then(c, like={**like, "legs": "b"})) == {"湘A10001"}
    entry = db.scalars(
        select(AuditEntry).where(AuditEntry.action == "investigation.search.then").order_by(AuditEntry.id)
    ).all()[1]
    assert entry.case_id == "A2026-001" and entry.result_count == 1 and _ref() in entry.request_summary


def test_then_search__like_needs_record_search_and_a_visible_probe(
    app: FastAPI, client: TestClient, db: Session
) -> None:
    c = _client(app, client, db)
    legs = {"a": {"place": {"tollgates": [TG_A]}, **DAY}, "b": {"place": {"tollgates": [TG_B]}, **DAY}}
    r = c.post(f"{API}/passes/then", params=CASE, json={**legs, "like": {"probe": {"record_id": "1" * 48}}})
    assert r.status_code == 404
    r = c.post(f"{API}/passes/then", json={**legs, "like": {"probe": {"record_id": _ref()}}})
    assert r.status_code == 400


def test_image_search__features_filter_the_similar_captures(
    app: FastAPI, client: TestClient, db: Session
) -> None:
    c = _client(app, client, db)
    body: dict[str, object] = {"probe": {"record_id": _ref()}, "k": 10, "min_score": 0.7, **DAY}
    r = c.post(f"{API}/images/search", params=CASE, json=body)
    assert r.status_code == 200, r.text
    assert {i["plate_no"] for i in r.json()["items"]} == {"湘A10001", "湘A10003", "湘A10004"}
    body["features"] = {"vehicle_colors": [WHITE], "plate": "湘A*4"}
    r = c.post(f"{API}/images/search", params=CASE, json=body)
    assert r.status_code == 200, r.text
    assert [i["plate_no"] for i in r.json()["items"]] == ["湘A10004", "湘A10004"]
    body["place"] = {"tollgates": [TG_B]}
    assert len(c.post(f"{API}/images/search", params=CASE, json=body).json()["items"]) == 1
    r = c.post(f"{API}/images/search", params=CASE, json={**body, "kind": "face"})
    assert r.status_code == 422
