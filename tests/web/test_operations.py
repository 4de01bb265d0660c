"""The O&M dashboard (/operations) in headless chromium against a live `xueliang serve`: the online
rate, the health map, a quality fault with its thumbnail, acknowledging an alarm, work orders.

Cameras and the work order go through the API; health rows, the diagnosis (with its snapshot in the
server's blob store) and the alarm are written by the ops services into the server's database, as
the scheduled jobs would."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np
import pytest
from playwright.sync_api import APIRequestContext, Browser, Page, expect
from sqlalchemy import select

from xueliang.camera.models import Channel
from xueliang.core.blobs import BlobStore
from xueliang.core.db import engine_for, session_factory, session_scope, utcnow
from xueliang.ops import diagnosis, health
from xueliang.ops.enums import Source
from xueliang.ops.models import Alarm

if TYPE_CHECKING:
    from conftest import LiveServer

pytestmark = pytest.mark.browser

DISTRICT = "430199"
GOOD, FAULTY, DOWN = (f"{DISTRICT}00001320000{n}" for n in (501, 502, 503))
ANALYTICS_CAM = "43019800001320000601"  # another district: the online-rate figures stay those of the three


def _call(request: APIRequestContext, method: str, path: str, data: dict[str, Any] | None = None) -> Any:
    csrf = next(c["value"] for c in request.storage_state()["cookies"] if c["name"] == "xl_csrf")
    response = request.fetch(path, method=method, data=data, headers={"X-CSRF-Token": csrf})
    assert response.ok, f"{method} {path}: {response.status} {response.text()}"
    return response.json()


def _dark_jpeg() -> bytes:
    picture = np.random.default_rng(5).integers(0, 30, (240, 320, 3), dtype=np.uint8)
    ok, encoded = cv2.imencode(".jpg", picture)
    assert ok
    return encoded.tobytes()


def _seed_ops(data_dir: Path) -> int:
    """Health (two online, one offline), today's online-rate sample, a dark snapshot, an alarm."""
    engine = engine_for(f"sqlite:///{data_dir}/x.db")
    try:
        with session_scope(session_factory(engine)) as db:
            query = select(Channel.channel_id, Channel.id).where(Channel.channel_id.in_([GOOD, FAULTY, DOWN]))
            pks = {channel_id: pk for channel_id, pk in db.execute(query)}
            now = utcnow()
            verdicts = {
                pks[GOOD]: (True, Source.rtsp, "ok", 3.0),
                pks[FAULTY]: (True, Source.rtsp, "ok", 4.0),
                pks[DOWN]: (False, Source.rtsp, "offline: timed out", None),
            }
            # changed 12 minutes ago, as the alarm says: the server's alarm job (which may run at any
            # time during the suite) then still finds the alarm's cause and does not clear it
            health.apply(db=db, verdicts=verdicts, now=now - timedelta(minutes=12))
            health.sample_daily(db=db, day=date.today())
            shot = diagnosis.Shot(pks[FAULTY], _dark_jpeg())
            found = diagnosis.record(db=db, blobs=BlobStore(data_dir / "blobs"), shot=shot, now=now)
            assert not found.ok
            alarm = Alarm(
                kind="offline", key=f"offline:{pks[DOWN]}", channel_pk=pks[DOWN], message="南门 离线 12 分钟"
            )
            db.add(alarm)
            db.flush()
            return alarm.id
    finally:
        engine.dispose()


