"""The video page in headless chromium against a live `xueliang serve` (PyAV relay): catalog tree,
camera search and detail, the purpose prompt, a live view of a file source played by hls.js, and
peer registration with its one-time token."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import av
import numpy as np
import pytest
from playwright.sync_api import APIRequestContext, Browser, Page, expect

if TYPE_CHECKING:
    from conftest import LiveServer

pytestmark = pytest.mark.browser

FILE_CAM = "43010200001320000101"  # 东门, a local H.264 file, admitted
TRAFFIC_CAM = "43010200001320000102"  # 南门路口, traffic, other town
SOCIAL_CAM = "43010200001320000103"  # 商场, social
PURPOSE = "巡查东门 browser test"


def _h264_file(path: Path, seconds: int = 40) -> Path:
    """A small H.264 MP4 at 10 fps with a keyframe every second, no B-frames (plays in Chromium)."""
    with av.open(str(path), "w") as out:
        stream: Any = out.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = 320, 240, "yuv420p"
        stream.options = {"g": "10", "bf": "0", "preset": "ultrafast", "profile": "baseline"}
        for i in range(seconds * 10):
            image = np.zeros((240, 320, 3), dtype=np.uint8)
            image[:, (i * 4) % 320 :] = (40, 120, 200)
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


def _call(request: APIRequestContext, method: str, path: str, data: dict[str, Any] | None = None) -> Any:
    csrf = next(c["value"] for c in request.storage_state()["cookies"] if c["name"] == "xl_csrf")
    response = request.fetch(path, method=method, data=data, headers={"X-CSRF-Token": csrf})
    assert response.ok, f"{method} {path}: {response.status} {response.text()}"
    return response.json()


@pytest.fixture(scope="module", name="admin_state")
def _admin_state(browser: Browser, live_server: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One admin session for the module (login attempts are rate-limited), with three cameras."""
    video = _h264_file(tmp_path_factory.mktemp("video") / "east-gate.mp4")
    context = browser.new_context(base_url=live_server.url)
    admin = live_server.admin
    login = context.request.post(
        "/api/v1/auth/login", data={"username": admin.username, "password": admin.password}
    )
    assert login.status == 200, login.text()
    cameras = [
        {
            "channel_id": FILE_CAM,
            "name": "东门",
            "region_code": "430102001001",
            "main_stream_url": str(video),
        },
        {
            "channel_id": TRAFFIC_CAM,
            "name": "南门路口",
            "kind": "traffic",
            "region_code": "430102002001",
            "main_stream_url": "rtsp://127.0.0.1:9/none",
        },
        {"channel_id": SOCIAL_CAM, "name": "商场", "owner": "social", "region_code": "430102001001"},
    ]
    for camera in cameras:
        _call(context.request, "POST", "/api/v1/cameras", camera)
        _call(context.request, "POST", f"/api/v1/cameras/devices/{camera['channel_id']}/admit", {})
    state = tmp_path_factory.mktemp("video-state") / "state.json"
    context.storage_state(path=state)
    context.close()
    return state


@pytest.fixture(name="admin_page")
def _admin_page(browser: Browser, live_server: LiveServer, admin_state: Path) -> Iterator[Page]:
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", storage_state=admin_state)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def test_catalog_tree__counts_and_drill_down(admin_page: Page) -> None:
    page = admin_page
    page.goto("/video")
    district = page.get_by_test_id("tree-node-430102000000")
    expect(district).to_contain_text("/3")
    page.get_by_test_id("tree-toggle-430102000000").click()
    town = page.get_by_test_id("tree-node-430102001000")
    expect(town).to_contain_text("/2")
    town.get_by_role("button", name="430102001000").click()
    expect(page.get_by_test_id("camera-scope")).to_contain_text("430102001000")
    expect(page.get_by_test_id(f"camera-{FILE_CAM}")).to_be_visible()
    expect(page.get_by_test_id(f"camera-{TRAFFIC_CAM}")).to_have_count(0)
    page.get_by_test_id("tree-mode-department").click()
    expect(page.get_by_test_id("camera-scope")).to_have_count(0)


