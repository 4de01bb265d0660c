"""The incident API: intake (422 without location, photos), hotline idempotency and Excel import,
actions (409 with allowed actions), detail and notifications."""

from __future__ import annotations

from io import BytesIO

from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlalchemy.orm import Session

from tests.factories import login, make_user
from tests.incident.conftest import World
from xueliang.auth import service as auth_service

BASE = "/api/v1/incidents"
REPORT = {
    "category_code": "road.pothole",
    "description": "井盖缺失",
    "location": {"lon": 112.98, "lat": 28.19},
}


def _bearer(db: Session, roles: tuple[str, ...], org: int | None = None) -> dict[str, str]:
    user = make_user(db, roles=roles, org_unit_id=org)
    _row, token = auth_service.create_api_token(db=db, user=user, name="t", expires_at=None)
    return {"Authorization": f"Bearer {token}"}


def test_router_report__location_required_photos_and_duplicates(
    incident_app: FastAPI, client: TestClient, db: Session, world: World
) -> None:
    worker = _bearer(db, ("grid_worker",))
    db.commit()
    body = {k: v for k, v in REPORT.items() if k != "location"}
    response = client.post(BASE, json=body, headers=worker)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "location"
    assert client.post(BASE, json={**REPORT, "photos": ["0" * 64]}, headers=worker).status_code == 422
    sha = client.post(f"{BASE}/uploads", content=b"\xff\xd8jpeg", headers=worker).json()["sha256"]
    first = client.post(BASE, json={**REPORT, "photos": [sha]}, headers=worker)
    assert first.status_code == 201, first.text
    detail = first.json()
    assert detail["grid_code"] == "430102001001001" and detail["photos"] == [sha]
    assert detail["allowed_actions"] == ["self_handle"] and detail["stages"][0]["due"] is not None
    second = client.post(BASE, json={**REPORT, "location": {"lon": 112.9805, "lat": 28.19}}, headers=worker)
    assert second.json()["duplicates"] == [detail["id"]]
    assert client.post(BASE, json={**REPORT, "category_code": "nope"}, headers=worker).status_code == 422


def test_router_hotline__idempotent_by_order_number_and_reporter_masked(
    incident_app: FastAPI, client: TestClient, db: Session, world: World
) -> None:
    hotline = _bearer(db, ("dispatcher",))
    db.commit()
    order = {
        "order_no": "12345-2026-0001",
        "category_code": "consult",
        "description": "咨询社保",
        "contact_name": "张三丰",
        "contact_phone": "13812345678",
    }
    first = client.post(f"{BASE}/hotline", json=order, headers=hotline)
    again = client.post(f"{BASE}/hotline", json=order, headers=hotline)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert first.json()["reporter_phone_masked"] == "138****5678"
    assert first.json()["reporter_name_masked"] == "张**"
    assert "13812345678" not in first.text and "张三丰" not in first.text


def test_router_hotline__excel_import(
    incident_app: FastAPI, client: TestClient, db: Session, world: World
) -> None:
    hotline = _bearer(db, ("dispatcher",))
    db.commit()
    book = Workbook()
    sheet = book.active
    sheet.append(["工单编号", "工单类别", "紧急程度", "问题描述", "经度", "纬度", "联系电话"])
    sheet.append(["H-1", "road.pothole", "紧急", "路面塌陷", 112.9, 28.2, 13900000000])
    sheet.append(["H-2", "consult", "一般", "咨询", None, None, None])
    sheet.append(["H-3", "road.pothole", "一般", None, None, None, None])  # no description
    sheet.append(["H-1", "road.pothole", "紧急", "路面塌陷", 112.9, 28.2, None])  # repeated
    buffer = BytesIO()
    book.save(buffer)
    result = client.post(f"{BASE}/hotline/import", content=buffer.getvalue(), headers=hotline).json()
    assert (result["created"], result["existing"]) == (2, 1)
    assert len(result["errors"]) == 1 and result["errors"][0].startswith("row 4")
    assert client.post(f"{BASE}/hotline/import", content=b"not excel", headers=hotline).status_code == 422


