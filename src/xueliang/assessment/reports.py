"""Report files: the plan report as PDF (WeasyPrint, CJK fonts, inline SVG charts) and as Excel
(openpyxl, with a bar chart), the contractor fee-deduction table inside both, and the project
scorecard as PDF. Every file carries a watermark line naming who exported it and when."""

from __future__ import annotations

import io
from datetime import datetime
from html import escape
from typing import Any

from xueliang.assessment import svg
from xueliang.assessment.enums import SUBJECT_NAMES, SubjectType
from xueliang.assessment.schemas import IndicatorOut, ReportOut, ScorecardOut

FONT = "'Noto Sans CJK SC', 'Noto Serif CJK SC', sans-serif"
STATUS_ZH = {"ranked": "", "insufficient_data": "样本不足"}
DIRECTION_ZH = {"higher": "越高越好", "lower": "越低越好"}
INDICATOR_ZH = {"availability": "设备在线率", "work_order_on_time_rate": "工单按时完成率", "total": "合计"}

CSS = f"""
@page {{ size: A4 landscape; margin: 14mm 12mm 16mm 12mm;
  @bottom-left {{ content: var(--watermark); font-family: {FONT}; font-size: 8pt; color: #777; }}
  @bottom-right {{ content: "第 " counter(page) " 页 / 共 " counter(pages) " 页"; font-family: {FONT};
    font-size: 8pt; color: #777; }} }}
body {{ font-family: {FONT}; font-size: 9.5pt; color: #222; }}
h1 {{ font-size: 17pt; margin: 0 0 4pt; }} h2 {{ font-size: 12.5pt; margin: 14pt 0 6pt; }}
.meta {{ color: #555; margin-bottom: 8pt; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ border: 0.5pt solid #aab; padding: 2pt 3.5pt; text-align: left; font-size: 8.5pt; }}
h3 {{ font-size: 10pt; margin: 10pt 0 4pt; }}
th {{ background: #e8eef6; }} td.n {{ text-align: right; }}
.empty {{ border: 1pt dashed #999; padding: 16pt; text-align: center; font-size: 13pt; color: #555; }}
.chart {{ margin: 4pt 0; }} .page {{ page-break-before: always; }}
"""


def _watermark(user: str, now: datetime) -> str:
    return f"导出: {user} · {now:%Y-%m-%d %H:%M} UTC · 雪亮平台"


def _document(title: str, body: str, watermark: str) -> bytes:
    from weasyprint import HTML  # type: ignore[import-untyped]

    html = (
        f"<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'><title>{escape(title)}</title>"
        f"<style>{CSS.replace('var(--watermark)', _css_string(watermark))}</style></head>"
        f"<body>{body}</body></html>"
    )
    return bytes(HTML(string=html).write_pdf())


def _css_string(text: str) -> str:
    """A CSS string literal (for the page margin box, which cannot read the document's text)."""
    return '"' + "".join(c if c.isalnum() or c in " :·-_." else f"\\{ord(c):x} " for c in text) + '"'


def format_value(indicator: IndicatorOut, cell: dict[str, Any] | None) -> str:
    value = None if cell is None else cell.get("value")
    if value is None:
        return "—"
    if indicator.kind == "ratio":
        return f"{100 * value:.1f}%"
    if indicator.kind == "count":
        return f"{value:g}"
    return f"{value:.1f} h"


def _signed(value: float | int | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:+.{digits}f}" if isinstance(value, float) else f"{value:+d}"


def _table(head: list[str], rows: list[list[str]], numeric_from: int = 99) -> str:
    th = "".join(f"<th>{escape(h)}</th>" for h in head)
    body = "".join(
        "<tr>"
        + "".join(f"<td class='{'n' if i >= numeric_from else ''}'>{escape(c)}</td>" for i, c in enumerate(r))
        + "</tr>"
        for r in rows
    )
    return f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


INDICATOR_COLUMNS = 9  # indicator columns per table, so that a wide plan still fits the page


