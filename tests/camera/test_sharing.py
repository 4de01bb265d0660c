from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.camera.conftest import FACE, LEGACY, ORDINARY, SOCIAL
from tests.factories import login, make_user
from xueliang.auth.models import OrgUnit
from xueliang.camera.importer import Options
from xueliang.camera.models import Grant
from xueliang.camera.sim_import import import_path
from xueliang.core.db import utcnow

PEERS, GRANTS, SYNC = "/api/v1/sharing/peers", "/api/v1/sharing/grants", "/api/v1/sharing/catalog"
PLATFORM = "99010000002000000001"


def _import(db: Session, city_dir: Path) -> None:
    import_path(db=db, path=city_dir, options=Options(key="k" * 64))
    db.commit()


def test_peer__token_syncs_only_granted_catalog(
    admin_client: TestClient, db: Session, city_dir: Path
) -> None:
    _import(db, city_dir)
    created = admin_client.post(PEERS, json={"platform_id": PLATFORM, "name": "综治平台", "kind": "sub"})
    assert created.status_code == 201, created.text
    token = created.json()["token"]
    grant = {"peer_platform_id": PLATFORM, "channel_id": FACE, "rights": ["live", "snapshot"]}
    assert admin_client.post(GRANTS, json=grant).status_code == 201
    region = {"peer_platform_id": PLATFORM, "region_code": "990102", "rights": ["playback"]}
    assert admin_client.post(GRANTS, json=region).status_code == 201
    peer = TestClient(admin_client.app, headers={"Authorization": f"Bearer {token}"})
    items = {i["channel"]["channel_id"]: i["rights"] for i in peer.get(SYNC).json()["items"]}
    assert items == {FACE: ["live", "snapshot"], SOCIAL: ["playback"]}
    assert peer.get(f"/api/v1/cameras/{ORDINARY}").status_code == 403


def test_grant__department_grant_stops_at_validity_end(
    client: TestClient, db: Session, city_dir: Path
) -> None:
    _import(db, city_dir)
    unit = db.scalar(select(OrgUnit).where(OrgUnit.code == "P02003"))
    assert unit is not None
    user = make_user(db, roles=("operator",), org_unit_id=unit.id)
    grant = Grant(
        org_unit_id=unit.parent_id,
        channel_pk=None,
        region_code="990101",
        rights="live",
        valid_until=utcnow() + timedelta(hours=1),
    )
    db.add(grant)
    db.commit()
    login(client, user.username)
    assert {c["channel_id"] for c in client.get("/api/v1/cameras").json()["items"]} >= {FACE, LEGACY}
    grant.valid_until = utcnow() - timedelta(seconds=1)
    db.commit()
    assert client.get("/api/v1/cameras").json()["total"] == 0
    assert client.get(f"/api/v1/cameras/{FACE}").status_code == 403


def test_create_grant__needs_one_grantee_and_one_target(
    admin_client: TestClient, db: Session, city_dir: Path
) -> None:
    _import(db, city_dir)
    both = {"org_unit_id": 1, "peer_platform_id": PLATFORM, "channel_id": FACE, "rights": ["live"]}
    assert admin_client.post(GRANTS, json=both).status_code == 422
    unit = db.scalar(select(OrgUnit.id).where(OrgUnit.code == "D0001"))
    none = {"org_unit_id": unit, "rights": ["live"]}
    assert "exactly one" in admin_client.post(GRANTS, json=none).json()["detail"]
    bad_right = {"org_unit_id": unit, "channel_id": FACE, "rights": ["delete"]}
    assert admin_client.post(GRANTS, json=bad_right).status_code == 422
    ok = admin_client.post(GRANTS, json={"org_unit_id": unit, "channel_id": FACE, "rights": ["live"]})
    revoked = admin_client.delete(f"{GRANTS}/{ok.json()['id']}")
    assert revoked.json()["revoked_at"] is not None
    assert admin_client.get(GRANTS, params={"active": True}).json() == []


def test_create_peer__platform_id_type_200(admin_client: TestClient) -> None:
    response = admin_client.post(
        PEERS, json={"platform_id": "99010000001320000001", "name": "x", "kind": "sub"}
    )
    assert response.status_code == 422 and "200" in response.json()["detail"]
