"""Investigation exports and the image-similarity options (/investigation) in headless chromium
against a live `xueliang serve`: the feature search's CSV export (a real download), "A then B" looking
like a stored vehicle (similarity per leg in the table), and search by image narrowed by a vehicle
colour.

The module seeds its own located checkpoints and checkpoint camera, and sends passes with 256-d
vehicle embeddings (VEHICLE_DIM) through the GA/T 1400 endpoint from its own admitted device."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import numpy as np
import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.web.investigation_seed import (
    admin_login,
    admit_device,
    checkpoint_pass,
    create_case,
    feature_info,
    register_device,
    seed_checkpoints,
    send,
    status_codes,
)
from xueliang.analytics.extractors import VEHICLE_DIM

if TYPE_CHECKING:
    from conftest import LiveServer

pytestmark = pytest.mark.browser

DEVICE = "99010100051320000041"
DEVICE_SECRET = "web-exports-device-1"
CASE_NUMBER = "WEB-2026-EXPORT"
PURPOSE = "导出测试：核对嫌疑车辆"
# checkpoint → (camera channel, lon, lat); south of the tools module's checkpoints
GATES = {
    "99010100051210000041": ("99010100051320000042", 112.40, 28.50),
    "99010100051210000042": ("99010100051320000043", 112.44, 28.50),
}
T1, T2 = GATES
RNG = np.random.default_rng(7)
QUERY_MS = 30_000  # store queries on the shared machine can take seconds
CAR = RNG.normal(size=VEHICLE_DIM)
PLATES = ("赣A10001", "赣A20002", "赣A30003")


def _near() -> np.ndarray:
    return CAR + 0.15 * RNG.normal(size=VEHICLE_DIM)


def _pass(serial: int, plate: str, minutes_ago: int, tg: str, vec: np.ndarray, colour: str) -> dict[str, Any]:
    return checkpoint_pass(
        GATES, serial, plate, minutes_ago, tg, VehicleColor=colour, FeatureInfoObject=feature_info(vec)
    )


def _passes() -> list[dict[str, Any]]:
    """Each plate passes T1 then T2 within 30 minutes. 赣A10001 (colour 2) and 赣A20002 (colour 5)
    look like CAR; 赣A30003 (colour 2) does not."""
    return [
        _pass(1, PLATES[0], 60, T1, CAR, "2"),
        _pass(2, PLATES[0], 50, T2, _near(), "2"),
        _pass(3, PLATES[1], 70, T1, _near(), "5"),
        _pass(4, PLATES[1], 62, T2, _near(), "5"),
        _pass(5, PLATES[2], 100, T1, RNG.normal(size=VEHICLE_DIM), "2"),
        _pass(6, PLATES[2], 90, T2, RNG.normal(size=VEHICLE_DIM), "2"),
    ]


def _upload(url: str, passes: list[dict[str, Any]]) -> None:
    with httpx.Client(base_url=url, timeout=20) as client:
        register_device(client, DEVICE, DEVICE_SECRET)
        objects = {"MotorVehicleListObject": {"MotorVehicleObject": passes}}
        response = send(client, DEVICE, "/VIID/MotorVehicles", objects)
        assert set(status_codes(response)) == {"0"}, response.text


@pytest.fixture(scope="module", name="seeded")
def _seeded(live_server: LiveServer) -> list[dict[str, Any]]:
    return _passes()


@pytest.fixture(scope="module", name="admin_page")
def _admin_page(browser: Browser, live_server: LiveServer, seeded: list[dict[str, Any]]) -> Iterator[Page]:
    """One admin login for the module (logins are rate-limited): device, case, records, then the page."""
    seed_checkpoints(live_server.log.parent, GATES, DEVICE, "导出卡口", "导出卡口相机")
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", accept_downloads=True)
    context.set_default_timeout(15_000)
    headers = admin_login(context, live_server)
    admit_device(context, headers, DEVICE, DEVICE_SECRET)
    create_case(context, headers, CASE_NUMBER, "网页导出测试案")
    _upload(live_server.url, seeded)
    page = context.new_page()
    page.goto("/investigation")
    page.get_by_test_id("inv-case-select").select_option(CASE_NUMBER)
    yield page
    context.close()


def _retry(page: Page, run: Locator, done: Locator, count: int) -> int:
    """Run until `done` has at least `count` items (the bus consumer indexes embeddings shortly after
    upload); how many it has."""
    deadline = time.monotonic() + 25
    while True:
        run.click()
        page.wait_for_timeout(700)
        if done.count() >= count or time.monotonic() > deadline:
            break
    assert done.count() >= count
    return done.count()


def test_investigation_exports__feature_search_csv_downloads_the_seeded_plates(
    admin_page: Page, tmp_path: Path
) -> None:
    page = admin_page
    page.get_by_test_id("inv-tab-workbench").click()
    page.get_by_test_id("inv-tollgates").fill(f"{T1},{T2}")
    page.get_by_test_id("inv-search").click()
    expect(page.get_by_test_id("inv-result-plate")).to_have_count(6, timeout=QUERY_MS)
    button = page.get_by_test_id("inv-export-passes-csv")
    expect(button).to_be_disabled()  # an export states its own purpose
    expect(page.get_by_test_id("inv-export-passes-purpose")).to_be_visible()
    page.get_by_test_id("inv-purpose").fill(PURPOSE)
    with page.expect_download(timeout=QUERY_MS) as info:
        button.click()
    download = info.value
    assert download.suggested_filename.startswith(f"passes-{CASE_NUMBER}-")
    assert download.suggested_filename.endswith(".csv")
    target = tmp_path / "passes.csv"
    download.save_as(target)
    text = target.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith("object_id,pass_time,plate_no")
    for plate in PLATES:
        assert text.count(plate) == 2
    expect(page.get_by_test_id("inv-export-passes-error")).to_have_count(0)


def test_investigation_exports__a_then_b_looking_like_a_record_shows_similarity(
    admin_page: Page, seeded: list[dict[str, Any]]
) -> None:
    page = admin_page
    page.get_by_test_id("inv-tab-multi").click()
    panel = page.get_by_test_id("inv-multi")
    panel.get_by_test_id("inv-leg-a-checkpoint").select_option(T1)
    panel.get_by_test_id("inv-leg-b-checkpoint").select_option(T2)
    panel.get_by_test_id("inv-then-within").fill("30")
    hits = panel.get_by_test_id("inv-plate-hit")
    panel.get_by_test_id("inv-multi-run").click()
    expect(hits).to_have_count(3, timeout=QUERY_MS)  # every plate passes A then B
    expect(panel.get_by_test_id("inv-plate-hit-score")).to_have_count(0)
    panel.get_by_test_id("inv-like-toggle").click()
    panel.get_by_test_id("inv-like-probe-record").fill(seeded[0]["MotorVehicleID"])
    assert _retry(page, panel.get_by_test_id("inv-multi-run"), hits, 2) == 2  # not 赣A30003
    assert sorted(hits.get_by_test_id("inv-plate-hit-plate").all_inner_texts()) == list(PLATES[:2])
    own = hits.filter(has_text=PLATES[0]).get_by_test_id("inv-plate-hit-score")
    expect(own).to_contain_text("A 100.0%")
    scores = hits.get_by_test_id("inv-plate-hit-score").all_inner_texts()
    for text in scores:
        a, b = (float(part.split()[1].rstrip("%")) for part in text.split(" · "))
        assert 80 < a <= 100 and 80 < b <= 100


def test_investigation_exports__search_by_image_narrowed_by_vehicle_colour(
    admin_page: Page, seeded: list[dict[str, Any]]
) -> None:
    page = admin_page
    page.get_by_test_id("inv-tab-image").click()
    panel = page.get_by_test_id("inv-image-motor_vehicle")
    panel.get_by_test_id("inv-image-probe-motor_vehicle-by-record").check()
    panel.get_by_test_id("inv-image-probe-motor_vehicle-record").fill(seeded[0]["MotorVehicleID"])
    panel.get_by_test_id("inv-image-tollgates-motor_vehicle").fill(f"{T1},{T2}")
    run = panel.get_by_test_id("inv-image-run-motor_vehicle")
    plates = panel.get_by_test_id("inv-similar-plate")
    _retry(page, run, plates, 4)  # the four alike (赣A30003's unrelated vectors may score below 0)
    assert set(plates.all_inner_texts()[:4]) == set(PLATES[:2])
    panel.get_by_test_id("inv-image-features-toggle").click()
    panel.get_by_test_id("inv-image-feature-vehicle_colors").fill("5")
    run.click()
    expect(plates).to_have_count(2, timeout=QUERY_MS)
    assert plates.all_inner_texts() == [PLATES[1], PLATES[1]]


def test_investigation_exports__trajectory_geojson_and_a_refusal_shown(
    admin_page: Page, seeded: list[dict[str, Any]], tmp_path: Path
) -> None:
    """A real GeoJSON download of a plate's trajectory; then an over-the-limit refusal (answered here:
    the server's limit is far above the seeded rows) is shown with its hint, and nothing downloads."""
    page = admin_page
    page.get_by_test_id("inv-tab-workbench").click()
    page.get_by_test_id("inv-purpose").fill(PURPOSE)
    page.get_by_test_id("inv-tollgates").fill(f"{T1},{T2}")
    page.get_by_test_id("inv-search").click()
    page.get_by_test_id(f"inv-result-{seeded[0]['MotorVehicleID']}").get_by_test_id("inv-trajectory").click()
    expect(page.get_by_test_id("inv-trajectory-list").get_by_test_id("inv-pass")).to_have_count(
        2, timeout=QUERY_MS
    )
    with page.expect_download(timeout=QUERY_MS) as info:
        page.get_by_test_id("inv-export-trajectory-geojson").click()
    assert info.value.suggested_filename.startswith(f"trajectory-{CASE_NUMBER}-")
    target = tmp_path / "trajectory.geojson"
    info.value.save_as(target)
    collection = json.loads(target.read_text(encoding="utf-8"))
    kinds = [f["properties"]["kind"] for f in collection["features"]]
    assert collection["type"] == "FeatureCollection" and kinds.count("pass") == 2
    problem = {
        "type": "about:blank", "title": "Bad Request", "status": 400, "code": "bad_request",
        "detail": "this export would hold 900001 rows, more than the 100000 allowed",
        "hint": "narrow the search (time window, place, features) and export again",
    }  # fmt: skip
    page.route(
        "**/api/v1/investigation/trajectory/export*",
        lambda route: route.fulfill(
            status=400, content_type="application/problem+json", body=json.dumps(problem)
        ),
    )
    try:
        page.get_by_test_id("inv-export-trajectory-csv").click()
        error = page.get_by_test_id("inv-export-trajectory-error")
        expect(error).to_contain_text("more than the 100000 allowed")
        expect(error).to_contain_text("narrow the search")
    finally:
        page.unroute("**/api/v1/investigation/trajectory/export*")
