"""The administration and audit log pages in headless chromium against a live `xueliang serve`."""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Browser, Page, Route, expect

if TYPE_CHECKING:
    from conftest import LiveServer

pytestmark = pytest.mark.browser

PURPOSE = "季度安全检查 web test"


@pytest.fixture(scope="module", name="admin_state")
def _admin_state(browser: Browser, live_server: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Cookies of one admin session, logged in once for the module (login attempts are rate-limited)."""
    context = browser.new_context(base_url=live_server.url)
    admin = live_server.admin
    response = context.request.post(
        "/api/v1/auth/login", data={"username": admin.username, "password": admin.password}
    )
    assert response.status == 200, response.text()
    state = tmp_path_factory.mktemp("admin-state") / "state.json"
    context.storage_state(path=state)
    context.close()
    return state


@pytest.fixture(name="admin_page")
def _admin_page(browser: Browser, live_server: LiveServer, admin_state: Path) -> Iterator[Page]:
    """A page already logged in as the admin, zh-CN."""
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", storage_state=admin_state)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def _log_in(page: Page, username: str, password: str) -> None:
    page.goto("/login")
    page.get_by_test_id("login-username").fill(username)
    page.get_by_test_id("login-password").fill(password)
    page.get_by_test_id("login-submit").click()


def _open_audit_log(page: Page, purpose: str = PURPOSE) -> None:
    page.goto("/audit")
    page.get_by_test_id("audit-purpose").fill(purpose)
    page.get_by_test_id("audit-start").click()
    expect(page.get_by_test_id("audit-table")).to_be_visible()


def test_admin__creates_a_user_who_can_log_in(admin_page: Page, page: Page, live_server: LiveServer) -> None:
    username = f"u{secrets.token_hex(4)}"
    password = secrets.token_urlsafe(12)
    admin_page.goto("/admin")
    expect(admin_page.get_by_test_id("page-title")).to_have_text("系统管理")
    expect(admin_page.get_by_test_id(f"user-row-{live_server.admin.username}")).to_contain_text("正常")

    admin_page.get_by_test_id("user-create").click()
    dialog = admin_page.get_by_test_id("user-create-dialog")
    dialog.get_by_test_id("user-username").fill(username)
    dialog.get_by_test_id("user-display-name").fill("新用户 Nora")
    dialog.get_by_test_id("user-password").fill("short")
    dialog.get_by_test_id("role-analyst").check()
    dialog.get_by_test_id("user-create-submit").click()
    expect(dialog.get_by_test_id("field-error-password")).to_contain_text("10")

    dialog.get_by_test_id("user-password").fill(password)
    dialog.get_by_test_id("user-create-submit").click()
    expect(dialog).to_have_count(0)
    expect(admin_page.get_by_test_id("users-notice")).to_contain_text(username)
    row = admin_page.get_by_test_id(f"user-row-{username}")
    expect(row).to_contain_text("研判分析员")
    expect(row.locator("[data-status=active]")).to_be_visible()

    _log_in(page, username, password)
    expect(page).to_have_url(f"{live_server.url}/overview")
    expect(page.get_by_test_id("current-user")).to_have_text("新用户 Nora")
    expect(page.get_by_test_id("nav-admin")).to_have_count(0)

    row.get_by_test_id("user-edit").click()
    edit = admin_page.get_by_test_id("user-edit-dialog")
    edit.get_by_test_id("role-viewer").check()
    edit.get_by_test_id("user-edit-submit").click()
    expect(edit).to_have_count(0)
    expect(row).to_contain_text("只读用户")
    row.get_by_test_id("user-disable").click()
    expect(row.locator("[data-status=disabled]")).to_have_text("已停用")
    expect(row.get_by_test_id("user-enable")).to_be_visible()


def test_admin__duplicate_username_is_shown_next_to_the_field(
    admin_page: Page, live_server: LiveServer
) -> None:
    admin_page.goto("/admin")
    admin_page.get_by_test_id("user-create").click()
    dialog = admin_page.get_by_test_id("user-create-dialog")
    dialog.get_by_test_id("user-username").fill(live_server.viewer.username)
    dialog.get_by_test_id("user-password").fill(secrets.token_urlsafe(12))
    dialog.get_by_test_id("user-create-submit").click()
    expect(dialog.get_by_test_id("field-error-username")).to_contain_text(live_server.viewer.username)


def test_admin__api_token_secret_shown_once_then_revoked(admin_page: Page, live_server: LiveServer) -> None:
    name = f"tok-{secrets.token_hex(3)}"
    admin_page.goto("/admin")
    admin_page.get_by_test_id("admin-tab-tokens").click()
    admin_page.get_by_test_id("token-user").select_option(
        label=f"{live_server.viewer.username} ({live_server.viewer.display_name})"
    )
    admin_page.get_by_test_id("token-name").fill(name)
    admin_page.get_by_test_id("token-submit").click()

    secret_box = admin_page.get_by_test_id("token-secret")
    expect(secret_box.get_by_test_id("token-secret-warning")).to_contain_text("唯一一次")
    assert len(secret_box.get_by_test_id("token-secret-value").input_value()) >= 20
    secret_box.get_by_test_id("token-secret-done").click()
    expect(secret_box).to_have_count(0)

    row = admin_page.get_by_test_id(f"token-row-{name}")
    expect(row.locator("[data-status=active]")).to_be_visible()
    row.get_by_test_id("token-revoke").click()
    expect(row.get_by_test_id("token-revoke-question")).to_contain_text(name)
    row.get_by_test_id("token-revoke-confirm").click()
    expect(row.locator("[data-status=revoked]")).to_be_visible()


def test_audit__no_entries_before_a_purpose_then_own_login_and_purpose(
    admin_page: Page, live_server: LiveServer
) -> None:
    entry_requests: list[str] = []
    admin_page.on("request", lambda r: entry_requests.append(r.url) if "/audit/entries" in r.url else None)
    admin_page.goto("/audit")
    expect(admin_page.get_by_test_id("audit-purpose-why")).to_contain_text("本身都会记入审计日志")
    admin_page.get_by_test_id("audit-purpose").fill("why")
    admin_page.get_by_test_id("audit-start").click()
    expect(admin_page.get_by_test_id("audit-purpose-error")).to_be_visible()
    expect(admin_page.get_by_test_id("audit-table")).to_have_count(0)
    assert entry_requests == []

    admin_page.get_by_test_id("audit-purpose").fill(PURPOSE)
    with admin_page.expect_response("**/api/v1/audit/entries?*") as first:
        admin_page.get_by_test_id("audit-start").click()
    assert first.value.status == 200
    expect(admin_page.get_by_test_id("audit-current-purpose")).to_contain_text(PURPOSE)
    login = admin_page.locator(f"[data-action='auth.login'][data-actor='{live_server.admin.username}']")
    expect(login.first).to_be_visible()

    admin_page.get_by_test_id("audit-filter-action").fill("audit.read")
    admin_page.get_by_test_id("audit-filter-apply").click()
    reads = admin_page.locator("[data-testid=audit-row][data-action='audit.read']")
    expect(reads.first.get_by_test_id("audit-purpose-cell")).to_have_text(PURPOSE)
    reads.first.get_by_test_id("audit-toggle-request").click()
    expect(admin_page.get_by_test_id("audit-request").first).to_contain_text('"limit": 50')


def test_audit__server_refusal_returns_to_the_purpose_form(admin_page: Page) -> None:
    problem = {
        "type": "urn:xueliang:problem:audit.purpose_required",
        "title": "Bad request",
        "status": 400,
        "detail": "this endpoint reads sensitive data: give a case number or a purpose",
        "code": "audit.purpose_required",
    }

    def refuse(route: Route) -> None:
        route.fulfill(status=400, content_type="application/problem+json", body=json.dumps(problem))

    admin_page.route("**/api/v1/audit/entries?*", refuse)
    admin_page.goto("/audit")
    admin_page.get_by_test_id("audit-case-id").fill("A2024-001")
    admin_page.get_by_test_id("audit-start").click()
    expect(admin_page.get_by_test_id("audit-refusal")).to_contain_text("sensitive data")
    expect(admin_page.get_by_test_id("audit-table")).to_have_count(0)


def test_audit__verify_reports_the_chain_intact(admin_page: Page) -> None:
    _open_audit_log(admin_page)
    admin_page.get_by_test_id("audit-verify").click()
    result = admin_page.get_by_test_id("audit-verify-result")
    expect(result).to_have_attribute("data-ok", "true")
    expect(result).to_contain_text(re.compile(r"审计链完整：已校验 \d+ 条记录"))


def test_audit__verify_shows_a_broken_chain_prominently(admin_page: Page) -> None:
    broken = {"ok": False, "checked": 3, "bad_entry_id": 4, "reason": "hash mismatch"}

    def answer(route: Route) -> None:
        route.fulfill(status=200, content_type="application/json", body=json.dumps(broken))

    admin_page.route("**/api/v1/audit/verify", answer)
    admin_page.goto("/audit")
    admin_page.get_by_test_id("audit-verify").click()
    result = admin_page.get_by_test_id("audit-verify-result")
    expect(result).to_have_attribute("data-ok", "false")
    expect(result).to_contain_text("审计链在第 4 条记录处断裂")
    expect(result).to_contain_text("hash mismatch")
