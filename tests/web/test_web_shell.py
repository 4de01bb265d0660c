"""The web shell in Debian's headless chromium against a live `xueliang serve`."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, Route, expect

if TYPE_CHECKING:
    from conftest import LiveServer

pytestmark = pytest.mark.browser

ZH_NAV = ["总览", "视频资源", "视图库", "研判", "网格治理", "事件处置", "考核评价", "运维监测"]
EN_NAV = ["Overview", "Video resources", "View library", "Investigation", "Grid governance"]


def _log_in(page: Page, username: str, password: str) -> None:
    page.goto("/login")
    _fill_login_form(page, username, password)


def _fill_login_form(page: Page, username: str, password: str) -> None:
    page.get_by_test_id("login-username").fill(username)
    page.get_by_test_id("login-password").fill(password)
    page.get_by_test_id("login-submit").click()


def test_login__wrong_password_refused(page: Page, live_server: LiveServer) -> None:
    _log_in(page, live_server.admin.username, "not-the-password")

    expect(page.get_by_test_id("login-error")).to_be_visible()
    expect(page.get_by_test_id("login-error")).not_to_be_empty()
    expect(page).to_have_url(re.compile(r"/login(\?|$)"))
    expect(page.get_by_test_id("current-user")).to_have_count(0)


def test_login__right_password_lands_on_overview(page: Page, live_server: LiveServer) -> None:
    _log_in(page, live_server.admin.username, live_server.admin.password)

    expect(page).to_have_url(f"{live_server.url}/overview")
    expect(page.get_by_test_id("current-user")).to_have_text(live_server.admin.display_name)
    expect(page.get_by_test_id("page-title")).to_contain_text(live_server.admin.display_name)
    expect(page.locator("[data-role=admin]")).to_be_visible()
    expect(page.get_by_test_id("health-status")).to_have_text("ok")


def test_login__returns_to_the_page_first_requested(page: Page, live_server: LiveServer) -> None:
    page.goto("/view-library")  # a module without a page yet: its honest empty state
    expect(page).to_have_url(re.compile(r"/login\?redirect=(/|%2F)view-library"))

    _fill_login_form(page, live_server.admin.username, live_server.admin.password)

    expect(page).to_have_url(f"{live_server.url}/view-library")
    expect(page.get_by_test_id("empty-state")).to_contain_text("本模块尚未安装")


def test_login__lockout_shows_retry_after(page: Page, live_server: LiveServer) -> None:
    problem = {
        "type": "about:blank",
        "title": "Too Many Requests",
        "status": 429,
        "detail": "Too many failed attempts",
        "code": "auth.locked_out",
    }

    def locked_out(route: Route) -> None:
        route.fulfill(
            status=429,
            headers={"Retry-After": "42", "Content-Type": "application/problem+json"},
            body=json.dumps(problem),
        )

    page.route("**/api/v1/auth/login", locked_out)
    _log_in(page, live_server.admin.username, live_server.admin.password)

    expect(page.get_by_test_id("login-error")).to_contain_text(re.compile(r"4[0-2] 秒后重试"))
    expect(page.get_by_test_id("login-submit")).to_be_disabled()


def test_language__switch_changes_texts_and_survives_reload(page: Page, live_server: LiveServer) -> None:
    _log_in(page, live_server.admin.username, live_server.admin.password)
    nav = page.get_by_test_id("side-nav")
    expect(nav).to_contain_text(ZH_NAV[0])
    expect(page.get_by_test_id("logout")).to_have_text("退出登录")

    page.get_by_test_id("lang-en").click()
    for label in EN_NAV:
        expect(nav).to_contain_text(label)
    expect(page.get_by_test_id("logout")).to_have_text("Log out")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.reload()
    expect(page.get_by_test_id("logout")).to_have_text("Log out")
    expect(nav).to_contain_text("Overview")

    page.get_by_test_id("lang-zh-CN").click()
    for label in ZH_NAV:
        expect(nav).to_contain_text(label)
    page.reload()
    expect(page.get_by_test_id("logout")).to_have_text("退出登录")


def test_logout__returns_to_login_and_protects_pages(page: Page, live_server: LiveServer) -> None:
    _log_in(page, live_server.admin.username, live_server.admin.password)
    expect(page).to_have_url(f"{live_server.url}/overview")

    with page.expect_response("**/api/v1/auth/logout") as logout:
        page.get_by_test_id("logout").click()
    assert logout.value.status == 204
    expect(page).to_have_url(f"{live_server.url}/login")

    page.goto("/video")
    expect(page).to_have_url(re.compile(r"/login\?redirect=(/|%2F)video"))
    expect(page.get_by_test_id("login-form")).to_be_visible()


def test_nav__viewer_does_not_see_audit_or_admin(page: Page, live_server: LiveServer) -> None:
    _log_in(page, live_server.viewer.username, live_server.viewer.password)
    expect(page.get_by_test_id("current-user")).to_have_text(live_server.viewer.display_name)
    nav = page.get_by_test_id("side-nav")
    expect(nav).to_contain_text("总览")

    expect(page.get_by_test_id("nav-audit")).to_have_count(0)
    expect(page.get_by_test_id("nav-admin")).to_have_count(0)
    expect(nav).not_to_contain_text("审计日志")
    expect(nav).not_to_contain_text("系统管理")

    page.goto("/admin")
    expect(page).to_have_url(f"{live_server.url}/overview")


def test_nav__admin_sees_every_domain(page: Page, live_server: LiveServer) -> None:
    _log_in(page, live_server.admin.username, live_server.admin.password)
    nav = page.get_by_test_id("side-nav")
    for label in [*ZH_NAV, "审计日志", "系统管理"]:
        expect(nav).to_contain_text(label)

    page.get_by_test_id("nav-audit").click()
    expect(page.get_by_test_id("page-title")).to_have_text("审计日志")
    expect(page.get_by_test_id("audit-purpose-form")).to_be_visible()


def test_shell__requests_only_the_local_server(
    page: Page, live_server: LiveServer, requested_urls: list[str]
) -> None:
    _log_in(page, live_server.admin.username, live_server.admin.password)
    expect(page.get_by_test_id("health-status")).to_have_text("ok")
    for name in ["video", "view-library", "investigation", "grid", "incidents", "audit", "admin"]:
        page.get_by_test_id(f"nav-{name}").click()
        expect(page).to_have_url(f"{live_server.url}/{name}")
    page.get_by_test_id("lang-en").click()
    page.get_by_test_id("logout").click()
    expect(page).to_have_url(f"{live_server.url}/login")

    hosts = {urlsplit(url).hostname for url in requested_urls if not url.startswith(("data:", "blob:"))}
    assert requested_urls
    assert hosts == {live_server.host}, f"requests left the machine: {sorted(map(str, hosts))}"
