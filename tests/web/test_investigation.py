"""The investigation workbench (/investigation) in headless chromium against a live `xueliang serve`:
a case created in the case bar, a refused too-broad pattern with its hint, a wildcard search with
facets and a thumbnail, a trajectory on the map and in the list, the live alert stream, and a
disposition whose author is refused approving it.

Checkpoints with locations are written into the server's database; the passes arrive through the
GA/T 1400 endpoint from a registered, admitted device, as a real checkpoint would send them."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from tests.investigation.helpers import DEV_A, TG_A, TG_B, TG_C, add_tollgates, pass_
from tests.web.investigation_seed import (
    admin_login,
    admit_device,
    investigation_page,
    register_device,
    registry,
    saved_state,
    send,
    status_codes,
)
from xueliang.camera import service as cameras

if TYPE_CHECKING:
    from conftest import LiveServer

pytestmark = pytest.mark.browser

DEVICE_SECRET = "web-device-pass-1"
CASE_NUMBER = "WEB-2026-001"


def _seed_registry(data_dir: Path) -> None:
    with registry(data_dir) as db:
        add_tollgates(db)
        cameras.register_device(db=db, device_id=DEV_A, name="卡口相机", kind="checkpoint")


def _jpeg() -> str:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), "navy").save(out, format="JPEG")
    return base64.b64encode(out.getvalue()).decode()


def _passes() -> list[dict[str, Any]]:
    """Three passes of 湘H12835 (A, B 10 min later, C after a 80-minute gap), two other plates."""
    now = datetime.now(ZoneInfo("Asia/Shanghai")).replace(microsecond=0)

    def at(minutes_ago: int) -> str:
        return (now - timedelta(minutes=minutes_ago)).strftime("%Y%m%d%H%M%S")

    image = {"SubImageList": {"SubImageInfoObject": [{"Type": "01", "FileFormat": "Jpeg", "Data": _jpeg()}]}}
    return [
        pass_(1, "湘H12835", at(120), TG_A, VehicleColor="2", **image),
        pass_(2, "湘H12835", at(110), TG_B, VehicleColor="2"),
        pass_(3, "湘H12835", at(30), TG_C, VehicleColor="2"),
        pass_(4, "湘H99835", at(100), TG_A, VehicleColor="5"),
        pass_(5, "粤BH1283", at(90), TG_C, VehicleColor="2"),
    ]


def _upload_passes(url: str) -> None:
    """Register the device (Digest) and send the passes to /VIID/MotorVehicles."""
    with httpx.Client(base_url=url, timeout=20) as client:
        register_device(client, DEV_A, DEVICE_SECRET)
        objects = {"MotorVehicleListObject": {"MotorVehicleObject": _passes()}}
        response = send(client, DEV_A, "/VIID/MotorVehicles", objects)
        assert status_codes(response) == ["0"] * 5, response.text


@pytest.fixture(scope="module", name="admin_state")
def _admin_state(browser: Browser, live_server: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One admin login for the module (login attempts are rate-limited) and the seeded passes."""
    _seed_registry(live_server.log.parent)
    context = browser.new_context(base_url=live_server.url)
    headers = admin_login(context, live_server)
    admit_device(context, headers, DEV_A, DEVICE_SECRET)
    _upload_passes(live_server.url)
    return saved_state(context, tmp_path_factory, "investigation-state")


@pytest.fixture(scope="module", name="admin_page")
def _admin_page(browser: Browser, live_server: LiveServer, admin_state: Path) -> Iterator[Page]:
    """One logged-in page for the whole module, zh-CN; the tests below run in order on it."""
    context, page = investigation_page(browser, live_server, admin_state)
    yield page
    context.close()


def test_investigation__case_bar_creates_a_case(admin_page: Page) -> None:
    page = admin_page
    expect(page.get_by_test_id("page-title")).to_have_text("研判")
    expect(page.get_by_test_id("inv-no-case")).to_be_visible()
    page.get_by_test_id("inv-case-new").click()
    page.get_by_test_id("inv-case-number").fill(CASE_NUMBER)
    page.get_by_test_id("inv-case-title").fill("网页测试盗窃案")
    page.get_by_test_id("inv-case-type").fill("theft")
    page.get_by_test_id("inv-case-create").click()
    expect(page.get_by_test_id("inv-case-select")).to_have_value(CASE_NUMBER)
    expect(page.get_by_test_id("inv-search-form")).to_be_visible()


