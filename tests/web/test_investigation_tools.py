"""The investigation tool tabs (/investigation) in headless chromium against a live `xueliang serve`:
search by image (an uploaded picture, and a stored record's embedding), face 1:1 (stored captures;
an uploaded picture the server cannot read a face from is refused clearly), vehicle analytics with a
plate's trajectory, and "A then B" with checkpoint A from the list and B clicked on the map.

The module seeds its own located checkpoints and checkpoint cameras, and sends passes and faces (with
256-d vehicle and 128-d face embeddings) through the GA/T 1400 endpoint from its own registered,
admitted device."""

from __future__ import annotations

import base64
import io
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, Route, expect

from tests.viewlib.helpers import face
from tests.web.investigation_seed import (
    admin_login,
    admit_device,
    checkpoint_pass,
    create_case,
    feature_info,
    investigation_page,
    register_device,
    saved_state,
    seed_checkpoints,
    send,
    stamp,
    status_codes,
)
from xueliang.analytics.extractors import VEHICLE_DIM

if TYPE_CHECKING:
    from conftest import LiveServer

pytestmark = pytest.mark.browser

DEVICE = "99010100051320000031"
DEVICE_SECRET = "web-tools-device-1"
CASE_NUMBER = "WEB-2026-TOOLS"
# checkpoint → (camera channel, lon, lat); near the map's default centre
GATES = {
    "99010100051210000031": ("99010100051320000032", 112.40, 28.54),
    "99010100051210000032": ("99010100051320000033", 112.44, 28.54),
}
T1, T2 = GATES
RNG = np.random.default_rng(5)
QUERY_MS = 30_000  # store queries on the shared machine can take seconds
CAR = RNG.normal(size=VEHICLE_DIM)
PERSON = RNG.normal(size=128)


def _pass(serial: int, plate: str, minutes_ago: int, tg: str, **extra: Any) -> dict[str, Any]:
    return checkpoint_pass(GATES, serial, plate, minutes_ago, tg, **extra)


def _passes() -> list[dict[str, Any]]:
    """湘K10001: T1, T2 10 min later, T1 again (A then B; twice at T1); 湘K20002: T2 then T1;
    湘K30003: T1 then T2 70 min later. Embeddings: K1 and K2 alike, K3 unrelated."""
    near = CAR + 0.2 * RNG.normal(size=VEHICLE_DIM)
    return [
        _pass(1, "湘K10001", 60, T1, FeatureInfoObject=feature_info(CAR)),
        _pass(2, "湘K10001", 50, T2),
        _pass(3, "湘K10001", 20, T1),
        _pass(4, "湘K20002", 70, T2, FeatureInfoObject=feature_info(near)),
        _pass(5, "湘K20002", 40, T1),
        _pass(6, "湘K30003", 100, T1, FeatureInfoObject=feature_info(RNG.normal(size=VEHICLE_DIM))),
        _pass(7, "湘K30003", 30, T2),
    ]


def _faces() -> list[dict[str, Any]]:
    same = PERSON + 0.2 * RNG.normal(size=128)
    return [
        face(1, device=DEVICE, stamp=stamp(30), FeatureInfoObject=feature_info(PERSON)),
        face(2, device=DEVICE, stamp=stamp(20), FeatureInfoObject=feature_info(same)),
    ]


def _upload(url: str, passes: list[dict[str, Any]], faces: list[dict[str, Any]]) -> None:
    """Register the device (Digest), send the passes and the faces."""
    with httpx.Client(base_url=url, timeout=20) as client:
        register_device(client, DEVICE, DEVICE_SECRET)
        for route, objects in (
            ("/VIID/MotorVehicles", {"MotorVehicleListObject": {"MotorVehicleObject": passes}}),
            ("/VIID/Faces", {"FaceListObject": {"FaceObject": faces}}),
        ):
            response = send(client, DEVICE, route, objects)
            assert set(status_codes(response)) == {"0"}, response.text


@pytest.fixture(scope="module", name="seeded")
def _seeded(live_server: LiveServer) -> dict[str, Any]:
    passes, faces = _passes(), _faces()
    return {"passes": passes, "faces": faces}


