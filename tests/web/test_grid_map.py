"""The one map (/grid) in headless chromium against a live `xueliang serve`: the map loads, vector
tiles are requested and answered, a click on a grid opens its details panel with the grid's cameras,
and a camera's live view opens over the map."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import Browser, Page, Response, expect
from sqlalchemy import delete, select

from xueliang.camera.models import Device
from xueliang.core.db import make_engine
from xueliang.grid.importer import Importer
from xueliang.grid.models import Grid
from xueliang.sim.city import generate_city
from xueliang.sim.progress import Steps

if TYPE_CHECKING:
    from conftest import LiveServer

pytestmark = pytest.mark.browser

CAMERA = "43010200001310000901"
MVT_TYPES = ("application/vnd.mapbox-vector-tile", "application/x-protobuf")


@dataclass(frozen=True)
class MapCity:
    state: Path
    grid_name: str
    grid_code: str
    point: tuple[float, float]  # inside the grid


def _import_tiny_city(live_server: LiveServer, out: Path) -> tuple[str, str, tuple[float, float]]:
    """The simulator's tiny city (scale 0.001) imported into the server's database."""
    generate_city(out, 7, 0.001, Steps(None))
    engine = make_engine(f"sqlite:///{live_server.log.parent / 'x.db'}")
    # residents are encrypted under another key than the server's: this test never reads them
    Importer(engine, out, secrets.token_hex(32), out / "report.csv", progress=False).run()
    with engine.connect() as conn:
        grid = conn.execute(select(Grid.code, Grid.name, Grid.geom).order_by(Grid.code)).first()
    engine.dispose()
    assert grid is not None
    lon, lat = grid.geom.representative_point().coords[0]
    return grid.code, grid.name, (lon, lat)


def _csrf_post(context: Any, path: str, data: dict[str, Any]) -> None:
    csrf = next(c["value"] for c in context.request.storage_state()["cookies"] if c["name"] == "xl_csrf")
    response = context.request.post(path, data=data, headers={"X-CSRF-Token": csrf})
    assert response.ok, f"POST {path}: {response.status} {response.text()}"


@pytest.fixture(scope="module", name="city")
def _city(
    browser: Browser, live_server: LiveServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[MapCity]:
    """The tiny city, a public camera in its first grid (removed afterwards: the server is shared
    with the other browser tests), and one admin session for the module (logins are rate-limited)."""
    code, name, (lon, lat) = _import_tiny_city(live_server, tmp_path_factory.mktemp("map-city"))
    context = browser.new_context(base_url=live_server.url)
    admin = live_server.admin
    login = context.request.post(
        "/api/v1/auth/login", data={"username": admin.username, "password": admin.password}
    )
    assert login.status == 200, login.text()
    camera = {
        "channel_id": CAMERA,
        "name": "网格东门 map test",
        "region_code": code[:12],
        "grid_code": code,
        "longitude": lon + 0.0004,  # beside the point the test clicks
        "latitude": lat,
        "is_public": True,
    }
    _csrf_post(context, "/api/v1/cameras", camera)
    state = tmp_path_factory.mktemp("map-state") / "state.json"
    context.storage_state(path=state)
    context.close()
    yield MapCity(state, name, code, (lon, lat))
    engine = make_engine(f"sqlite:///{live_server.log.parent / 'x.db'}")
    with engine.begin() as conn:  # the channel and its rows go with the device (ON DELETE CASCADE)
        conn.execute(delete(Device).where(Device.device_id == CAMERA))
    engine.dispose()


@pytest.fixture(name="map_page")
def _map_page(browser: Browser, live_server: LiveServer, city: MapCity) -> Iterator[Page]:
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", storage_state=city.state)
    context.set_default_timeout(20_000)
    yield context.new_page()
    context.close()


def _jump(page: Page, lon: float, lat: float) -> None:
    """Centres the map on a point at zoom 15 and waits until its tiles are drawn."""
    page.wait_for_function("() => window.__xlMap !== undefined")
    page.evaluate(f"() => window.__xlMap.jumpTo({{ center: [{lon}, {lat}], zoom: 15, pitch: 0 }})")
    page.wait_for_function("() => window.__xlMap.loaded() && window.__xlMap.areTilesLoaded()", timeout=30_000)


def test_grid_map__tiles_load_and_a_grid_click_opens_its_panel(map_page: Page, city: MapCity) -> None:
    tiles: list[Response] = []
    map_page.on("response", lambda r: tiles.append(r) if "/api/v1/tiles/" in r.url else None)
    with map_page.expect_response("**/api/v1/grid/map/cameras") as cameras:
        map_page.goto("/grid")
    expect(map_page.get_by_test_id("grid-map")).to_be_visible()
    assert any(f["properties"]["channel_id"] == CAMERA for f in cameras.value.json()["features"])
    lon, lat = city.point
    _jump(map_page, lon, lat)
    layers = {r.url.split("/api/v1/tiles/")[1].split("/")[0] for r in tiles}
    assert {"regions", "grids", "buildings"} <= layers
    assert all(r.status == 200 for r in tiles)
    assert all(r.headers["content-type"] in MVT_TYPES for r in tiles)
    assert any(len(r.body()) > 0 for r in tiles if "/tiles/buildings/" in r.url)
    rendered = map_page.evaluate(
        "() => window.__xlMap.queryRenderedFeatures({ layers: ['grids-fill'] }).length"
    )
    assert rendered > 0

    x, y = map_page.evaluate(
        f"() => {{ const p = window.__xlMap.project([{lon}, {lat}]); return [p.x, p.y] }}"
    )
    map_page.get_by_test_id("grid-map").click(position={"x": x, "y": y})
    panel = map_page.get_by_test_id("grid-details")
    expect(panel.get_by_test_id("grid-name")).to_have_text(city.grid_name)
    expect(panel).to_contain_text(city.grid_code)
    expect(panel.get_by_test_id("grid-buildings")).not_to_have_text("0")
    expect(panel.get_by_test_id("grid-cameras")).to_contain_text("网格东门 map test")


def test_grid_map__a_grid_camera_opens_its_live_view(map_page: Page, city: MapCity) -> None:
    map_page.goto("/grid")
    lon, lat = city.point
    _jump(map_page, lon, lat)
    x, y = map_page.evaluate(
        f"() => {{ const p = window.__xlMap.project([{lon}, {lat}]); return [p.x, p.y] }}"
    )
    with map_page.expect_response("**/api/v1/grid/grids/*/cameras"):
        map_page.get_by_test_id("grid-map").click(position={"x": x, "y": y})
    with map_page.expect_response(f"**/api/v1/cameras/{CAMERA}/live*") as live:
        map_page.get_by_test_id(f"grid-camera-live-{CAMERA}").click()
    live_view = map_page.get_by_test_id("grid-live")
    expect(live_view.get_by_test_id("live-tile-0")).to_contain_text("网格东门 map test")
    assert live.value.status in (200, 403, 503)  # no stream source here: a refusal or offline is shown
    expect(live_view.get_by_test_id("live-state-0")).not_to_be_empty()
    live_view.get_by_test_id("live-close-0").click()
    expect(live_view).to_have_count(0)
