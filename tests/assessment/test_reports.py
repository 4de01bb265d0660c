"""Rendered reports checked as a reader would: the PDF page by page (text incl. Chinese, a chart
drawn), the Excel workbook (sheets, chart), and the API (permissions, refusal, downloads)."""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy.orm import Session

from tests.assessment.conftest import FakeContractorFeed, Month
from tests.factories import login, make_user
from xueliang.assessment import flows, reports, scorecard, service
from xueliang.assessment.dependencies import get_feed
from xueliang.assessment.periods import Period
from xueliang.assessment.schemas import AssessmentPlanInput, ReportOut, ScorecardInput, ScorecardItem
from xueliang.assessment.svg import BAR
from xueliang.auth.principal import Principal
from xueliang.core.config import Settings

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
ADMIN = Principal.system("tester")
NOW = datetime(2026, 4, 1, 8, 0, tzinfo=UTC)
WEIGHTS = {"closure_rate": 40.0, "closure_on_time_rate": 30.0, "rework_rate": 30.0, "handle_time_mean": 0.0}


def _report(db: Session, settings: Settings, label: str = "2026-03") -> ReportOut:
    data = AssessmentPlanInput.model_validate(
        {
            "code": "towns",
            "name": "街道月度考核",
            "subject_type": "town",
            "period_kind": "month",
            "weights": WEIGHTS,
            "min_sample": 2,
        }
    )
    plan = service.create_plan(db=db, principal=ADMIN, data=data)
    run = flows.generate(db=db, plan=plan, period=Period.parse(label), principal=ADMIN, settings=settings)
    return service.report(db=db, plan=plan, run=run)


def _pages(pdf: bytes, tmp: Path) -> list[str]:
    path = tmp / "report.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    count = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    return [
        subprocess.run(
            ["pdftotext", "-f", str(n), "-l", str(n), "-layout", str(path), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for n in range(1, count + 1)
    ]


def _chart_pixels(pdf: bytes, tmp: Path, page: int = 1) -> int:
    """Pixels of the bar colour on a page rendered at 50 dpi."""
    path = tmp / "chart.pdf"
    path.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "50", "-f", str(page), "-l", str(page), str(path), str(tmp / "p")],
        check=True,
    )
    image = Image.open(next(tmp.glob("p*.png"))).convert("RGB")
    target = tuple(int(BAR[i : i + 2], 16) for i in (1, 3, 5))
    return sum(1 for px in image.getdata() if all(abs(a - b) < 12 for a, b in zip(px, target, strict=True)))


@needs_poppler
def test_report_pdf__page_by_page(db: Session, month: Month, settings: Settings, tmp_path: Path) -> None:
    report = _report(db, settings)
    pdf = reports.report_pdf(report, user="审计员", now=NOW)
    pages = _pages(pdf, tmp_path)
    assert len(pages) >= 2
    assert "街道月度考核 考核报告 2026-03" in pages[0]
    assert "综合得分" in pages[0] and "平均得分走势" in pages[0]  # the charts' titles (SVG text)
    assert "一街道" in pages[0]  # a bar's label
    assert "导出: 审计员" in pages[0] and "第1页/共" in pages[0].replace(" ", "")  # watermark, page number
    rest = "\n".join(pages[1:])
    for text in (
        "考核结果",
        "一街道",
        "二街道",
        "样本不足",
        "结案率",
        "按期结案率",
        "返工率",
        "指标说明",
        "越低越好",
    ):
        assert text in rest, text
    assert _chart_pixels(pdf, tmp_path) > 200


@needs_poppler
def test_report_pdf__empty_period(db: Session, month: Month, settings: Settings, tmp_path: Path) -> None:
    pages = _pages(reports.report_pdf(_report(db, settings, "2027-01"), user="u", now=NOW), tmp_path)
    assert "本期无数据" in pages[0] and "No data for this period" in pages[0]


def test_report_xlsx__sheets_values_and_chart(db: Session, month: Month, settings: Settings) -> None:
    book = load_workbook(io.BytesIO(reports.report_xlsx(_report(db, settings), user="u", now=NOW)))
    sheet = book["考核结果"]
    assert sheet["A1"].value == "街道月度考核 考核报告 2026-03"
    header = [c.value for c in sheet[3]]
    assert header[:4] == ["排名", "对象编码", "对象", "得分"] and "结案率 %" in header
    first = [c.value for c in sheet[4]]
    assert first[2] == "一街道" and first[header.index("结案率 %")] == 75.0
    assert len(sheet._charts) == 1
    assert "指标说明" in book.sheetnames