@pytest.fixture(scope="module", name="admin_state")
def _admin_state(
    browser: Browser,
    live_server: LiveServer,
    seeded: dict[str, Any],
    tmp_path_factory: pytest.TempPathFactory,
) -> Path:
    """One admin login for the module (login attempts are rate-limited), the seeded records, a case."""
    seed_checkpoints(live_server.log.parent, GATES, DEVICE, "工具卡口", "工具卡口相机")
    context = browser.new_context(base_url=live_server.url)
    headers = admin_login(context, live_server)
    admit_device(context, headers, DEVICE, DEVICE_SECRET)
    create_case(context, headers, CASE_NUMBER, "网页工具测试案")
    _upload(live_server.url, seeded["passes"], seeded["faces"])
    return saved_state(context, tmp_path_factory, "investigation-tools-state")


@pytest.fixture(scope="module", name="admin_page")
def _admin_page(browser: Browser, live_server: LiveServer, admin_state: Path) -> Iterator[Page]:
    """One logged-in page for the whole module, zh-CN, with the module's case picked."""
    context, page = investigation_page(browser, live_server, admin_state)
    page.get_by_test_id("inv-case-select").select_option(CASE_NUMBER)
    yield page
    context.close()


def _jpeg(color: str = "navy") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(out, format="JPEG")
    return out.getvalue()


def _open_tab(page: Page, name: str) -> None:
    page.get_by_test_id(f"inv-tab-{name}").click()


def test_investigation_tools__uploaded_image_is_sent_and_ranked_results_shown(
    admin_page: Page, seeded: dict[str, Any]
) -> None:
    """The server has no image extractor installed (uploads answer 422), so the answer to the upload
    is given here: the test checks what the page sends and how it shows a ranked answer."""
    page = admin_page
    sent: list[dict[str, Any]] = []
    ids = [p["MotorVehicleID"] for p in seeded["passes"][:3]]
    answer = {
        "searched": 3,
        "items": [
            {
                "object_id": ids[0],
                "score": 0.9731,
                "plate_no": "湘K10001",
                "time": stamp(60),
                "device_id": DEVICE,
            },
            {
                "object_id": ids[1],
                "score": 0.8512,
                "plate_no": "湘K20002",
                "time": stamp(70),
                "device_id": DEVICE,
            },
            {
                "object_id": ids[2],
                "score": 0.4,
                "plate_no": "湘K30003",
                "time": stamp(100),
                "device_id": DEVICE,
            },
        ],
    }

    def fulfil(route: Route) -> None:
        sent.append(json.loads(route.request.post_data or "{}"))
        route.fulfill(status=200, content_type="application/json", body=json.dumps(answer))

    page.route("**/api/v1/investigation/images/search*", fulfil)
    try:
        _open_tab(page, "image")
        panel = page.get_by_test_id("inv-image-motor_vehicle")
        panel.get_by_test_id("inv-image-probe-motor_vehicle-file").set_input_files(
            files=[{"name": "car.jpg", "mimeType": "image/jpeg", "buffer": _jpeg()}]
        )
        expect(panel.get_by_test_id("inv-image-probe-motor_vehicle-preview")).to_be_visible()
        panel.get_by_test_id("inv-image-run-motor_vehicle").click()
        rows = panel.get_by_test_id("inv-similar-row")
        expect(rows).to_have_count(3, timeout=QUERY_MS)
    finally:
        page.unroute("**/api/v1/investigation/images/search*")
    assert panel.get_by_test_id("inv-similar-score").all_inner_texts() == ["97.3%", "85.1%", "40.0%"]
    assert panel.get_by_test_id("inv-similar-plate").all_inner_texts() == ["湘K10001", "湘K20002", "湘K30003"]
    body = sent[0]
    assert body["kind"] == "motor_vehicle"
    assert base64.b64decode(body["probe"]["image"]) == _jpeg()
    assert body["time_from"] and body["time_to"] and body["k"] == 20


