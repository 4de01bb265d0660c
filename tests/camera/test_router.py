from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.camera.conftest import FACE, ORDINARY, SOCIAL
from tests.factories import login, make_user
from xueliang.auth.enums import ScopeKind
from xueliang.auth.principal import Principal
from xueliang.camera.importer import Options
from xueliang.camera.sim_import import import_path

URL = "/api/v1/cameras"


def _import(db: Session, city_dir: Path) -> None:
    import_path(db=db, path=city_dir, options=Options(key="k" * 64))
    db.commit()


def test_create_camera__invalid_id_422_names_rule(admin_client: TestClient) -> None:
    response = admin_client.post(URL, json={"channel_id": "4301020000132000001", "name": "x"})
    assert response.status_code == 422
    assert "exactly 20 digits" in response.json()["detail"]
    response = admin_client.post(URL, json={"channel_id": "43010200009990000001", "name": "x"})
    assert response.status_code == 422 and "type code" in response.json()["detail"]
    assert admin_client.get(f"{URL}/12ab").status_code == 422


def test_create_camera__stream_url_never_echoed(admin_client: TestClient) -> None:
    body = {
        "channel_id": "43010200001320000001",
        "name": "东门",
        "main_stream_url": "rtsp://admin:pw@10.0.0.1/1",
    }
    created = admin_client.post(URL, json=body)
    assert created.status_code == 201, created.text
    assert "rtsp" not in created.text and created.json()["has_main_stream"] is True
    detail = admin_client.get(f"{URL}/43010200001320000001")
    assert detail.status_code == 200 and "pw@" not in detail.text
    assert admin_client.post(URL, json=body).status_code == 409
    patched = admin_client.patch(f"{URL}/43010200001320000001", json={"name": "东门2", "is_public": True})
    assert patched.json()["name"] == "东门2" and patched.json()["is_public"] is True


def test_list_cameras__search_filter_and_paging(
    admin_client: TestClient, db: Session, city_dir: Path
) -> None:
    _import(db, city_dir)
    page = admin_client.get(URL, params={"limit": 2}).json()
    assert page["total"] == 5 and len(page["items"]) == 2
    assert [c["channel_id"] for c in admin_client.get(URL, params={"q": "商场"}).json()["items"]] == [SOCIAL]
    assert admin_client.get(URL, params={"owner": "social"}).json()["total"] == 1
    assert admin_client.get(URL, params={"region": "990101"}).json()["total"] == 4
    assert admin_client.get(URL, params={"limit": 0}).status_code == 422


def test_list_cameras__region_and_camera_scopes(client: TestClient, db: Session, city_dir: Path) -> None:
    _import(db, city_dir)
    scopes = ((ScopeKind.region, "990102"), (ScopeKind.camera, FACE))
    user = make_user(db, roles=("operator",), scopes=scopes)
    db.commit()
    login(client, user.username)
    ids = {c["channel_id"] for c in client.get(URL).json()["items"]}
    assert ids == {SOCIAL, FACE}
    assert client.get(f"{URL}/{ORDINARY}").status_code == 403
    assert client.get(f"{URL}/{SOCIAL}").status_code == 200


def test_catalog__region_levels_and_departments(
    admin_client: TestClient, db: Session, city_dir: Path
) -> None:
    _import(db, city_dir)
    districts = admin_client.get(f"{URL}/catalog/regions").json()
    assert [(d["key"], d["total"]) for d in districts] == [("990101000000", 4), ("990102000000", 1)]
    towns = admin_client.get(f"{URL}/catalog/regions", params={"parent": "990101000000"}).json()
    assert [(t["key"], t["kind"]) for t in towns] == [("990101001000", "town")]
    tree = admin_client.get(f"{URL}/catalog/departments").json()
    city_police = next(n for n in tree if n["name"] == "市公安局")
    assert city_police["total"] == 4 and {c["name"] for c in city_police["children"]} >= {"一区一街派出所"}


def test_catalog__business_group_nodes(admin_client: TestClient, db: Session, city_dir: Path) -> None:
    _import(db, city_dir)
    node = {"node_id": "99010100002150000001", "name": "重点部位", "kind": "business_group"}
    assert admin_client.post(f"{URL}/catalog/nodes", json=node).status_code == 201
    bad = {**node, "node_id": "99010100002160000001"}
    assert "215" in admin_client.post(f"{URL}/catalog/nodes", json=bad).json()["detail"]
    members = admin_client.post(
        f"{URL}/catalog/nodes/{node['node_id']}/members", json={"channel_ids": [FACE, SOCIAL]}
    )
    assert members.json() == {"added": 2}
    listed = admin_client.get(f"{URL}/catalog/nodes/{node['node_id']}/cameras").json()
    assert {c["channel_id"] for c in listed} == {FACE, SOCIAL}
    tree = admin_client.get(f"{URL}/catalog/departments").json()
    assert any(n["key"] == node["node_id"] and n["total"] == 2 for n in tree)


def test_export__streams_csv(admin_client: TestClient, db: Session, city_dir: Path) -> None:
    _import(db, city_dir)
    response = admin_client.get(f"{URL}/export", params={"format": "csv"})
    assert response.status_code == 200 and response.text.count("\n") == 6
    assert "rtsp" not in response.text
    assert Principal.system().sees_everything
