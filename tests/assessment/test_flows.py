"""Plans, generation, ranks, changes, adjustments, the minimum-sample guard, empty periods, the
monthly job, the contractor fee deductions and the project scorecard."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.assessment.conftest import T1, T2, TZ, FakeContractorFeed, Month
from xueliang.assessment import flows, scheduled, scorecard, service
from xueliang.assessment.enums import Status
from xueliang.assessment.models import Plan, Run
from xueliang.assessment.periods import Period
from xueliang.assessment.schemas import (
    AdjustmentInput,
    AssessmentPlanInput,
    PlanConfig,
    ScorecardInput,
    ScorecardItem,
)
from xueliang.audit.models import AuditEntry
from xueliang.auth.principal import Principal
from xueliang.core.config import Settings
from xueliang.core.exceptions import InvalidInputError

ADMIN = Principal.system("tester")
TOWN_WEIGHTS = {"closure_rate": 40.0, "closure_on_time_rate": 30.0, "rework_rate": 30.0}


def _plan(db: Session, **changes: object) -> Plan:
    data = AssessmentPlanInput.model_validate(
        {
            "code": "towns",
            "name": "街道月度考核",
            "subject_type": "town",
            "period_kind": "month",
            "weights": TOWN_WEIGHTS,
            "min_sample": 2,
        }
        | changes
    )
    return service.create_plan(db=db, principal=ADMIN, data=data)


def _generate(db: Session, plan: Plan, label: str, settings: Settings) -> Run:
    return flows.generate(
        db=db,
        plan=plan,
        period=Period.parse(label),
        principal=ADMIN,
        settings=settings,
        feed=FakeContractorFeed(),
    )


@pytest.mark.parametrize(
    "weights",
    [{"closure_rate": 40.0, "rework_rate": 30.0}, {"closure_rate": 70.0, "rework_rate": 40.0}],
    ids=["70", "110"],
)
def test_plan__weights_not_100_refused_naming_the_plan(db: Session, weights: dict[str, float]) -> None:
    with pytest.raises(InvalidInputError, match=r"街道月度考核.*not 100 %"):
        _plan(db, weights=weights)


def test_plan__indicator_of_another_subject_type_refused(db: Session) -> None:
    with pytest.raises(InvalidInputError, match="does not apply to town"):
        _plan(db, weights={"closure_rate": 50.0, "reports": 50.0})


def test_generate__scores_ranks_and_the_minimum_sample(db: Session, month: Month, settings: Settings) -> None:
    plan = _plan(db)
    run = _generate(db, plan, "2026-03", settings)
    rows = {r.subject_key: r for r in service.results(db=db, run_id=run.id)}
    t1 = rows[T1]
    # closure 3/4 → 75, on time 2/4 → 50, rework 1/4 → 75 (lower is better): 0.4·75 + 0.3·50 + 0.3·75
    assert t1.raw_score == pytest.approx(0.4 * 75 + 0.3 * 50 + 0.3 * 75)
    assert (t1.status, t1.rank, t1.sample) == (Status.ranked, 1, 4)
    assert (rows[T2].status, rows[T2].rank, rows[T2].sample) == (Status.insufficient, None, 1)
    assert t1.subject_name == "一街道"


def test_generate__change_against_the_previous_period(db: Session, month: Month, settings: Settings) -> None:
    plan = _plan(db, min_sample=1)
    _generate(db, plan, "2026-02", settings)
    run = _generate(db, plan, "2026-03", settings)
    t1 = service.result_out(next(r for r in service.results(db=db, run_id=run.id) if r.subject_key == T1))
    assert t1.previous_score == 100.0  # February: E closed on time, nothing reworked
    assert t1.change == pytest.approx(t1.score - 100.0)
    assert (t1.previous_rank, t1.rank, t1.rank_change) == (1, 2, -1)  # T2 (J, all on time) now ranks first


def test_generate__manual_adjustment_with_reason_is_applied_and_audited(
    db: Session, month: Month, settings: Settings
) -> None:
    plan = _plan(db)
    adjust = AdjustmentInput(period="2026-03", subject_key=T1, points=5, reason="专项整治加分")
    service.add_adjustment(db=db, principal=ADMIN, plan=plan, data=adjust)
    run = _generate(db, plan, "2026-03", settings)
    t1 = next(r for r in service.results(db=db, run_id=run.id) if r.subject_key == T1)
    assert t1.adjustment == 5 and t1.score == pytest.approx(t1.raw_score + 5)
    actions = set(db.scalars(select(AuditEntry.action)))
    assert {"assessment.adjust", "assessment.generate"} <= actions


def test_generate__a_period_without_data_is_an_explicit_empty_run(
    db: Session, month: Month, settings: Settings
) -> None:
    plan = _plan(db)
    run = _generate(db, plan, "2027-01", settings)
    assert run.empty and run.subjects == 0
    assert service.report(db=db, plan=plan, run=run).rows == []


def test_generate__regenerating_replaces_the_results(db: Session, month: Month, settings: Settings) -> None:
    plan = _plan(db)
    first = _generate(db, plan, "2026-03", settings)
    again = _generate(db, plan, "2026-03", settings)
    assert first.id == again.id and len(service.results(db=db, run_id=again.id)) == 2


def test_scheduled__the_monthly_job_generates_the_month_that_ended(
    session_maker: sessionmaker[Session], db: Session, month: Month, settings: Settings
) -> None:
    _plan(db)
    _plan(db, code="towns-q", period_kind="quarter")
    db.commit()
    assert (
        scheduled.generate_monthly(session_maker, settings, datetime(2026, 4, 1, 2, tzinfo=TZ))
        == "2 runs generated"
    )
    periods = set(db.scalars(select(Run.period)))
    assert periods == {"2026-03", "2026-Q1"}
    assert flows.due_periods(service.list_plans(db=db)[1], datetime(2026, 5, 1).date()) == []


def test_contractor__fee_deduction_table(db: Session, settings: Settings) -> None:
    plan = _plan(
        db,
        code="maint",
        name="运维考核",
        subject_type="contractor",
        weights={"availability": 60.0, "work_order_on_time_rate": 40.0},
        min_sample=1,
    )
    run = _generate(db, plan, "2026-03", settings)
    lines = {
        (d.contractor_code, d.indicator): d for d in service.report(db=db, plan=plan, run=run).deductions
    }
    # X: availability 94 % < 95 % → 1 point × 1 % = 1 % of 100,000
    # Y: on-time 80 % < 90 % → 10 points × 0.5 % = 5 % of 50,000
    assert (lines["X", "availability"].deduction_pct, lines["X", "availability"].deduction) == (1.0, 1000.0)
    assert lines["X", "work_order_on_time_rate"].deduction == 0.0
    assert (lines["Y", "work_order_on_time_rate"].deduction_pct, lines["Y", "total"].deduction) == (
        5.0,
        2500.0,
    )


def test_contractor__custom_fee_rules_must_name_assessed_indicators(db: Session) -> None:
    config = PlanConfig.model_validate(
        {"fee_rules": [{"indicator": "closure_rate", "target": 90, "per_point": 1, "cap": 5}]}
    )
    with pytest.raises(InvalidInputError, match="fee rule"):
        _plan(db, subject_type="contractor", weights={"availability": 100.0}, config=config)


def _card(items: list[dict[str, object]]) -> ScorecardInput:
    return ScorecardInput(
        name="雪亮工程",
        project="二期",
        period="2026-03",
        items=[ScorecardItem.model_validate(i) for i in items],
    )


def test_scorecard__filled_from_platform_data_and_by_hand(
    db: Session, month: Month, settings: Settings
) -> None:
    card = scorecard.save(
        db=db,
        principal=ADMIN,
        data=_card(
            [
                {
                    "category": "产出",
                    "name": "结案率",
                    "points": 40,
                    "indicator": "closure_rate",
                    "target": 100,
                },
                {
                    "category": "过程",
                    "name": "设备在线率",
                    "points": 30,
                    "indicator": "availability",
                    "target": 95,
                },
                {"category": "决策", "name": "立项", "points": 20, "manual_score": 18},
                {"category": "效益", "name": "公众评价", "points": 10},
            ]
        ),
    )
    out = scorecard.score(db=db, settings=settings, card=card, feed=FakeContractorFeed())
    lines = {line.name: line for line in out.lines}
    assert lines["结案率"].actual == 80.0 and lines["结案率"].score == 32.0  # city 4/5
    assert lines["设备在线率"].actual == 96.5 and lines["设备在线率"].score == 30.0  # 1930 / 2000 h
    assert (lines["立项"].source, lines["公众评价"].source) == ("manual", "missing")
    assert (out.total, out.grade) == (80.0, "良好")


@pytest.mark.parametrize(
    ("total", "grade"),
    [
        (95.0, "优秀"),
        (90.0, "优秀"),
        (89.9, "良好"),
        (80.0, "良好"),
        (79.9, "中"),
        (60.0, "中"),
        (59.9, "差"),
    ],
)
def test_scorecard__grades(total: float, grade: str) -> None:
    from xueliang.assessment.enums import grade as grade_of

    assert grade_of(total)[0] == grade


def test_scorecard__points_must_make_100(db: Session) -> None:
    with pytest.raises(InvalidInputError, match=r"雪亮工程.*not 100"):
        scorecard.save(db=db, principal=ADMIN, data=_card([{"category": "a", "name": "b", "points": 90}]))


def test_contractor__ops_feed_reads_the_ops_months_and_takes_fees_from_the_table(db: Session) -> None:
    from datetime import date

    from xueliang.assessment.contractor import OpsFeed
    from xueliang.assessment.schemas import ContractorMonthInput
    from xueliang.auth import service as auth_service
    from xueliang.ops.models import ContractorMonth as OpsMonth

    unit = auth_service.create_org_unit(db=db, code="maint-a", name="甲运维公司")
    db.add(
        OpsMonth(
            month="2026-03",
            org_unit_id=unit.id,
            availability=0.96,
            orders=10,
            responded_on_time=9,
            repaired_on_time=8,
            timeliness=0.85,
        )
    )
    db.flush()
    fee = ContractorMonthInput(
        contractor_code="maint-a",
        month=date(2026, 3, 15),
        device_hours=0,
        online_hours=0,
        orders_due=0,
        orders_on_time=0,
        monthly_fee=80000,
    )
    service.put_contractor_month(db=db, data=fee)
    (row,) = OpsFeed().months(db, date(2026, 3, 1), date(2026, 4, 1))
    assert (row.contractor_code, row.contractor_name, row.monthly_fee) == ("maint-a", "甲运维公司", 80000.0)
    assert row.online_hours / row.device_hours == pytest.approx(0.96) and row.device_hours == 31 * 24
    assert (row.orders_due, row.orders_on_time) == (20, 17)  # two limits per order