def test_investigation_tools__search_by_a_stored_record_ranks_similar_vehicles(
    admin_page: Page, seeded: dict[str, Any]
) -> None:
    page = admin_page
    _open_tab(page, "image")
    panel = page.get_by_test_id("inv-image-motor_vehicle")
    panel.get_by_test_id("inv-image-probe-motor_vehicle-by-record").check()
    panel.get_by_test_id("inv-image-probe-motor_vehicle-record").fill(seeded["passes"][0]["MotorVehicleID"])
    plates = panel.get_by_test_id("inv-similar-plate")
    deadline = time.monotonic() + 20  # the bus consumer indexes the embeddings shortly after upload
    while True:
        panel.get_by_test_id("inv-image-run-motor_vehicle").click()
        page.wait_for_timeout(500)
        if plates.count() >= 2 or time.monotonic() > deadline:
            break
    assert plates.all_inner_texts()[:2] == ["湘K10001", "湘K20002"]
    scores = [float(s.rstrip("%")) for s in panel.get_by_test_id("inv-similar-score").all_inner_texts()]
    assert scores == sorted(scores, reverse=True) and scores[0] == pytest.approx(100, abs=0.2)


def test_investigation_tools__face_one_to_one_shows_similarity_and_decision(
    admin_page: Page, seeded: dict[str, Any]
) -> None:
    page = admin_page
    _open_tab(page, "faces")
    panel = page.get_by_test_id("inv-face-compare")
    for side, record in zip("ab", seeded["faces"], strict=True):
        panel.get_by_test_id(f"inv-face-{side}-by-record").check()
        panel.get_by_test_id(f"inv-face-{side}-record").fill(record["FaceID"])
    panel.get_by_test_id("inv-face-compare-run").click()
    expect(panel.get_by_test_id("inv-face-compare-result")).to_be_visible(timeout=QUERY_MS)
    similarity = float(panel.get_by_test_id("inv-face-similarity").inner_text().rstrip("%"))
    assert 80 < similarity < 100
    expect(panel.get_by_test_id("inv-face-decision")).to_have_text("判定为同一人")


def test_investigation_tools__face_upload_refusal_is_shown(admin_page: Page) -> None:
    page = admin_page
    _open_tab(page, "faces")
    panel = page.get_by_test_id("inv-face-compare")
    for side in "ab":
        panel.get_by_test_id(f"inv-face-{side}-by-upload").check()
        panel.get_by_test_id(f"inv-face-{side}-file").set_input_files(
            files=[{"name": f"{side}.jpg", "mimeType": "image/jpeg", "buffer": _jpeg("gray")}]
        )
    panel.get_by_test_id("inv-face-compare-run").click()
    # a flat grey picture: the face extractor (installed with the project) finds no face in it
    expect(panel.get_by_test_id("inv-face-compare-error")).to_contain_text("no face", timeout=QUERY_MS)
    expect(panel.get_by_test_id("inv-face-compare-result")).to_have_count(0)


def test_investigation_tools__analytics_table_and_a_plates_trajectory(admin_page: Page) -> None:
    page = admin_page
    _open_tab(page, "analytics")
    panel = page.get_by_test_id("inv-analytics")
    panel.get_by_test_id("inv-analytics-kind").select_option("frequent_checkpoint")
    panel.get_by_test_id("inv-analytics-min").fill("2")
    panel.get_by_test_id("inv-analytics-run").click()
    row = panel.get_by_test_id("inv-plate-hit").filter(has_text="湘K10001")
    expect(row).to_have_count(1, timeout=QUERY_MS)
    expect(row).to_contain_text("工具卡口1")
    expect(row).to_contain_text("过车次数: 2")
    expect(panel.get_by_test_id("inv-plate-hit").filter(has_text="湘K30003")).to_have_count(0)
    row.get_by_test_id("inv-plate-hit-plate").click()
    expect(page.get_by_test_id("inv-trajectory-list").get_by_test_id("inv-pass")).to_have_count(
        3, timeout=QUERY_MS
    )
    expect(page.get_by_test_id("inv-map")).to_have_attribute("data-passes", "3")


