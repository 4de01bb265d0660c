"""Queries and commands of the assessment domain: plans (validated), adjustments, the input rows,
subject names, and reading stored runs as reports. No HTTP here; audit entries are written in the
caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from xueliang.assessment import contractor
from xueliang.assessment.enums import SubjectType, grade
from xueliang.assessment.indicators import BY_CODE, Indicator
from xueliang.assessment.measures import MEASURES
from xueliang.assessment.models import Adjustment, ContractorMonth, PatrolDay, Plan, Result, Run
from xueliang.assessment.periods import Period
from xueliang.assessment.schemas import (
    AdjustmentInput,
    AdjustmentOut,
    AssessmentPlanInput,
    ContractorMonthInput,
    DeductionOut,
    HistoryPoint,
    IndicatorOut,
    PatrolDayInput,
    ReportOut,
    ResultOut,
    RunOut,
)
from xueliang.audit import service as audit
from xueliang.auth.enums import ScopeKind
from xueliang.auth.models import OrgUnit, User
from xueliang.auth.principal import Principal
from xueliang.core.db import utcnow
from xueliang.core.exceptions import ConflictError, InvalidInputError, NotFoundError
from xueliang.grid.models import AdminArea, Grid, GridMember

T = SubjectType
DEFAULT_SAMPLE = {
    T.town: "due_close",
    T.community: "due_close",
    T.grid: "due_close",
    T.department: "due_close",
    T.city: "due_close",
    T.grid_worker: "reported",
    T.contractor: "orders_due",
}
WEIGHT_TOLERANCE = 1e-6


# ---- the catalogue ----------------------------------------------------------------------------
def indicator_out(indicator: Indicator) -> IndicatorOut:
    measure = MEASURES.get(indicator.numerator)
    denominator = MEASURES.get(indicator.denominator or "")
    return IndicatorOut(
        code=indicator.code,
        zh=indicator.zh,
        en=indicator.en,
        kind=indicator.kind,
        numerator=indicator.numerator,
        denominator=indicator.denominator,
        numerator_zh=measure.zh if measure else indicator.zh,
        denominator_zh=denominator.zh if denominator else None,
        direction=indicator.direction,
        unit=indicator.unit,
        subjects=list(indicator.subjects),
        stat=indicator.stat,
        formula=indicator.formula,
    )


# ---- plans ------------------------------------------------------------------------------------
def validate_weights(*, plan_name: str, subject_type: SubjectType, weights: dict[str, float]) -> None:
    """Every weight names an indicator of this subject type, is ≥ 0, and together they make 100 %."""
    if subject_type is T.city:
        raise InvalidInputError("a plan cannot assess the city as a whole", field="subject_type")
    if not weights:
        raise InvalidInputError(f"plan {plan_name!r} has no indicators", field="weights", plan=plan_name)
    for code, weight in weights.items():
        indicator = BY_CODE.get(code)
        if indicator is None or subject_type not in indicator.subjects:
            raise InvalidInputError(
                f"plan {plan_name!r}: indicator {code!r} does not apply to {subject_type}",
                field="weights",
                plan=plan_name,
            )
        if weight < 0:
            raise InvalidInputError(f"plan {plan_name!r}: weight of {code} is negative", field="weights")
    total = sum(weights.values())
    if abs(total - 100.0) > WEIGHT_TOLERANCE:
        raise InvalidInputError(
            f"plan {plan_name!r}: weights sum to {total:g} %, not 100 %",
            field="weights",
            plan=plan_name,
            total=total,
        )


def validate_plan(data: AssessmentPlanInput) -> None:
    validate_weights(plan_name=data.name, subject_type=data.subject_type, weights=data.weights)
    sample = data.config.sample_measure
    if sample is not None and sample not in MEASURES:
        raise InvalidInputError(f"plan {data.name!r}: no measure {sample!r}", field="config.sample_measure")
    for rule in data.config.fee_rules or []:
        if rule.indicator not in data.weights:
            raise InvalidInputError(
                f"plan {data.name!r}: fee rule on {rule.indicator!r}, which the plan does not assess",
                field="config.fee_rules",
            )


def sample_measure(plan: Plan) -> str:
    return str(plan.config.get("sample_measure") or DEFAULT_SAMPLE[T(plan.subject_type)])


def fee_rules(plan: Plan) -> list[dict[str, Any]]:
    rules = plan.config.get("fee_rules")
    if rules is not None:
        return list(rules)
    return [r for r in contractor.DEFAULT_FEE_RULES if r["indicator"] in plan.weights]


def list_plans(*, db: Session) -> list[Plan]:
    return list(db.scalars(select(Plan).order_by(Plan.subject_type, Plan.code)))


def get_plan_or_raise(*, db: Session, plan_id: int) -> Plan:
    plan = db.get(Plan, plan_id)
    if plan is None:
        raise NotFoundError(f"no assessment plan {plan_id}")
    return plan


def get_plan_by_code_or_raise(*, db: Session, code: str) -> Plan:
    plan = db.scalar(select(Plan).where(Plan.code == code))
    if plan is None:
        raise NotFoundError(f"no assessment plan {code!r}")
    return plan


def _config(data: AssessmentPlanInput) -> dict[str, Any]:
    return data.config.model_dump(exclude_none=True)


def create_plan(*, db: Session, principal: Principal, data: AssessmentPlanInput) -> Plan:
    validate_plan(data)
    if db.scalar(select(Plan.id).where(Plan.code == data.code)) is not None:
        raise ConflictError(f"a plan with code {data.code!r} exists")
    plan = Plan(**data.model_dump(exclude={"config"}), config=_config(data))
    db.add(plan)
    db.flush()
    audit.record(
        db=db,
        actor=principal,
        action="assessment.plan.create",
        object_type="assessment_plan",
        object_id=plan.id,
        request={"code": plan.code, "weights": plan.weights},
    )
    return plan


def update_plan(*, db: Session, principal: Principal, plan: Plan, data: AssessmentPlanInput) -> Plan:
    validate_plan(data)
    other = db.scalar(select(Plan.id).where(Plan.code == data.code, Plan.id != plan.id))
    if other is not None:
        raise ConflictError(f"a plan with code {data.code!r} exists")
    for name, value in data.model_dump(exclude={"config"}).items():
        setattr(plan, name, value)
    plan.config, plan.updated_at = _config(data), utcnow()
    audit.record(
        db=db,
        actor=principal,
        action="assessment.plan.update",
        object_type="assessment_plan",
        object_id=plan.id,
        request={"code": plan.code, "weights": plan.weights},
    )
    return plan


def delete_plan(*, db: Session, principal: Principal, plan: Plan) -> None:
    audit.record(
        db=db,
        actor=principal,
        action="assessment.plan.delete",
        object_type="assessment_plan",
        object_id=plan.id,
        request={"code": plan.code},
    )
    db.delete(plan)


# ---- adjustments ------------------------------------------------------------------------------
def add_adjustment(*, db: Session, principal: Principal, plan: Plan, data: AdjustmentInput) -> Adjustment:
    period = Period.parse(data.period)
    if period.kind != plan.period_kind:
        raise InvalidInputError(f"plan {plan.name!r} is assessed per {plan.period_kind}", field="period")
    row = Adjustment(
        plan_id=plan.id,
        period=period.label,
        subject_key=data.subject_key,
        points=data.points,
        reason=data.reason,
        by_user_id=principal.user_id,
        by_name=principal.display_name or principal.username,
        at=utcnow(),
    )
    db.add(row)
    db.flush()
    audit.record(
        db=db,
        actor=principal,
        action="assessment.adjust",
        object_type="assessment_plan",
        object_id=plan.id,
        request=data.model_dump(),
    )
    return row


def adjustments(*, db: Session, plan_id: int, period: str) -> list[Adjustment]:
    query = select(Adjustment).where(Adjustment.plan_id == plan_id, Adjustment.period == period)
    return list(db.scalars(query.order_by(Adjustment.id)))


# ---- inputs other sources fill ------------------------------------------------------------------
def record_patrol_day(*, db: Session, data: PatrolDayInput) -> PatrolDay:
    row = db.scalar(
        select(PatrolDay).where(
            PatrolDay.user_id == data.user_id, PatrolDay.grid_id == data.grid_id, PatrolDay.day == data.day
        )
    )
    if row is None:
        row = PatrolDay(user_id=data.user_id, grid_id=data.grid_id, day=data.day)
        db.add(row)
    row.duration_s, row.distance_m, row.checkins = data.duration_s, data.distance_m, data.checkins
    db.flush()
    return row


def put_contractor_month(*, db: Session, data: ContractorMonthInput) -> ContractorMonth:
    """The ops domain's entry point: one contractor's figures for one month (replaced if present)."""
    if data.online_hours > data.device_hours or data.orders_on_time > data.orders_due:
        raise InvalidInputError("online hours or on-time orders exceed their totals", field="online_hours")
    month = data.month.replace(day=1)
    row = db.scalar(
        select(ContractorMonth).where(
            ContractorMonth.contractor_code == data.contractor_code, ContractorMonth.month == month
        )
    )
    if row is None:
        row = ContractorMonth(contractor_code=data.contractor_code, month=month)
        db.add(row)
    for name, value in data.model_dump(exclude={"contractor_code", "month"}).items():
        setattr(row, name, value)
    row.updated_at = utcnow()
    db.flush()
    return row


# ---- subject names ------------------------------------------------------------------------------
def subject_names(*, db: Session, subject_type: SubjectType, keys: Iterable[str]) -> dict[str, str]:
    keys = list(keys)
    ids = [int(k) for k in keys if k.isdigit()]
    rows: Iterable[Any] = []
    if subject_type in (T.town, T.community):
        rows = db.execute(select(AdminArea.code, AdminArea.name).where(AdminArea.code.in_(keys)))
    elif subject_type is T.grid:
        rows = db.execute(select(Grid.id, Grid.name).where(Grid.id.in_(ids)))
    elif subject_type is T.department:
        rows = db.execute(select(OrgUnit.id, OrgUnit.name).where(OrgUnit.id.in_(ids)))
    elif subject_type is T.grid_worker:
        rows = [
            (uid, display or username)
            for uid, display, username in db.execute(
                select(User.id, User.display_name, User.username).where(User.id.in_(ids))
            )
        ]
    elif subject_type is T.city:
        rows = [("city", "全市")]
    names = {str(key): str(name) for key, name in rows}
    return {key: names.get(key, key) for key in keys}


# ---- stored runs as reports ---------------------------------------------------------------------
def find_run(*, db: Session, plan_id: int, period: str) -> Run | None:
    return db.scalar(select(Run).where(Run.plan_id == plan_id, Run.period == period))


def get_run_or_raise(*, db: Session, plan: Plan, period: str) -> Run:
    label = Period.parse(period).label
    run = find_run(db=db, plan_id=plan.id, period=label)
    if run is None:
        raise NotFoundError(f"plan {plan.name!r} has no results for {label}; generate them first")
    return run


def list_runs(*, db: Session, plan_id: int) -> list[Run]:
    return list(db.scalars(select(Run).where(Run.plan_id == plan_id).order_by(Run.period.desc())))


def run_out(run: Run, plan: Plan) -> RunOut:
    return RunOut(
        id=run.id,
        plan_id=plan.id,
        plan_code=plan.code,
        plan_name=plan.name,
        subject_type=T(plan.subject_type),
        period=run.period,
        trigger=run.trigger,
        generated_at=run.generated_at,
        generated_by=run.generated_by,
        subjects=run.subjects,
        empty=run.empty,
        weights=run.weights,
        seconds=run.seconds,
    )


def result_out(row: Result) -> ResultOut:
    change = (
        None if row.score is None or row.previous_score is None else round(row.score - row.previous_score, 2)
    )
    rank_change = None if row.rank is None or row.previous_rank is None else row.previous_rank - row.rank
    return ResultOut(
        subject_key=row.subject_key,
        subject_name=row.subject_name,
        values=row.values,
        sample=row.sample,
        status=row.status,
        raw_score=row.raw_score,
        adjustment=row.adjustment,
        score=row.score,
        rank=row.rank,
        previous_score=row.previous_score,
        previous_rank=row.previous_rank,
        change=change,
        rank_change=rank_change,
        grade=None if row.score is None else grade(row.score)[0],
    )


def results(*, db: Session, run_id: int) -> list[Result]:
    rows = db.scalars(select(Result).where(Result.run_id == run_id))
    return sorted(rows, key=lambda r: (r.rank is None, r.rank or 0, -(r.score or 0), r.subject_name))


def history(*, db: Session, plan: Plan, period: Period, count: int = 6) -> list[HistoryPoint]:
    """The average score of the last ``count`` periods up to ``period`` (for the trend chart)."""
    labels = [period.shift(-i).label for i in reversed(range(count))]
    runs = {
        r.period: r for r in db.scalars(select(Run).where(Run.plan_id == plan.id, Run.period.in_(labels)))
    }
    points = []
    for label in labels:
        run = runs.get(label)
        scores = (
            [] if run is None else [r.score for r in results(db=db, run_id=run.id) if r.score is not None]
        )
        average = round(sum(scores) / len(scores), 2) if scores else None
        points.append(HistoryPoint(period=label, average=average, subjects=len(scores)))
    return points


def visible(
    *, db: Session, principal: Principal, subject_type: SubjectType, rows: list[Result]
) -> list[Result]:
    """The rows of subjects within the caller's scope (ranks stay those among all subjects):
    towns and communities by region prefix, grids by grid code or region, departments by org unit,
    grid workers by the grids they belong to; contractors are not scoped."""
    if principal.sees_everything or subject_type is T.contractor:
        return rows
    region = ScopeKind.region
    if subject_type in (T.town, T.community):
        return [r for r in rows if principal.in_scope(region, r.subject_key)]
    if subject_type is T.department:
        return [r for r in rows if principal.in_scope(ScopeKind.org_unit, r.subject_key)]
    ids = [int(r.subject_key) for r in rows if r.subject_key.isdigit()]
    if subject_type is T.grid:
        codes = dict(db.execute(select(Grid.id, Grid.code).where(Grid.id.in_(ids))).tuples())
        seen = {
            str(i)
            for i, code in codes.items()
            if principal.in_scope(ScopeKind.grid, code) or principal.in_scope(region, code)
        }
    else:
        pairs = db.execute(
            select(GridMember.user_id, Grid.code)
            .join(Grid, Grid.id == GridMember.grid_id)
            .where(GridMember.user_id.in_(ids))
        )
        seen = {
            str(u)
            for u, code in pairs
            if principal.in_scope(ScopeKind.grid, code) or principal.in_scope(region, code)
        }
    return [r for r in rows if r.subject_key in seen]


def report(*, db: Session, plan: Plan, run: Run, principal: Principal | None = None) -> ReportOut:
    rows = results(db=db, run_id=run.id)
    if principal is not None:
        rows = visible(db=db, principal=principal, subject_type=T(plan.subject_type), rows=rows)
    indicators = [indicator_out(BY_CODE[code]) for code in run.weights if code in BY_CODE]
    lines: list[DeductionOut] = []
    if plan.subject_type == T.contractor and rows:
        values = {r.subject_key: r.values for r in rows}
        fees = {r.subject_key: float(r.values.get("_fee", {}).get("value") or 0.0) for r in rows}
        names = {r.subject_key: r.subject_name for r in rows}
        lines = [
            DeductionOut(**vars(line)) for line in contractor.deductions(values, fees, names, fee_rules(plan))
        ]
    return ReportOut(
        run=run_out(run, plan),
        indicators=indicators,
        rows=[result_out(r) for r in rows],
        deductions=lines,
        history=history(db=db, plan=plan, period=Period.parse(run.period)),
        adjustments=[
            AdjustmentOut.model_validate(a) for a in adjustments(db=db, plan_id=plan.id, period=run.period)
        ],
    )


def replace_results(*, db: Session, run: Run) -> None:
    db.execute(delete(Result).where(Result.run_id == run.id))