@pytest.fixture(scope="module", name="seeded")
def _seeded(
    browser: Browser, live_server: LiveServer, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    """One admin session for the module (login attempts are rate-limited) and the seeded ops data."""
    context = browser.new_context(base_url=live_server.url)
    admin = live_server.admin
    login = context.request.post(
        "/api/v1/auth/login", data={"username": admin.username, "password": admin.password}
    )
    assert login.status == 200, login.text()
    for n, (channel_id, name) in enumerate(((GOOD, "东门"), (FAULTY, "北门"), (DOWN, "南门"))):
        camera = {"channel_id": channel_id, "name": name, "region_code": f"{DISTRICT}001001"}
        _call(
            context.request,
            "POST",
            "/api/v1/cameras",
            {**camera, "longitude": 112.42 + n / 100, "latitude": 28.54},
        )
    alarm_id = _seed_ops(live_server.log.parent)
    order = _call(
        context.request, "POST", "/api/v1/ops/work-orders", {"title": "北门镜头脏污", "channel_id": FAULTY}
    )
    state = tmp_path_factory.mktemp("ops-state") / "state.json"
    context.storage_state(path=state)
    context.close()
    return {"state": state, "alarm_id": alarm_id, "order_id": order["id"]}


@pytest.fixture(name="admin_page")
def _admin_page(browser: Browser, live_server: LiveServer, seeded: dict[str, Any]) -> Iterator[Page]:
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", storage_state=seeded["state"])
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def test_operations__online_rate_chart_table_and_map(admin_page: Page) -> None:
    page = admin_page
    page.goto("/operations")
    expect(page.get_by_test_id("page-title")).to_have_text("运维监测")
    row = page.get_by_test_id(f"ops-rate-row-{DISTRICT}")
    expect(row).to_contain_text("66.7 %")
    expect(page.get_by_test_id(f"ops-rate-series-{DISTRICT}").locator("circle")).to_have_count(1)
    page.get_by_test_id("ops-rate-dimension").select_option("owner")
    expect(page.get_by_test_id("ops-rate-row-own")).to_contain_text("自建")
    expect(page.get_by_test_id("ops-map-count-faulty")).to_contain_text("1")
    expect(page.get_by_test_id("ops-map-count-online")).to_contain_text("1")
    expect(page.get_by_test_id("ops-map-count-offline")).to_contain_text("1")


def test_operations__fault_with_thumbnail(admin_page: Page) -> None:
    page = admin_page
    page.goto("/operations?tab=faults")
    row = page.get_by_test_id("ops-faults").locator("tr", has_text=FAULTY)
    expect(row.get_by_test_id("ops-fault-code-too_dark")).to_have_text("过暗")
    thumb = row.get_by_test_id("ops-fault-thumb")
    expect(thumb).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumb.element_handle())
    thumb.click()
    expect(page.get_by_test_id("ops-fault-large")).to_contain_text("过暗")


def test_operations__acknowledge_alarm(admin_page: Page, seeded: dict[str, Any]) -> None:
    page = admin_page
    page.goto("/operations?tab=alarms")
    row = page.get_by_test_id(f"ops-alarm-{seeded['alarm_id']}")
    expect(row).to_contain_text("南门 离线 12 分钟")
    row.get_by_test_id("ops-alarm-ack").click()
    expect(row).to_have_count(0)  # the list shows active alarms
    page.get_by_test_id("ops-alarm-state").select_option("acknowledged")
    expect(row.get_by_test_id("ops-alarm-state-badge")).to_have_text("已确认")
    expect(row).to_contain_text("alice")


def test_operations__work_orders_listed_responded_and_close_needs_evidence(
    admin_page: Page, seeded: dict[str, Any]
) -> None:
    page = admin_page
    page.goto("/operations?tab=orders")
    row = page.get_by_test_id(f"ops-order-{seeded['order_id']}")
    expect(row).to_contain_text("北门镜头脏污")
    expect(row).to_contain_text("待响应")
    row.click()
    detail = page.get_by_test_id("ops-order-detail")
    expect(detail).to_contain_text("alice 手工创建")
    detail.get_by_test_id("ops-order-respond").click()
    expect(detail.get_by_test_id("ops-order-detail-state")).to_have_text("处理中")
    detail.get_by_test_id("ops-order-close").click()  # no stream URL: the evidence snapshot fails
    expect(detail.get_by_test_id("ops-order-error")).to_contain_text("evidence snapshot fails diagnosis")
    expect(row).to_contain_text("处理中")


def test_operations__analytics_cameras_with_state_and_last_error(
    admin_page: Page, seeded: dict[str, Any]
) -> None:
    """A camera whose stream refuses connections: the in-app analytics worker of the embedded
    server takes it and backs off; the structurization tab shows the state and the last error."""
    page = admin_page
    camera = {
        "channel_id": ANALYTICS_CAM,
        "name": "西门",
        "region_code": "430198001001",
        "main_stream_url": "rtsp://127.0.0.1:9/none",
    }
    _call(page.request, "POST", "/api/v1/cameras", camera)
    page.goto("/operations?tab=analytics")
    row = page.get_by_test_id(f"ops-analytics-{ANALYTICS_CAM}")
    expect(row).to_contain_text("西门")
    badge = row.get_by_test_id("ops-analytics-state")
    expect(badge).to_have_text(re.compile("运行中|启动中|退避重试|错误|已停止|失联|未分配"))
    expect(badge).to_have_text("退避重试", timeout=60_000)  # lease tick 10 s, page refresh 10 s
    expect(row.locator(".reason")).not_to_be_empty()