@needs_poppler
def test_contractor_report__deduction_table_in_pdf_and_excel(
    db: Session, settings: Settings, tmp_path: Path
) -> None:
    data = AssessmentPlanInput.model_validate(
        {
            "code": "maint",
            "name": "运维考核",
            "subject_type": "contractor",
            "period_kind": "month",
            "weights": {"availability": 50, "work_order_on_time_rate": 50},
            "min_sample": 1,
        }
    )
    plan = service.create_plan(db=db, principal=ADMIN, data=data)
    run = flows.generate(
        db=db,
        plan=plan,
        period=Period.parse("2026-03"),
        principal=ADMIN,
        settings=settings,
        feed=FakeContractorFeed(),
    )
    report = service.report(db=db, plan=plan, run=run)
    text = "\n".join(_pages(reports.report_pdf(report, user="u", now=NOW), tmp_path))
    assert "服务费扣减表" in text and "乙运维公司" in text and "2,500.00" in text
    book = load_workbook(io.BytesIO(reports.report_xlsx(report, user="u", now=NOW)))
    assert [c.value for c in book["服务费扣减"][1]][:2] == ["运维单位", "考核指标"]


@needs_poppler
def test_scorecard_pdf(db: Session, month: Month, settings: Settings, tmp_path: Path) -> None:
    items = [ScorecardItem.model_validate(i) for i in scorecard.TEMPLATE]
    card = scorecard.save(
        db=db, principal=ADMIN, data=ScorecardInput(name="雪亮工程", period="2026-03", items=items)
    )
    out = scorecard.score(db=db, settings=settings, card=card, feed=FakeContractorFeed())
    pages = _pages(reports.scorecard_pdf(out, user="u", now=NOW), tmp_path)
    text = "\n".join(pages)
    assert "雪亮工程 项目绩效评价表" in text and "设备在线率" in text and "缺数据" in text
    assert f"等级: {out.grade}" in text
    assert _chart_pixels(reports.scorecard_pdf(out, user="u", now=NOW), tmp_path) > 50


def test_api__plans_generation_and_downloads(
    admin_client: TestClient, db: Session, month: Month, app: object
) -> None:
    app.dependency_overrides[get_feed] = FakeContractorFeed  # type: ignore[attr-defined]
    body = {
        "code": "towns",
        "name": "街道月度考核",
        "subject_type": "town",
        "period_kind": "month",
        "weights": {"closure_rate": 50, "rework_rate": 30},
        "min_sample": 2,
    }
    refused = admin_client.post("/api/v1/assessment/plans", json=body)
    assert refused.status_code == 422 and "街道月度考核" in refused.json()["detail"]
    body["weights"] = {"closure_rate": 50, "rework_rate": 50}
    plan = admin_client.post("/api/v1/assessment/plans", json=body).json()
    generated = admin_client.post(
        f"/api/v1/assessment/plans/{plan['id']}/generate", json={"period": "2026-03"}
    )
    assert generated.status_code == 200, generated.text
    assert generated.json()["rows"][0]["subject_name"] == "一街道"
    report = admin_client.get(f"/api/v1/assessment/plans/{plan['id']}/report", params={"period": "2026-03"})
    assert report.json()["run"]["subjects"] == 2
    missing = admin_client.get(f"/api/v1/assessment/plans/{plan['id']}/report", params={"period": "2026-02"})
    assert missing.status_code == 404
    pdf = admin_client.get(f"/api/v1/assessment/plans/{plan['id']}/report.pdf", params={"period": "2026-03"})
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    xlsx = admin_client.get(
        f"/api/v1/assessment/plans/{plan['id']}/report.xlsx", params={"period": "2026-03"}
    )
    assert xlsx.status_code == 200 and xlsx.content.startswith(b"PK")
    assert len(admin_client.get("/api/v1/assessment/indicators").json()) > 30


def test_api__reading_needs_assessment_read(client: TestClient, db: Session) -> None:
    viewer = make_user(db, roles=("viewer",))
    db.commit()
    login(client, viewer.username)
    assert client.get("/api/v1/assessment/plans").status_code == 403


def test_api__a_region_scoped_reader_sees_only_subjects_in_scope(
    client: TestClient, db: Session, month: Month, settings: Settings
) -> None:
    from tests.assessment.conftest import T2
    from xueliang.auth.enums import ScopeKind

    report = _report(db, settings)
    reader = make_user(db, roles=("operator",), scopes=((ScopeKind.region, T2),))
    db.commit()
    login(client, reader.username)
    plan_id = report.run.plan_id
    rows = client.get(f"/api/v1/assessment/plans/{plan_id}/report", params={"period": "2026-03"}).json()[
        "rows"
    ]
    assert [r["subject_key"] for r in rows] == [T2]


def test_lifespan__registers_the_monthly_job(app: object) -> None:
    from fastapi import FastAPI

    assert isinstance(app, FastAPI)
    with TestClient(app):
        jobs = {job.name: job for job in app.state.scheduler.jobs()}
        assert jobs["assessment.generate"].schedule == "monthly on day 1 at 02:00"
