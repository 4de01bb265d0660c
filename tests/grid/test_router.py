"""The grid API: scopes, masked residents, purpose, unmask, export watermark, client whitelists."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.factories import login, make_user
from xueliang.audit.models import AuditEntry
from xueliang.auth import service as auth_service
from xueliang.auth.enums import ScopeKind
from xueliang.grid.models import Grid, HousingUnit, Resident

PURPOSE = {"purpose": "household visit check"}


def _grids(db: Session) -> list[Grid]:
    return list(db.scalars(select(Grid).order_by(Grid.code)))


def _worker(client: TestClient, db: Session, grid: Grid) -> TestClient:
    user = make_user(db, roles=("grid_worker",), scopes=((ScopeKind.grid, grid.code),))
    db.commit()
    return login(client, user.username)


def _admin(client: TestClient, db: Session) -> TestClient:
    user = make_user(db, roles=("admin",))
    db.commit()
    return login(client, user.username)


def test_grids__worker_sees_only_own_grid(city_client: TestClient, city_db: Session) -> None:
    mine, other = _grids(city_db)[:2]
    client = _worker(city_client, city_db, mine)
    listed = client.get("/api/v1/grid/grids").json()
    assert [g["code"] for g in listed["items"]] == [mine.code]
    detail = client.get(f"/api/v1/grid/grids/{mine.id}").json()
    assert detail["counts"]["buildings"] > 0
    assert detail["counts"]["residents"] > 0
    assert client.get(f"/api/v1/grid/grids/{other.id}").status_code == 403
    assert client.get(f"/api/v1/grid/grids/{other.id}/buildings").status_code == 403


def test_grids__detail_members_and_buildings(city_client: TestClient, city_db: Session) -> None:
    client = _admin(city_client, city_db)
    grid = _grids(city_db)[0]
    detail = client.get(f"/api/v1/grid/grids/{grid.id}").json()
    assert detail["members"]
    assert detail["members"][0]["username"].startswith("gr")
    buildings = client.get(f"/api/v1/grid/grids/{grid.id}/buildings", params={"limit": 2}).json()
    assert buildings["total"] == detail["counts"]["buildings"]
    unit = city_db.scalars(select(HousingUnit).where(HousingUnit.grid_id == grid.id)).first()
    assert unit is not None
    one = client.get(f"/api/v1/grid/buildings/{unit.building_id}").json()
    assert unit.id in [u["id"] for u in one["housing_units"]]
    assert client.get("/api/v1/grid/buildings/999999999").status_code == 404
    regions = client.get("/api/v1/grid/regions").json()
    assert regions[0]["level"] == "city"


def test_residents__purpose_required_and_masked(city_client: TestClient, city_db: Session) -> None:
    grid = _grids(city_db)[0]
    client = _worker(city_client, city_db, grid)
    assert client.get("/api/v1/grid/residents").status_code == 400
    page = client.get("/api/v1/grid/residents", params=PURPOSE).json()
    assert page["total"] > 0
    assert {r["grid_id"] for r in page["items"]} == {grid.id}
    assert all("*" in r["id_number"] for r in page["items"] if r["id_number"])
    entry = city_db.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry is not None
    assert (entry.action, entry.purpose) == ("grid.resident.search", PURPOSE["purpose"])


def test_residents__search_by_id_number(city_client: TestClient, city_db: Session, tiny_city: object) -> None:
    import csv
    from pathlib import Path

    with (Path(str(tiny_city)) / "persons.csv").open(encoding="utf-8") as handle:
        person = next(csv.DictReader(handle))
    client = _admin(city_client, city_db)
    found = client.get("/api/v1/grid/residents", params={**PURPOSE, "id_number": person["id_number"]}).json()
    assert [r["id"] for r in found["items"]] == [int(person["person_id"])]
    assert found["items"][0]["name"] == person["name"]


def test_unmask__needs_permission_and_is_audited(city_client: TestClient, city_db: Session) -> None:
    grid = _grids(city_db)[0]
    resident = city_db.scalars(select(Resident).where(Resident.grid_id == grid.id)).first()
    assert resident is not None
    worker = _worker(city_client, city_db, grid)
    url = f"/api/v1/grid/residents/{resident.id}/unmask"
    assert worker.post(url, params=PURPOSE, json={"fields": ["id_number"]}).status_code == 403
    worker.post("/api/v1/auth/logout")
    admin = _admin(city_client, city_db)
    assert admin.post(url, json={"fields": ["id_number"]}).status_code == 400
    assert admin.post(url, params=PURPOSE, json={"fields": ["secret"]}).status_code == 422
    clear = admin.post(url, params=PURPOSE, json={"fields": ["id_number", "phone"]}).json()
    assert len(clear["id_number"]) == 18
    assert clear["id_number"][:3] + "*" * 11 + clear["id_number"][-4:] == resident.id_no_masked
    actions = city_db.scalars(select(AuditEntry.action).order_by(AuditEntry.id.desc()).limit(1)).all()
    assert actions == ["grid.resident.unmask"]


def test_export__watermarked_and_audited(city_client: TestClient, city_db: Session) -> None:
    grid = _grids(city_db)[0]
    client = _worker(city_client, city_db, grid)
    response = client.get("/api/v1/grid/residents/export.csv", params={**PURPOSE, "grid_id": grid.id})
    assert response.status_code == 200
    lines = response.text.splitlines()
    assert lines[0].startswith("# 导出 exported by u")
    assert "household visit check" in lines[0]
    assert lines[1].startswith("id,name,")
    entry = city_db.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry is not None
    assert (entry.action, entry.result_count) == ("grid.resident.export", len(lines) - 2)


def test_clients__field_whitelist(city_client: TestClient, city_db: Session) -> None:
    bureau = make_user(city_db, roles=("grid_worker",), scopes=((ScopeKind.region, "9901"),))
    bureau.is_service = True
    _, token = auth_service.create_api_token(db=city_db, user=bureau, name="civil affairs", expires_at=None)
    city_db.commit()
    headers = {"Authorization": f"Bearer {token}"}
    default = city_client.get("/api/v1/grid/residents", params=PURPOSE, headers=headers).json()["items"][0]
    assert default["name"] is None
    assert default["id"] is not None
    admin = _admin(city_client, city_db)
    url = f"/api/v1/grid/clients/{bureau.username}/fields"
    assert admin.put(url, json={"fields": ["nope"]}).status_code == 422
    assert admin.put(url, json={"fields": ["id", "name"]}).json()["fields"] == ["id", "name"]
    admin.post("/api/v1/auth/logout")
    admin.cookies.clear()
    shared = city_client.get("/api/v1/grid/residents", params=PURPOSE, headers=headers).json()["items"][0]
    assert shared["name"] is not None
    assert shared["grid_id"] is None
