"""The assessment page in headless chromium against a live `xueliang serve`: a plan whose weights
do not make 100 % is refused with the plan's name, a valid one is saved; generating a month shows
ranks, the ECharts charts and the downloads; a month without data shows the empty report."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import Page, expect

if TYPE_CHECKING:
    from conftest import LiveServer

pytestmark = pytest.mark.browser


def _login(page: Page, live_server: LiveServer) -> None:
    account = live_server.admin
    response = page.request.post(
        "/api/v1/auth/login", data={"username": account.username, "password": account.password}
    )
    assert response.status == 200, response.text()


def _put(page: Page, path: str, data: dict[str, Any]) -> None:
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "xl_csrf")
    response = page.request.fetch(path, method="PUT", data=data, headers={"X-CSRF-Token": csrf})
    assert response.ok, response.text()


def test_assessment__plan_generation_charts_and_downloads(
    page: Page, live_server: LiveServer, requested_urls: list[str]
) -> None:
    _login(page, live_server)
    for code, name, online, on_time in (("X", "甲运维公司", 940, 19), ("Y", "乙运维公司", 990, 8)):
        _put(
            page,
            "/api/v1/assessment/contractor-months",
            {
                "contractor_code": code,
                "contractor_name": name,
                "month": "2026-03-01",
                "device_hours": 1000,
                "online_hours": online,
                "orders_due": 20,
                "orders_on_time": on_time,
                "monthly_fee": 100000,
            },
        )
    page.goto("/assessment?tab=plans")
    expect(page.get_by_test_id("page-title")).to_have_text("考核评价")
    page.get_by_test_id("plan-new").click()
    page.get_by_test_id("plan-code").fill("maint")
    page.get_by_test_id("plan-name").fill("运维月度考核")
    page.get_by_test_id("plan-subject").select_option("contractor")
    page.get_by_test_id("plan-min-sample").fill("1")
    page.get_by_test_id("weight-availability").fill("60")
    page.get_by_test_id("weight-work_order_on_time_rate").fill("30")
    expect(page.get_by_test_id("plan-weight-total")).to_contain_text("90")
    page.get_by_test_id("plan-save").click()
    expect(page.get_by_test_id("plan-error")).to_contain_text("运维月度考核")
    page.get_by_test_id("weight-work_order_on_time_rate").fill("40")
    page.get_by_test_id("plan-save").click()
    expect(page.get_by_test_id("plan-saved")).to_be_visible()
    expect(page.get_by_test_id("plan-maint")).to_contain_text("运维单位")

    page.get_by_test_id("assessment-tab-results").click()
    expect(page.get_by_test_id("assessment-missing")).to_be_visible()  # last month: not generated
    page.get_by_test_id("assessment-period").fill("2026-03")
    page.get_by_test_id("assessment-show").click()
    expect(page.get_by_test_id("assessment-missing")).to_contain_text("2026-03")
    page.get_by_test_id("assessment-generate").click()
    results = page.get_by_test_id("assessment-results")
    expect(results.get_by_test_id("assessment-row-X")).to_contain_text("甲运维公司")
    row_y = results.get_by_test_id("assessment-row-Y")
    expect(row_y).to_contain_text("75.4")  # 0.6 × availability 99 % + 0.4 × on time 40 %
    expect(page.get_by_test_id("assessment-score-chart").locator("canvas")).to_have_count(1)
    expect(page.get_by_test_id("assessment-trend-chart").locator("canvas")).to_have_count(1)
    expect(page.get_by_test_id("assessment-deductions")).to_contain_text("乙运维公司")

    pdf = page.request.get(page.get_by_test_id("assessment-pdf").get_attribute("href") or "")
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    xlsx = page.request.get(page.get_by_test_id("assessment-xlsx").get_attribute("href") or "")
    assert xlsx.status == 200 and xlsx.body()[:2] == b"PK"

    page.get_by_test_id("assessment-period").fill("2027-01")
    page.get_by_test_id("assessment-show").click()
    page.get_by_test_id("assessment-generate").click()
    expect(page.get_by_test_id("assessment-empty")).to_have_text("本期无数据")
    assert all(url.startswith(live_server.url) for url in requested_urls)


def test_assessment__project_scorecard_from_the_template(page: Page, live_server: LiveServer) -> None:
    _login(page, live_server)
    page.goto("/assessment?tab=scorecards")
    page.get_by_test_id("scorecard-name").fill("雪亮工程二期")
    page.get_by_test_id("scorecard-period").fill("2026-03")
    page.get_by_test_id("scorecard-create").click()
    card = page.locator("[data-testid^=scorecard-]").filter(has_text="雪亮工程二期").first
    expect(card).to_contain_text("设备在线率")
    expect(card.get_by_test_id("scorecard-grade")).to_have_text("差")  # manual items not scored yet
    before = float(re.search(r"— ([0-9.]+)", card.locator("h2").inner_text())[1])  # type: ignore[index]
    card.get_by_test_id("scorecard-manual-0").fill("8")  # 立项依据充分性, 10 points, scored by hand
    card.get_by_test_id("scorecard-manual-0").blur()
    expect(card.locator("h2")).to_contain_text(f"— {before + 8:.1f}")
    pdf = page.request.get(card.get_by_test_id("scorecard-pdf").get_attribute("href") or "")
    assert pdf.status == 200 and pdf.body()[:4] == b"%PDF"