def test_investigation__too_broad_pattern_is_refused_with_its_hint(admin_page: Page) -> None:
    page = admin_page
    page.get_by_test_id("inv-plate").fill("湘*")
    page.get_by_test_id("inv-search").click()
    expect(page.get_by_test_id("inv-search-error")).to_contain_text("湘*")
    expect(page.get_by_test_id("inv-search-hint")).to_contain_text("narrow")


def test_investigation__wildcard_search_shows_results_facets_and_thumbnail(admin_page: Page) -> None:
    page = admin_page
    page.get_by_test_id("inv-plate").fill("湘H*835")
    page.get_by_test_id("inv-search").click()
    plates = page.get_by_test_id("inv-result-plate")
    expect(plates).to_have_count(4)
    assert sorted(plates.all_inner_texts()) == ["湘H12835"] * 3 + ["湘H99835"]
    expect(page.get_by_test_id("inv-pager")).to_contain_text("4")
    expect(page.get_by_test_id(f"inv-facet-tollgate_id-{TG_A}")).to_contain_text("2")
    thumb = page.get_by_test_id("inv-thumb")
    expect(thumb).to_have_count(1)
    page.wait_for_function("() => document.querySelector('[data-testid=inv-thumb]')?.naturalWidth > 0")
    page.get_by_test_id("inv-facet-vehicle_color-5").click()
    expect(plates).to_have_count(1)
    page.get_by_test_id("inv-facet-vehicle_color-5").click()
    expect(plates).to_have_count(4)


def test_investigation__trajectory_on_the_map_and_in_the_list(admin_page: Page) -> None:
    page = admin_page
    first = page.locator("[data-testid^=inv-result-]").filter(has_text="湘H12835").first
    first.get_by_test_id("inv-trajectory").click()
    listing = page.get_by_test_id("inv-trajectory-list")
    expect(listing.get_by_test_id("inv-pass")).to_have_count(3)
    expect(listing.get_by_text("中断")).to_have_count(1)
    expect(page.get_by_test_id("inv-map")).to_have_attribute("data-passes", "3")


def test_investigation__area_drawn_on_the_map_limits_the_search(admin_page: Page) -> None:
    page = admin_page
    page.locator(".maplibregl-ctrl-zoom-out").click()  # the trajectory's checkpoints move to the middle
    page.wait_for_timeout(800)
    page.get_by_test_id("inv-draw").click()
    expect(page.get_by_test_id("inv-draw-help")).to_be_visible()
    page.get_by_test_id("inv-map").scroll_into_view_if_needed()
    box = page.get_by_test_id("inv-map").bounding_box()
    assert box is not None
    corners = [
        (80, 80),
        (box["width"] - 80, 80),
        (box["width"] - 80, box["height"] - 80),
        (80, box["height"] - 80),
    ]
    for x, y in corners[:-1]:
        page.mouse.click(box["x"] + x, box["y"] + y)
    expect(page.get_by_test_id("inv-map")).to_have_attribute("data-vertices", "3")
    page.mouse.dblclick(box["x"] + corners[-1][0], box["y"] + corners[-1][1])
    expect(page.get_by_test_id("inv-area")).to_contain_text("4")
    page.get_by_test_id("inv-search").click()
    expect(page.get_by_test_id("inv-result-plate")).to_have_count(4)


def test_investigation__alert_stream_connects(admin_page: Page) -> None:
    page = admin_page
    page.get_by_test_id("inv-tab-alerts").click()
    expect(page.get_by_test_id("inv-alert-stream")).to_have_attribute("data-state", "open")


def test_investigation__own_disposition_cannot_be_approved(admin_page: Page) -> None:
    page = admin_page
    page.get_by_test_id("inv-tab-dispositions").click()
    page.get_by_test_id("inv-disp-plate").fill("湘H12835")
    page.get_by_test_id("inv-disp-reason").fill("盗窃案嫌疑车辆")
    page.get_by_test_id("inv-disp-submit").click()
    queue = page.get_by_test_id("inv-approval-queue")
    row = queue.locator("[data-testid^=inv-queue-]").filter(has_text="湘H12835")
    expect(row).to_have_count(1)
    row.get_by_test_id("inv-approve").click()
    expect(row.get_by_test_id("inv-queue-error")).to_contain_text("second user")
