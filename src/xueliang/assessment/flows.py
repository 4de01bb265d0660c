"""Generation: compute a plan's indicators for a period, score and rank the subjects, compare with
the previous period, apply manual adjustments, and store the run (replacing an earlier one).
The scheduler runs ``generate_due`` monthly; the API and the CLI call ``generate`` on demand."""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from xueliang.assessment import service
from xueliang.assessment.compute import Computed, compute, working_days
from xueliang.assessment.contractor import ContractorFeed
from xueliang.assessment.enums import PeriodKind, SubjectType, Trigger
from xueliang.assessment.indicators import BY_CODE
from xueliang.assessment.models import Plan, Result, Run
from xueliang.assessment.periods import Period
from xueliang.assessment.scoring import Row, score_rows
from xueliang.audit import service as audit
from xueliang.auth.principal import Principal
from xueliang.core.config import Settings
from xueliang.core.db import utcnow
from xueliang.core.exceptions import InvalidInputError
from xueliang.incident.service import load_calendar

logger = logging.getLogger(__name__)
T = SubjectType


def compute_for_plan(
    *, db: Session, plan: Plan, period: Period, settings: Settings, feed: ContractorFeed | None = None
) -> Computed:
    codes = list(plan.weights)
    needs_days = any(BY_CODE[c].denominator == "working_days" for c in codes)
    days = working_days(load_calendar(db=db, settings=settings), period) if needs_days else 0
    return compute(
        db=db,
        subject_type=T(plan.subject_type),
        period=period,
        tz=ZoneInfo(settings.timezone),
        codes=codes,
        sample_measure=service.sample_measure(plan),
        working_days=days,
        feed=feed,
    )


def _names(db: Session, plan: Plan, computed: Computed) -> dict[str, str]:
    if plan.subject_type == T.contractor:
        return {
            row.contractor_code: row.contractor_name or row.contractor_code
            for row in computed.contractor_months
        }
    return service.subject_names(db=db, subject_type=T(plan.subject_type), keys=computed.values)


def _rows(db: Session, plan: Plan, period: Period, computed: Computed) -> list[Row]:
    sample = service.sample_measure(plan)
    points: dict[str, float] = defaultdict(float)
    for adjustment in service.adjustments(db=db, plan_id=plan.id, period=period.label):
        points[adjustment.subject_key] += adjustment.points
    fees: dict[str, float] = defaultdict(float)
    for month in computed.contractor_months:
        fees[month.contractor_code] += month.monthly_fee
    rows = []
    for key, values in computed.values.items():
        cells = {code: value.as_dict() for code, value in values.items()}
        if plan.subject_type == T.contractor:
            cells["_fee"] = {"num": None, "den": None, "value": fees[key]}
        rows.append(Row(key, cells, int(computed.counts[key].get(sample, 0)), adjustment=points[key]))
    weights = {code: float(w) for code, w in plan.weights.items()}
    score_rows(rows, weights, plan.min_sample)
    return rows


def _previous(db: Session, plan: Plan, period: Period) -> dict[str, Result]:
    run = service.find_run(db=db, plan_id=plan.id, period=period.previous.label)
    return {} if run is None else {r.subject_key: r for r in service.results(db=db, run_id=run.id)}


def generate(
    *,
    db: Session,
    plan: Plan,
    period: Period,
    principal: Principal,
    settings: Settings,
    trigger: Trigger = Trigger.manual,
    feed: ContractorFeed | None = None,
) -> Run:
    """Compute, score, rank and store one plan's results for one period (an empty run if no data)."""
    service.validate_weights(plan_name=plan.name, subject_type=T(plan.subject_type), weights=plan.weights)
    if period.kind != plan.period_kind:
        raise InvalidInputError(f"plan {plan.name!r} is assessed per {plan.period_kind}", field="period")
    started = time.perf_counter()
    computed = compute_for_plan(db=db, plan=plan, period=period, settings=settings, feed=feed)
    rows = _rows(db, plan, period, computed)
    names, previous = _names(db, plan, computed), _previous(db, plan, period)
    run = service.find_run(db=db, plan_id=plan.id, period=period.label)
    if run is None:
        run = Run(plan_id=plan.id, period=period.label, trigger=trigger)
        db.add(run)
        db.flush()
    service.replace_results(db=db, run=run)
    for row in rows:
        before = previous.get(row.key)
        db.add(
            Result(
                run_id=run.id,
                subject_key=row.key,
                subject_name=names.get(row.key, row.key),
                values=row.values,
                sample=row.sample,
                status=row.status,
                raw_score=row.raw_score,
                adjustment=row.adjustment,
                score=row.score,
                rank=row.rank,
                previous_score=before.score if before else None,
                previous_rank=before.rank if before else None,
            )
        )
    run.trigger, run.generated_at = trigger, utcnow()
    run.generated_by = principal.display_name or principal.username
    run.subjects, run.empty, run.weights = len(rows), not rows, dict(plan.weights)
    run.seconds = round(time.perf_counter() - started, 3)
    db.flush()
    audit.record(
        db=db,
        actor=principal,
        action="assessment.generate",
        object_type="assessment_plan",
        object_id=plan.id,
        request={"period": period.label, "trigger": str(trigger)},
        result_count=len(rows),
    )
    logger.info("assessment generated: plan=%s period=%s subjects=%s", plan.code, period.label, len(rows))
    return run


def due_periods(plan: Plan, today: date) -> list[Period]:
    """What the monthly job generates on ``today``: the month just ended; the quarter or year just
    ended when ``today`` starts one."""
    kind = PeriodKind(plan.period_kind)
    if kind is PeriodKind.quarter and today.month % 3 != 1:
        return []
    if kind is PeriodKind.year and today.month != 1:
        return []
    return [Period.containing(kind, today).previous]


def generate_due(*, db: Session, settings: Settings, today: date, feed: ContractorFeed | None = None) -> int:
    principal = Principal.system("assessment.generate")
    count = 0
    for plan in db.scalars(select(Plan).where(Plan.active.is_(True)).order_by(Plan.id)):
        for period in due_periods(plan, today):
            generate(
                db=db,
                plan=plan,
                period=period,
                principal=principal,
                settings=settings,
                trigger=Trigger.schedule,
                feed=feed,
            )
            count += 1
    return count