def _results_table(report: ReportOut) -> str:
    """The scores table, then the indicator values in tables of a few columns each."""
    head = ["排名", "对象", "得分", "等级", "较上期", "名次变化", "样本", "状态"]
    rows = [
        [
            _rank(r.rank),
            r.subject_name,
            "—" if r.score is None else f"{r.score:.1f}",
            r.grade or "—",
            _signed(r.change),
            _signed(r.rank_change),
            str(r.sample),
            STATUS_ZH.get(r.status, r.status) + (f" 调整{r.adjustment:+g}" if r.adjustment else ""),
        ]
        for r in report.rows
    ]
    parts = [_table(head, rows, numeric_from=2)]
    for first in range(0, len(report.indicators), INDICATOR_COLUMNS):
        chunk = report.indicators[first : first + INDICATOR_COLUMNS]
        values = [
            [_rank(r.rank), r.subject_name] + [format_value(i, r.values.get(i.code)) for i in chunk]
            for r in report.rows
        ]
        parts.append(
            f"<h3>指标值</h3>{_table(['排名', '对象'] + [i.zh for i in chunk], values, numeric_from=2)}"
        )
    return "".join(parts)


def _rank(rank: int | None) -> str:
    return "—" if rank is None else str(rank)


def _definitions(report: ReportOut) -> str:
    rows = [
        [
            i.zh,
            i.en,
            f"{i.numerator_zh} / {i.denominator_zh}" if i.denominator_zh else i.numerator_zh,
            DIRECTION_ZH[i.direction],
            f"{report.run.weights.get(i.code, 0):g}%",
        ]
        for i in report.indicators
    ]
    return _table(["指标", "Indicator", "公式", "方向", "权重"], rows)


def _deductions(report: ReportOut) -> str:
    rows = [
        [
            d.contractor_name,
            INDICATOR_ZH.get(d.indicator, d.indicator),
            "—" if d.actual is None else f"{d.actual:.2f}%",
            "" if d.indicator == "total" else f"{d.target:g}%",
            "" if d.indicator == "total" else f"{d.shortfall:.2f}",
            f"{d.deduction_pct:.2f}%",
            f"{d.fee:,.2f}",
            f"{d.deduction:,.2f}",
        ]
        for d in report.deductions
    ]
    head = [
        "运维单位",
        "考核指标",
        "实际值",
        "目标值",
        "差额(百分点)",
        "扣减比例",
        "月服务费(元)",
        "扣减金额(元)",
    ]
    return _table(head, rows, numeric_from=2)


def report_pdf(report: ReportOut, *, user: str, now: datetime) -> bytes:
    run = report.run
    kind = SUBJECT_NAMES[SubjectType(run.subject_type)][0]
    title = f"{run.plan_name} 考核报告 {run.period}"
    meta = (
        f"考核对象: {kind} · 考核期: {run.period} · 生成: {run.generated_at:%Y-%m-%d %H:%M} UTC"
        f" ({escape(run.generated_by)}) · 对象数: {run.subjects}"
    )
    parts = [f"<h1>{escape(title)}</h1><div class='meta'>{escape(meta)}</div>"]
    if run.empty:
        parts.append("<div class='empty'>本期无数据 · No data for this period</div>")
    else:
        top = report.rows[:20]
        bars = [(r.subject_name, r.score) for r in top]
        muted = [r.rank is None for r in top]
        parts.append(svg.bar_chart(bars, title="综合得分 (前 20 名，浅色: 样本不足)", muted=muted))
        trend = [(p.period, p.average) for p in report.history]
        parts.append(svg.line_chart(trend, title="平均得分走势"))
        parts.append(f"<h2 class='page'>考核结果</h2>{_results_table(report)}")
    if report.deductions:
        parts.append(f"<h2>服务费扣减表</h2>{_deductions(report)}")
    if report.adjustments:
        rows = [
            [a.subject_key, f"{a.points:+g}", a.reason, a.by_name, f"{a.at:%Y-%m-%d}"]
            for a in report.adjustments
        ]
        parts.append(f"<h2>人工调整</h2>{_table(['对象', '分值', '理由', '调整人', '日期'], rows)}")
    parts.append(f"<h2>指标说明</h2>{_definitions(report)}")
    return _document(title, "".join(parts), _watermark(user, now))


