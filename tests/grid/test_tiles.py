"""Vector tiles through the API: layers, zoom gating, bad requests, both sources agree."""

from __future__ import annotations

import mapbox_vector_tile
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.factories import login, make_user
from xueliang.gis.mvt import lonlat_to_tile_px
from xueliang.grid.models import Building
from xueliang.grid.tiles import MemoryTiles, PostgisTiles, TileService


def _tile_of(db: Session, z: int) -> tuple[int, int]:
    import numpy as np

    from xueliang.grid.tiles import _tile_xy

    building = db.scalars(select(Building).order_by(Building.id)).first()
    assert building is not None
    tx, ty = _tile_xy(np.array([building.lon]), np.array([building.lat]), z)
    return int(tx[0]), int(ty[0])


def _client(client: TestClient, db: Session) -> TestClient:
    user = make_user(db, roles=("operator",))
    db.commit()
    return login(client, user.username)


def test_tiles__layers_and_zoom_gating(city_client: TestClient, city_db: Session) -> None:
    x, y = _tile_of(city_db, 15)
    client = _client(city_client, city_db)
    response = client.get(f"/api/v1/tiles/buildings/15/{x}/{y}.mvt")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    features = mapbox_vector_tile.decode(response.content)["buildings"]["features"]
    assert features
    assert set(features[0]["properties"]) == {"floors", "use"}
    x12, y12 = _tile_of(city_db, 12)
    assert client.get(f"/api/v1/tiles/buildings/12/{x12}/{y12}.mvt").content == b""
    grids = mapbox_vector_tile.decode(client.get(f"/api/v1/tiles/grids/12/{x12}/{y12}.mvt").content)
    assert grids["grids"]["features"][0]["properties"]["code"]
    assert client.get("/api/v1/tiles/residents/15/1/1.mvt").status_code == 404
    assert client.get("/api/v1/tiles/grids/3/9/9.mvt").status_code == 404
    assert client.get("/api/v1/tiles/grids/x/1/1.mvt").status_code == 422


def test_tiles__login_required(city_client: TestClient) -> None:
    assert city_client.get("/api/v1/tiles/grids/10/1/1.mvt").status_code == 401


def test_tiles__cached_until_registry_changes(city_db: Session) -> None:
    conn = city_db.connection()
    service = TileService(postgres=False, source="memory", cache_size=8)
    x, y = _tile_of(city_db, 14)
    first = service.tile(conn, "buildings", 14, x, y)
    assert service.tile(conn, "buildings", 14, x, y) is first


def test_tiles__memory_and_postgis_agree(city_db: Session, backend: str) -> None:
    conn = city_db.connection()
    x, y = _tile_of(city_db, 14)
    memory = mapbox_vector_tile.decode(MemoryTiles(conn).tile(conn, "buildings", 14, x, y))["buildings"][
        "features"
    ]
    ids = {f["id"] for f in memory}
    assert ids
    if backend == "postgres":
        postgis = mapbox_vector_tile.decode(PostgisTiles().tile(conn, "buildings", 14, x, y))["buildings"][
            "features"
        ]
        assert {f["id"] for f in postgis} == ids


def test_mvt__pixel_transform_corners() -> None:
    import numpy as np

    from xueliang.gis.mvt import tile_bounds

    west, south, east, north = tile_bounds(10, 830, 420)
    px = lonlat_to_tile_px(np.array([[west, north], [east, south]]), 10, 830, 420)
    assert px.tolist() == [[0, 0], [4096, 4096]]


def test_tiles__changed_registry_reindexed_in_background(
    city_db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    from xueliang.grid import tiles as tiles_module

    conn = city_db.connection()
    service = TileService(postgres=False, source="memory", cache_size=8)
    x, y = _tile_of(city_db, 14)
    first = service.tile(conn, "buildings", 14, x, y)
    old_source = service._source
    monkeypatch.setattr(tiles_module, "RECHECK_SECONDS", -1.0)
    monkeypatch.setattr(TileService, "_registry_signature", staticmethod(lambda conn: ("changed",)))
    assert service.tile(conn, "buildings", 14, x, y) == first  # answered by the old index meanwhile
    rebuilding = service.rebuilding
    assert rebuilding is not None
    rebuilding.join(timeout=60)
    assert service._source is not old_source
    assert service._signature == ("changed",)
    assert service.tile(conn, "buildings", 14, x, y) == first


def test_tiles__compact_index_matches_geometry(city_db: Session) -> None:
    import numpy as np

    conn = city_db.connection()
    index = MemoryTiles(conn).buildings
    building = city_db.scalars(select(Building).order_by(Building.id)).first()
    assert building is not None
    k = int(np.searchsorted(index.ids, building.id))
    start, end = index.feature_offsets[k], index.feature_offsets[k + 1]
    ring = index.coords[index.ring_offsets[start] : index.ring_offsets[start + 1]] + index.origin
    exterior = np.asarray(building.footprint.exterior.coords)[:-1]
    assert index.coords.dtype == np.float32
    assert np.abs(np.sort(ring, axis=0) - np.sort(exterior, axis=0)).max() < 1e-6  # < 0.1 m
    assert index.use_names[index.use_codes[k]] == (building.use or "")
    assert end - start == 1 + len(building.footprint.interiors)
