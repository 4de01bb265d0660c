"""The incident pages in headless chromium against a live `xueliang serve`: a grid worker reports on a
phone-sized page, a dispatcher accepts and dispatches from the inbox, the department handles it, and
the timeline shows each step; actions not allowed are not offered, a stale one shows the API's 409."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import APIRequestContext, Browser, BrowserContext, Page, expect

if TYPE_CHECKING:
    from conftest import LiveServer

pytestmark = pytest.mark.browser

CATEGORY = "road.manhole"
LON, LAT = 112.98321, 28.19456
# A 1×1 PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


@dataclass(frozen=True)
class Desk:
    department_id: int
    department_name: str
    states: dict[str, Path]


OpenPage = Callable[..., Page]


def _post(request: APIRequestContext, path: str, data: dict[str, Any], method: str = "POST") -> Any:
    """A JSON call with the session cookie and the double-submit CSRF header of that session."""
    csrf = next(c["value"] for c in request.storage_state()["cookies"] if c["name"] == "xl_csrf")
    response = request.fetch(path, method=method, data=data, headers={"X-CSRF-Token": csrf})
    assert response.ok, f"{method} {path}: {response.status} {response.text()}"
    return response.json()


def _login_state(browser: Browser, live_server: LiveServer, username: str, password: str, out: Path) -> Path:
    context = browser.new_context(base_url=live_server.url)
    response = context.request.post("/api/v1/auth/login", data={"username": username, "password": password})
    assert response.status == 200, response.text()
    context.storage_state(path=out)
    context.close()
    return out


@pytest.fixture(scope="module", name="desk")
def _desk(browser: Browser, live_server: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> Desk:
    """A department, a category routed to it, and one session each for a grid worker, a dispatcher
    and a department handler (four logins for the module: logins are rate-limited)."""
    folder = tmp_path_factory.mktemp("incident-states")
    admin = live_server.admin
    admin_state = _login_state(browser, live_server, admin.username, admin.password, folder / "admin.json")
    context = browser.new_context(base_url=live_server.url, storage_state=admin_state)
    suffix = secrets.token_hex(3)
    name = f"市政局 {suffix}"
    unit = _post(context.request, "/api/v1/org-units", {"code": f"dept-{suffix}", "name": name})
    category = {"code": CATEGORY, "name": "井盖缺失", "group_name": "市政", "department_id": unit["id"]}
    _post(context.request, "/api/v1/incidents/categories", category, method="PUT")
    states: dict[str, Path] = {}
    for role, org in (("grid_worker", None), ("dispatcher", None), ("department_handler", unit["id"])):
        username, password = f"{role[:4]}{suffix}", secrets.token_urlsafe(12)
        user = {"username": username, "display_name": f"{role} {suffix}", "password": password}
        _post(context.request, "/api/v1/users", {**user, "roles": [role], "org_unit_id": org})
        states[role] = _login_state(browser, live_server, username, password, folder / f"{role}.json")
    context.close()
    return Desk(department_id=unit["id"], department_name=name, states=states)


@pytest.fixture(name="open_page")
def _open_page(browser: Browser, live_server: LiveServer, desk: Desk) -> Iterator[OpenPage]:
    """Opens a zh-CN page logged in as one of the desk's roles; closes them all afterwards."""
    contexts: list[BrowserContext] = []

    def open_page(role: str, **options: Any) -> Page:
        context = browser.new_context(
            base_url=live_server.url, locale="zh-CN", storage_state=desk.states[role], **options
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def _report(page: Page, description: str) -> int:
    page.goto("/incidents/report")
    page.get_by_test_id("report-category").select_option(CATEGORY)
    page.get_by_test_id("report-description").fill(description)
    page.get_by_test_id("report-lon").fill(str(LON))
    page.get_by_test_id("report-lat").fill(str(LAT))
    page.get_by_test_id("report-submit").click()
    done = page.get_by_test_id("report-done")
    expect(done).to_be_visible()
    return int((done.text_content() or "").split("#")[1].rstrip("。."))


def _act(page: Page, action: str, opinion: str, **fields: str) -> None:
    page.get_by_test_id(f"action-{action}").click()
    form = page.get_by_test_id(f"action-form-{action}")
    for testid, value in fields.items():
        form.get_by_test_id(testid).select_option(value)
    form.get_by_test_id("action-opinion").fill(opinion)
    form.get_by_test_id("action-submit").click()
    expect(page.get_by_test_id("incident-notice")).to_be_visible()
    expect(form).to_have_count(0)


def test_incidents__report_dispatch_handle_with_timeline(open_page: OpenPage, desk: Desk) -> None:
    worker = open_page(
        "grid_worker",
        viewport={"width": 375, "height": 740},
        geolocation={"longitude": LON, "latitude": LAT},
        permissions=["geolocation"],
    )
    worker.goto("/incidents/report")
    expect(worker.get_by_test_id("page-title")).to_have_text("上报事件")
    worker.get_by_test_id("report-category").select_option(CATEGORY)
    worker.get_by_test_id("report-description").fill("人民路口井盖缺失")
    worker.get_by_test_id("report-submit").click()
    expect(worker.get_by_test_id("field-error-location")).to_contain_text("位置")
    worker.get_by_test_id("report-locate").click()
    expect(worker.get_by_test_id("report-lon")).to_have_value(str(LON))
    expect(worker.get_by_test_id("report-lat")).to_have_value(str(LAT))
    worker.get_by_test_id("report-photos").set_input_files(
        files=[{"name": "manhole.png", "mimeType": "image/png", "buffer": PNG}]
    )
    expect(worker.get_by_test_id("report-photo-list").locator("img")).to_have_count(1)
    assert worker.evaluate("document.documentElement.scrollWidth") <= 375
    worker.get_by_test_id("report-submit").click()
    done = worker.get_by_test_id("report-done")
    expect(done).to_contain_text("已上报")
    incident_id = int((done.text_content() or "").split("#")[1].rstrip("。"))
    worker.get_by_test_id("report-view").click()
    expect(worker.get_by_test_id("incident-location")).to_have_text(f"{LON}, {LAT}")
    expect(worker.get_by_test_id("incident-photos").locator("img")).to_have_count(1)
    # The reporter may only self-handle; the dispatcher's actions are not offered.
    expect(worker.get_by_test_id("action-self_handle")).to_be_visible()
    expect(worker.get_by_test_id("action-accept")).to_have_count(0)

    dispatcher = open_page("dispatcher")
    dispatcher.goto("/incidents")
    dispatcher.get_by_test_id("inbox-tab-accept").click()
    row = dispatcher.get_by_test_id(f"incident-row-{incident_id}")
    expect(row).to_contain_text("人民路口井盖缺失")
    expect(row.get_by_test_id("incident-state")).to_have_text("待受理")
    expect(row.get_by_test_id("incident-due")).to_have_text("正常")
    row.get_by_test_id(f"incident-open-{incident_id}").click()
    expect(dispatcher.get_by_test_id("incident-reporter")).not_to_contain_text("grid_worker")
    expect(dispatcher.get_by_test_id("action-dispatch")).to_have_count(0)
    expect(dispatcher.get_by_test_id("action-sign")).to_have_count(0)
    _act(dispatcher, "accept", "属实，受理")
    expect(dispatcher.get_by_test_id("action-accept")).to_have_count(0)
    _act(dispatcher, "dispatch", "请尽快处置", **{"action-department": str(desk.department_id)})
    expect(dispatcher.get_by_test_id("incident-department")).to_have_text(desk.department_name)
    expect(dispatcher.get_by_test_id("action-sign")).to_have_count(0)
    expect(dispatcher.get_by_test_id("action-recall")).to_be_visible()

    handler = open_page("department_handler")
    handler.goto("/incidents")
    expect(handler.get_by_test_id("inbox-tab-accept")).to_have_count(0)
    handler.get_by_test_id("inbox-tab-sign").click()
    handler.get_by_test_id(f"incident-open-{incident_id}").click()
    expect(handler.get_by_test_id("action-recall")).to_have_count(0)
    _act(handler, "sign", "已签收")
    _act(handler, "reply", "已更换井盖")
    detail = handler.get_by_test_id("incident-detail")
    expect(detail).to_have_attribute("data-state", "handled")
    expect(handler.get_by_test_id("incident-no-actions")).to_be_visible()
    expect(handler.get_by_test_id("stage-handle")).to_contain_text("按时")

    timeline = handler.get_by_test_id("incident-timeline").locator("li")
    expect(timeline).to_have_count(5)
    actions = [item.get_attribute("data-action") for item in timeline.all()]
    assert actions == ["create", "accept", "dispatch", "sign", "reply"]
    expect(timeline.nth(2)).to_contain_text("已受理 → 待签收")
    expect(timeline.nth(2)).to_contain_text(desk.department_name)
    expect(timeline.nth(2).get_by_test_id("timeline-opinion")).to_have_text("请尽快处置")
    expect(timeline.nth(4)).to_contain_text("处置中 → 待核查")
    expect(timeline.nth(4).get_by_test_id("timeline-opinion")).to_have_text("已更换井盖")


def test_incidents__stale_action_shows_409_and_duplicates_are_suggested(open_page: OpenPage) -> None:
    worker = open_page("grid_worker")
    first = _report(worker, "路灯不亮 first")
    worker.get_by_test_id("report-another").click()
    second = _report(worker, "路灯不亮 second")
    expect(worker.get_by_test_id(f"report-duplicate-{first}")).to_be_visible()

    stale = open_page("dispatcher")
    stale.goto(f"/incidents/{second}")
    expect(stale.get_by_test_id("action-accept")).to_be_visible()
    fresh = open_page("dispatcher")
    fresh.goto(f"/incidents/{second}")
    _act(fresh, "accept", "受理")

    stale.get_by_test_id("action-accept").click()
    stale.get_by_test_id("action-form-accept").get_by_test_id("action-submit").click()
    error = stale.get_by_test_id("action-error")
    expect(error).to_contain_text("已受理")
    expect(error).to_contain_text("派遣")

    stale.goto("/incidents")
    stale.get_by_test_id("incident-search").fill("路灯不亮 second")
    stale.get_by_test_id("incident-search-submit").click()
    expect(stale.get_by_test_id("incident-table").locator("tbody tr")).to_have_count(1)
    expect(stale.get_by_test_id(f"incident-row-{second}")).to_be_visible()


def test_incidents__are_a_layer_of_the_one_map(open_page: OpenPage) -> None:
    worker = open_page("grid_worker")
    incident_id = _report(worker, "占道经营 map layer")
    dispatcher = open_page("dispatcher")
    with dispatcher.expect_response("**/api/v1/incidents/geojson") as answer:
        dispatcher.goto("/grid")
    features = answer.value.json()["features"]
    assert any(f["id"] == incident_id and f["geometry"]["coordinates"] == [LON, LAT] for f in features)
    layer = dispatcher.evaluate("() => window.__xlMap?.getLayer('incidents-circle')?.type ?? null")
    assert layer == "circle"