def scorecard_pdf(card: ScorecardOut, *, user: str, now: datetime) -> bytes:
    title = f"{card.name} 项目绩效评价表"
    rows = [
        [
            line.category,
            line.name,
            f"{line.points:g}",
            "—" if line.actual is None else f"{line.actual:.2f}",
            "—" if line.target is None else f"{line.target:g}",
            {"platform": "平台数据", "manual": "人工评分", "missing": "缺数据"}[line.source],
            "—" if line.score is None else f"{line.score:.1f}",
            line.note,
        ]
        for line in card.lines
    ]
    rows.append(["合计", "", "100", "", "", "", f"{card.total:.1f}", f"等级: {card.grade}"])
    categories: dict[str, float] = {}
    for line in card.lines:
        categories[line.category] = categories.get(line.category, 0.0) + (line.score or 0.0)
    body = (
        f"<h1>{escape(title)}</h1><div class='meta'>项目: {escape(card.project)} · "
        f"评价期: {escape(card.period)} · 总分 {card.total:.1f} · 等级 {escape(card.grade)}"
        " (优秀 ≥ 90, 良好 80–89, 中 60–79, 差 &lt; 60)</div>"
        + svg.bar_chart(
            list(categories.items()), title="各类得分", max_value=max([*categories.values(), 1.0])
        )
        + _table(
            ["一级指标", "二级指标", "分值", "实际值", "目标值", "来源", "得分", "说明"], rows, numeric_from=2
        )
    )
    return _document(title, body, _watermark(user, now))


def report_xlsx(report: ReportOut, *, user: str, now: datetime) -> bytes:
    from openpyxl import Workbook  # type: ignore[import-untyped]
    from openpyxl.chart import BarChart, Reference  # type: ignore[import-untyped]
    from openpyxl.styles import Font  # type: ignore[import-untyped]

    run = report.run
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "考核结果"
    sheet.append([f"{run.plan_name} 考核报告 {run.period}"])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([_watermark(user, now)])
    head = ["排名", "对象编码", "对象", "得分", "等级", "较上期", "名次变化", "样本", "状态"]
    units = {"ratio": " %", "duration": " (h)", "count": ""}
    sheet.append(head + [i.zh + units[i.kind] for i in report.indicators])
    for r in report.rows:
        values = [r.values.get(i.code, {}).get("value") for i in report.indicators]
        sheet.append(
            [
                r.rank,
                r.subject_key,
                r.subject_name,
                r.score,
                r.grade,
                r.change,
                r.rank_change,
                r.sample,
                STATUS_ZH.get(r.status, r.status),
            ]
            + [
                None if v is None else round(v * 100, 2) if i.kind == "ratio" else v
                for i, v in zip(report.indicators, values, strict=True)
            ]
        )
    if run.empty:
        sheet.append(["本期无数据 · No data for this period"])
    elif report.rows:
        chart = BarChart()
        chart.type, chart.title, chart.y_axis.title = "bar", "综合得分", "得分"
        last = 3 + len(report.rows)
        chart.add_data(Reference(sheet, min_col=4, min_row=3, max_row=last), titles_from_data=True)
        chart.set_categories(Reference(sheet, min_col=3, min_row=4, max_row=last))
        chart.height, chart.width = max(7.5, 0.5 * len(report.rows)), 16
        sheet.add_chart(chart, f"{_column(len(head) + len(report.indicators) + 2)}3")
    defs = book.create_sheet("指标说明")
    defs.append(["代码", "指标", "Indicator", "分子", "分母", "方向", "单位", "权重 %"])
    for i in report.indicators:
        defs.append(
            [
                i.code,
                i.zh,
                i.en,
                i.numerator_zh,
                i.denominator_zh,
                DIRECTION_ZH[i.direction],
                str(i.unit),
                run.weights.get(i.code, 0),
            ]
        )
    if report.deductions:
        fees = book.create_sheet("服务费扣减")
        fees.append(
            ["运维单位", "考核指标", "实际值 %", "目标值 %", "差额", "扣减比例 %", "月服务费", "扣减金额"]
        )
        for d in report.deductions:
            fees.append(
                [
                    d.contractor_name,
                    INDICATOR_ZH.get(d.indicator, d.indicator),
                    d.actual,
                    d.target,
                    d.shortfall,
                    d.deduction_pct,
                    d.fee,
                    d.deduction,
                ]
            )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _column(index: int) -> str:
    from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

    return str(get_column_letter(index))