def test_investigation_tools__a_then_b_from_the_list_and_the_map(admin_page: Page) -> None:
    page = admin_page
    _open_tab(page, "multi")
    panel = page.get_by_test_id("inv-multi")
    panel.get_by_test_id("inv-leg-a-checkpoint").select_option(T1)
    expect(panel.get_by_test_id("inv-leg-a-chosen")).to_contain_text("工具卡口1")
    expect(page.get_by_test_id("inv-multi-map")).to_have_attribute("data-loaded", "true")
    marker = page.get_by_test_id(f"inv-multi-cp-{T2}")
    marker.click()
    expect(panel.get_by_test_id("inv-leg-b-chosen")).to_contain_text("工具卡口2")
    expect(marker).to_have_text("B")
    panel.get_by_test_id("inv-then-within").fill("30")
    panel.get_by_test_id("inv-multi-run").click()
    hits = panel.get_by_test_id("inv-plate-hit")
    expect(hits).to_have_count(1, timeout=QUERY_MS)
    expect(hits).to_contain_text("湘K10001")


def test_investigation_tools__similar_from_the_result_grid_opens_search_by_image(
    admin_page: Page, seeded: dict[str, Any]
) -> None:
    page = admin_page
    _open_tab(page, "workbench")
    page.get_by_test_id("inv-plate").fill("湘K10001")
    page.get_by_test_id("inv-search").click()
    probe = seeded["passes"][0]["MotorVehicleID"]
    page.get_by_test_id(f"inv-result-{probe}").get_by_test_id("inv-similar").click()
    listing = page.get_by_test_id("inv-similar-list")
    expect(listing.get_by_test_id("inv-similar-item").first).to_contain_text("100.0%", timeout=QUERY_MS)
    listing.get_by_test_id("inv-similar-refine").click()
    panel = page.get_by_test_id("inv-image-motor_vehicle")
    expect(panel.get_by_test_id("inv-image-probe-motor_vehicle-record")).to_have_value(probe)
    expect(panel.get_by_test_id("inv-similar-plate").first).to_have_text("湘K10001", timeout=QUERY_MS)


def _draw_square_around(page: Page, testid: str, half: float = 40) -> None:
    box = page.get_by_test_id(testid).bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    for dx, dy in ((-half, -half), (half, -half), (half, half)):
        page.mouse.click(x + dx, y + dy)
    page.mouse.dblclick(x - half, y + half)


def test_investigation_tools__area_collision_with_two_drawn_areas(admin_page: Page) -> None:
    page = admin_page
    _open_tab(page, "multi")
    panel = page.get_by_test_id("inv-multi")
    panel.get_by_test_id("inv-multi-collision").click()
    expect(panel.get_by_test_id("inv-multi-run")).to_be_disabled()
    page.get_by_test_id("inv-multi-map").scroll_into_view_if_needed()
    expect(page.get_by_test_id("inv-multi-map")).to_have_attribute("data-loaded", "true")
    for n, gate in enumerate((T1, T2), start=1):
        panel.get_by_test_id("inv-multi-draw").click()
        expect(page.get_by_test_id("inv-multi-draw-help")).to_be_visible()
        _draw_square_around(page, f"inv-multi-cp-{gate}")
        expect(page.get_by_test_id("inv-multi-map")).to_have_attribute("data-areas", str(n))
    panel.get_by_test_id("inv-multi-run").click()
    hits = panel.get_by_test_id("inv-plate-hit")
    expect(hits).to_have_count(3, timeout=QUERY_MS)
    assert sorted(hits.get_by_test_id("inv-plate-hit-plate").all_inner_texts()) == [
        "湘K10001",
        "湘K20002",
        "湘K30003",
    ]


def test_investigation_tools__face_one_to_n_over_stored_captures(
    admin_page: Page, seeded: dict[str, Any]
) -> None:
    page = admin_page
    _open_tab(page, "faces")
    panel = page.get_by_test_id("inv-image-face")
    panel.get_by_test_id("inv-image-probe-face-by-record").check()
    panel.get_by_test_id("inv-image-probe-face-record").fill(seeded["faces"][0]["FaceID"])
    scores = panel.get_by_test_id("inv-similar-score")
    deadline = time.monotonic() + 20  # the bus consumer indexes the embeddings shortly after upload
    while True:
        panel.get_by_test_id("inv-image-run-face").click()
        page.wait_for_timeout(500)
        if scores.count() >= 2 or time.monotonic() > deadline:
            break
    values = [float(s.rstrip("%")) for s in scores.all_inner_texts()]
    assert values[0] == pytest.approx(100, abs=0.2) and 80 < values[1] < 100