def test_camera_search__filters_and_detail_without_urls(admin_page: Page) -> None:
    page = admin_page
    page.goto("/video")
    # other browser modules add cameras of their own to the shared server: count this district's
    page.get_by_test_id("tree-node-430102000000").get_by_role("button", name="430102000000").click()
    expect(page.get_by_test_id("camera-pager")).to_contain_text("3")
    page.get_by_test_id("camera-q").fill("南门")
    page.get_by_test_id("camera-search-submit").click()
    expect(page.get_by_test_id("camera-list").locator("li")).to_have_count(1)
    expect(page.get_by_test_id(f"camera-{TRAFFIC_CAM}")).to_be_visible()
    page.get_by_test_id("camera-q").fill("")
    page.get_by_test_id("camera-owner").select_option("social")
    page.get_by_test_id("camera-search-submit").click()
    expect(page.get_by_test_id(f"camera-{SOCIAL_CAM}")).to_be_visible()
    expect(page.get_by_test_id("camera-list").locator("li")).to_have_count(1)
    page.get_by_test_id("camera-owner").select_option("")
    page.get_by_test_id("camera-kind").select_option("traffic")
    page.get_by_test_id("camera-search-submit").click()
    expect(page.get_by_test_id("camera-list").locator("li")).to_have_count(1)
    page.get_by_test_id(f"camera-details-{TRAFFIC_CAM}").click()
    detail = page.get_by_test_id("camera-detail")
    expect(detail).to_contain_text(TRAFFIC_CAM)
    assert "rtsp" not in detail.inner_text() and "127.0.0.1" not in page.content()


@pytest.mark.slow
def test_live_view__purpose_once_then_hls_plays_and_offline_state(admin_page: Page) -> None:
    page = admin_page
    page.goto("/video")
    page.get_by_test_id("live-layout-4").click()
    page.get_by_test_id(f"camera-{FILE_CAM}").locator("button.pick").click()
    dialog = page.get_by_test_id("video-purpose-dialog")
    expect(page.get_by_test_id("video-purpose-why")).to_be_visible()
    page.get_by_test_id("video-purpose").fill(PURPOSE)
    page.get_by_test_id("video-purpose-submit").click()
    expect(dialog).to_have_count(0)
    expect(page.get_by_test_id("live-state-0")).to_have_text("播放中", timeout=20_000)
    page.wait_for_function(
        "() => window.__xlHlsLoaded === true"
        " && document.querySelector('[data-testid=live-video-0]').currentTime > 1.5",
        timeout=15_000,
    )
    # a second non-public camera: no second prompt in this session; the unreachable one says why
    page.get_by_test_id(f"camera-{TRAFFIC_CAM}").locator("button.pick").click()
    expect(page.get_by_test_id("live-state-1")).to_contain_text("离线", timeout=10_000)
    expect(page.get_by_test_id("live-state-1")).to_contain_text("connection refused")
    expect(dialog).to_have_count(0)
    page.get_by_test_id("live-snapshot-0").click()
    expect(page.get_by_test_id("live-snapshot").locator("img")).to_be_visible(timeout=10_000)


def test_sharing__peer_token_shown_once(admin_page: Page) -> None:
    page = admin_page
    page.goto("/video?tab=sharing")
    platform = "430102000020000" + f"{secrets.randbelow(10**5):05d}"
    page.get_by_test_id("peer-platform-id").fill(platform)
    page.get_by_test_id("peer-name").fill("区综治平台")
    page.get_by_test_id("peer-create").click()
    expect(page.get_by_test_id("token-secret-value")).not_to_have_value("")
    page.get_by_test_id("token-secret-done").click()
    expect(page.get_by_test_id("token-secret")).to_have_count(0)
    expect(page.get_by_test_id("peer-table")).to_contain_text(platform)
    page.get_by_test_id("grant-value").fill(FILE_CAM)
    page.get_by_test_id("grant-target").select_option("peer")
    page.get_by_test_id("grant-peer").select_option(platform)
    page.get_by_test_id("grant-create").click()
    expect(page.get_by_test_id("grant-table")).to_contain_text("区综治平台")