def test_router_actions__409_lists_allowed_and_flow_runs(
    incident_app: FastAPI, client: TestClient, db: Session, world: World
) -> None:
    worker = _bearer(db, ("grid_worker",))
    dispatcher = _bearer(db, ("dispatcher",))
    handler_user = make_user(db, roles=("department_handler",), org_unit_id=world.department_id)
    db.commit()
    incident_id = client.post(BASE, json=REPORT, headers=worker).json()["id"]
    conflict = client.post(f"{BASE}/{incident_id}/actions/sign", headers=dispatcher)
    assert conflict.status_code in (403, 409)
    refused = client.post(f"{BASE}/{incident_id}/actions/dispatch", headers=dispatcher)
    assert refused.status_code == 409
    assert set(refused.json()["allowed"]) >= {"accept", "reject"} and refused.json()["state"] == "reported"
    assert client.post(f"{BASE}/{incident_id}/actions/fly", headers=dispatcher).status_code == 422
    assert client.post(f"{BASE}/{incident_id}/actions/accept", headers=dispatcher).status_code == 200
    done = client.post(f"{BASE}/{incident_id}/actions/dispatch", json={"opinion": "go"}, headers=dispatcher)
    assert done.json()["state"] == "dispatched" and done.json()["department_id"] == world.department_id
    handler = login(client, handler_user.username)
    assert handler.get(f"{BASE}/notifications").json()[0]["kind"] == "dispatch"
    assert handler.get(BASE).json()["total"] == 1
    assert "sign" in handler.get(f"{BASE}/{incident_id}").json()["allowed_actions"]
    assert client.get(f"{BASE}/999999", headers=worker).status_code == 404
    timeline = client.get(f"{BASE}/{incident_id}", headers=dispatcher).json()["timeline"]
    assert [e["action"] for e in timeline] == ["create", "accept", "dispatch"]


def test_router_rules__categories_routing_time_limits(
    incident_app: FastAPI, client: TestClient, db: Session, world: World
) -> None:
    dispatcher = _bearer(db, ("dispatcher",))
    db.commit()
    rule = {
        "category_code": "road.pothole",
        "region_prefix": "430102",
        "org_unit_id": world.other_department_id,
    }
    assert client.put(f"{BASE}/routing-rules", json=rule, headers=dispatcher).status_code == 200
    limit = {
        "category": "road.pothole",
        "urgency": "*",
        "stage": "handle",
        "amount": 2,
        "unit": "working_days",
    }
    assert client.put(f"{BASE}/time-limits", json=limit, headers=dispatcher).status_code == 200
    rules = client.get(f"{BASE}/time-limits", headers=dispatcher).json()
    assert {
        "category": "road.pothole",
        "urgency": "*",
        "stage": "handle",
        "amount": 2.0,
        "unit": "working_days",
    } in rules
    category = {"code": "tree.fallen", "name": "树木倒伏", "kind": "city_management"}
    assert client.put(f"{BASE}/categories", json=category, headers=dispatcher).status_code == 200
    assert "tree.fallen" in [c["code"] for c in client.get(f"{BASE}/categories", headers=dispatcher).json()]
    bad = {**limit, "unit": "fortnights"}
    assert client.put(f"{BASE}/time-limits", json=bad, headers=dispatcher).status_code == 422


def test_router_inbox_filters_map_layer_and_photos(
    incident_app: FastAPI, client: TestClient, db: Session, world: World
) -> None:
    worker = _bearer(db, ("grid_worker",))
    dispatcher = _bearer(db, ("dispatcher",))
    outsider = _bearer(db, ("department_handler",), world.other_department_id)
    db.commit()
    jpeg = b"\xff\xd8\xff\xe0photo"
    sha = client.post(f"{BASE}/uploads", content=jpeg, headers=worker).json()["sha256"]
    first = client.post(BASE, json={**REPORT, "photos": [sha], "title": "井盖"}, headers=worker).json()
    second = client.post(BASE, json={**REPORT, "description": "路灯不亮"}, headers=worker).json()
    client.post(f"{BASE}/{first['id']}/actions/accept", headers=dispatcher)
    client.post(f"{BASE}/{first['id']}/actions/supervise", json={"opinion": "快"}, headers=dispatcher)

    def ids(**query: object) -> list[int]:
        page = client.get(BASE, params=query, headers=dispatcher).json()
        return [item["id"] for item in page["items"]]

    assert ids(q="路灯") == [second["id"]] and ids(q=str(first["id"])) == [first["id"]]
    assert ids(q="井盖") == [first["id"]]
    assert ids(supervised=True) == [first["id"]] and ids(alert=1) == []
    assert client.get(BASE, params={"alert": 9}, headers=dispatcher).status_code == 422

    layer = client.get(f"{BASE}/geojson", headers=dispatcher).json()
    assert layer["type"] == "FeatureCollection" and len(layer["features"]) == 2
    feature = next(f for f in layer["features"] if f["id"] == first["id"])
    assert feature["geometry"] == {"type": "Point", "coordinates": [112.98, 28.19]}
    assert feature["properties"]["state"] == "accepted"
    assert client.get(f"{BASE}/geojson", headers=outsider).json()["features"] == []

    photo = client.get(f"{BASE}/{first['id']}/photos/{sha}", headers=dispatcher)
    assert photo.status_code == 200 and photo.content == jpeg
    assert photo.headers["content-type"] == "image/jpeg"
    assert client.get(f"{BASE}/{second['id']}/photos/{sha}", headers=dispatcher).status_code == 404
    assert client.get(f"{BASE}/{first['id']}/photos/{sha}", headers=outsider).status_code == 404
