"""The indicator catalogue, as data: each indicator names its numerator and denominator measures
(``measures.py``), its direction, unit and the subject types it applies to (grid-governance.md §2.4).

Kinds: ``ratio`` (numerator / denominator, shown as %), ``count`` (the numerator alone) and
``duration`` (mean or p90 of a stage time in hours, over the stages that ended in the period).
"""

from __future__ import annotations

from dataclasses import dataclass

from xueliang.assessment.enums import Direction, SubjectType, Unit

T = SubjectType
AREAS = (T.town, T.community, T.grid)
INCIDENT_SUBJECTS = (*AREAS, T.department)
HIGHER, LOWER = Direction.up, Direction.down


@dataclass(frozen=True)
class Indicator:
    code: str
    zh: str
    en: str
    kind: str  # ratio | count | duration
    numerator: str  # a measure code; for durations the stage (measures.STAGE_TIMES)
    denominator: str | None
    direction: Direction
    unit: Unit
    subjects: tuple[SubjectType, ...]
    stat: str = ""  # durations: mean | p90

    @property
    def formula(self) -> str:
        if self.kind == "duration":
            return f"{self.stat}({self.numerator} stage time)"
        return self.numerator if self.denominator is None else f"{self.numerator} / {self.denominator}"


def _ratio(
    code: str, zh: str, en: str, num: str, den: str, direction: Direction, subjects: tuple[SubjectType, ...]
) -> Indicator:
    return Indicator(code, zh, en, "ratio", num, den, direction, Unit.percent, subjects)


def _stage_times() -> list[Indicator]:
    names = {"accept": "受理", "dispatch": "派遣", "sign": "签收", "handle": "处置", "close": "结案"}
    out = []
    for stage, zh in names.items():
        for stat, stat_zh in (("mean", "平均"), ("p90", "P90")):
            out.append(
                Indicator(
                    f"{stage}_time_{stat}",
                    f"{zh}时长({stat_zh})",
                    f"{stage} time ({stat})",
                    "duration",
                    stage,
                    None,
                    LOWER,
                    Unit.hours,
                    INCIDENT_SUBJECTS,
                    stat,
                )
            )
    return out


CATALOGUE: tuple[Indicator, ...] = (
    _ratio("closure_rate", "结案率", "closure rate", "closed", "due_close", HIGHER, INCIDENT_SUBJECTS),
    _ratio(
        "closure_on_time_rate",
        "按期结案率",
        "closed on time",
        "closed_on_time",
        "due_close",
        HIGHER,
        INCIDENT_SUBJECTS,
    ),
    _ratio("handle_rate", "处置率", "handling rate", "handle_done", "handle_due", HIGHER, INCIDENT_SUBJECTS),
    _ratio(
        "handle_on_time_rate",
        "按时处置率",
        "handled on time",
        "handle_on_time",
        "handle_due",
        HIGHER,
        INCIDENT_SUBJECTS,
    ),
    _ratio(
        "sign_on_time_rate",
        "按时签收率",
        "signed on time",
        "sign_on_time",
        "sign_due",
        HIGHER,
        INCIDENT_SUBJECTS,
    ),
    _ratio("rework_rate", "返工率", "rework rate", "reworked", "due_close", LOWER, INCIDENT_SUBJECTS),
    _ratio("extension_rate", "延期率", "extension rate", "extended", "due_close", LOWER, INCIDENT_SUBJECTS),
    _ratio("return_rate", "退单率", "return rate", "returns", "dispatches", LOWER, INCIDENT_SUBJECTS),
    _ratio(
        "first_time_rate",
        "一次完成率",
        "done first time",
        "closed_first_time",
        "closed",
        HIGHER,
        INCIDENT_SUBJECTS,
    ),
    _ratio(
        "satisfaction_rate",
        "回访满意率",
        "call-back satisfaction",
        "callbacks_satisfied",
        "callbacks_valid",
        HIGHER,
        INCIDENT_SUBJECTS,
    ),
    _ratio(
        "dispatch_accuracy",
        "准确派遣率",
        "dispatch accuracy",
        "dispatched_accurate",
        "dispatched",
        HIGHER,
        INCIDENT_SUBJECTS,
    ),
    _ratio(
        "dispatch_on_time_rate",
        "按时派遣率",
        "dispatched on time",
        "dispatch_on_time",
        "dispatch_due",
        HIGHER,
        INCIDENT_SUBJECTS,
    ),
    _ratio(
        "accept_on_time_rate",
        "按时立案率",
        "registered on time",
        "accept_on_time",
        "accept_due",
        HIGHER,
        INCIDENT_SUBJECTS,
    ),
    Indicator(
        "reports", "上报数", "reports", "count", "reported", None, HIGHER, Unit.cases, (T.grid_worker,)
    ),
    _ratio(
        "valid_report_rate",
        "有效上报率",
        "valid reports",
        "reported_valid",
        "reported",
        HIGHER,
        (T.grid_worker,),
    ),
    _ratio(
        "verify_on_time_rate",
        "按时核实率",
        "verified on time",
        "verify_on_time",
        "verify_due",
        HIGHER,
        (T.grid_worker, *INCIDENT_SUBJECTS),
    ),
    _ratio("miss_rate", "漏报率", "missed reports", "missed", "registered", LOWER, (T.grid_worker,)),
    _ratio(
        "self_handle_rate", "自处置率", "self-handled", "self_handled", "reported", HIGHER, (T.grid_worker,)
    ),
    _ratio(
        "patrol_coverage",
        "巡查覆盖率",
        "patrol coverage",
        "patrol_days",
        "working_days",
        HIGHER,
        (T.grid_worker,),
    ),
    Indicator(
        "patrol_checkins",
        "巡查签到数",
        "check-ins",
        "count",
        "checkins",
        None,
        HIGHER,
        Unit.cases,
        (T.grid_worker,),
    ),
    *_stage_times(),
    _ratio(
        "availability",
        "设备在线率",
        "device availability",
        "online_hours",
        "device_hours",
        HIGHER,
        (T.contractor,),
    ),
    _ratio(
        "work_order_on_time_rate",
        "工单按时完成率",
        "work orders on time",
        "orders_on_time",
        "orders_due",
        HIGHER,
        (T.contractor,),
    ),
)

BY_CODE: dict[str, Indicator] = {indicator.code: indicator for indicator in CATALOGUE}


def for_subject(subject_type: SubjectType) -> list[Indicator]:
    return [indicator for indicator in CATALOGUE if subject_type in indicator.subjects]
