"""Cameras of a grid and the map's camera layer: only what camera.access lets the caller see."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.factories import login, make_user
from xueliang.auth.enums import ScopeKind
from xueliang.camera.models import Channel
from xueliang.grid.models import Grid


def _setup(db: Session) -> tuple[Grid, Grid, dict[str, Channel]]:
    mine, other = list(db.scalars(select(Grid).order_by(Grid.code)))[:2]
    lon, lat = mine.geom.representative_point().coords[0]
    community = mine.code[:12]
    channels = {
        "in_scope": Channel(
            channel_id="43010200001310000001", name="A gate", kind="ordinary", region_code=community,
            grid_code=mine.code, longitude=lon, latitude=lat, is_public=True,
        ),
        "out_of_scope": Channel(
            channel_id="43010200001310000002", name="B lobby", kind="ordinary", region_code="999999999999",
            grid_code=mine.code, longitude=lon, latitude=lat,
        ),
        "unlocated": Channel(
            channel_id="43010200001310000003", name="C yard", kind="ordinary", region_code=community,
            grid_code=mine.code,
        ),
    }  # fmt: skip
    db.add_all(channels.values())
    db.commit()
    return mine, other, channels


Scopes = tuple[tuple[ScopeKind, str], ...]


def _client(client: TestClient, db: Session, roles: tuple[str, ...], scopes: Scopes) -> TestClient:
    user = make_user(db, roles=roles, scopes=scopes)
    db.commit()
    return login(client, user.username)


def test_cameras__grid_list_is_scoped_by_camera_access(city_client: TestClient, city_db: Session) -> None:
    mine, other, channels = _setup(city_db)
    client = _client(city_client, city_db, ("operator",), ((ScopeKind.region, mine.code[:12]),))
    listed = client.get(f"/api/v1/grid/grids/{mine.id}/cameras").json()
    assert [c["channel_id"] for c in listed] == [
        channels["in_scope"].channel_id,
        channels["unlocated"].channel_id,
    ]
    assert listed[0]["is_public"] is True
    if other.code[:12] != mine.code[:12]:
        assert client.get(f"/api/v1/grid/grids/{other.id}/cameras").status_code in (403, 404)


def test_cameras__map_layer_only_visible_located_cameras(city_client: TestClient, city_db: Session) -> None:
    mine, _, channels = _setup(city_db)
    client = _client(city_client, city_db, ("operator",), ((ScopeKind.region, mine.code[:12]),))
    layer = client.get("/api/v1/grid/map/cameras").json()
    assert layer["type"] == "FeatureCollection"
    assert [f["properties"]["channel_id"] for f in layer["features"]] == [channels["in_scope"].channel_id]
    feature = layer["features"][0]
    assert feature["geometry"]["type"] == "Point"
    assert feature["id"] == channels["in_scope"].id
    admin = _client(city_client, city_db, ("admin",), ())
    seen = {f["properties"]["channel_id"] for f in admin.get("/api/v1/grid/map/cameras").json()["features"]}
    assert seen == {channels["in_scope"].channel_id, channels["out_of_scope"].channel_id}


def test_cameras__need_camera_read(city_client: TestClient, city_db: Session) -> None:
    mine, _, _ = _setup(city_db)
    worker = _client(city_client, city_db, ("grid_worker",), ((ScopeKind.grid, mine.code),))
    assert worker.get("/api/v1/grid/map/cameras").status_code == 403
    assert worker.get(f"/api/v1/grid/grids/{mine.id}/cameras").status_code == 403
