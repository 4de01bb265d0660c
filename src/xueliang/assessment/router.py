"""The assessment API under /api/v1/assessment: the indicator catalogue, plans, generation, reports
(JSON, PDF, Excel), manual adjustments, the input rows, and project scorecards."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from xueliang.api import API_PREFIX
from xueliang.api.deps import SessionDep, SettingsDep
from xueliang.assessment import flows, reports, scorecard, service
from xueliang.assessment.dependencies import FeedDep, PlanDep
from xueliang.assessment.indicators import CATALOGUE
from xueliang.assessment.periods import Period
from xueliang.assessment.schemas import (
    AdjustmentInput,
    AdjustmentOut,
    AssessmentPlanInput,
    ContractorMonthInput,
    GenerateInput,
    IndicatorOut,
    PatrolDayInput,
    PlanOut,
    ReportOut,
    RunOut,
    ScorecardInput,
    ScorecardItem,
    ScorecardOut,
)
from xueliang.audit import service as audit
from xueliang.auth.dependencies import require
from xueliang.auth.enums import Permission
from xueliang.auth.principal import Principal
from xueliang.core.db import utcnow

router = APIRouter(prefix=f"{API_PREFIX}/assessment", tags=["assessment"])
Reader = Annotated[Principal, Depends(require(Permission.assessment_read))]
Manager = Annotated[Principal, Depends(require(Permission.assessment_manage))]
PeriodQuery = Annotated[str, Query(max_length=8, description="2026-03, 2026-Q1 or 2026")]
PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/indicators", response_model=list[IndicatorOut], summary="The indicator catalogue")
def indicators(_: Reader) -> list[IndicatorOut]:
    return [service.indicator_out(indicator) for indicator in CATALOGUE]


@router.get("/plans", response_model=list[PlanOut], summary="Assessment plans")
def list_plans(db: SessionDep, _: Reader) -> list[PlanOut]:
    return [PlanOut.model_validate(plan) for plan in service.list_plans(db=db)]


@router.post(
    "/plans", response_model=PlanOut, status_code=201, summary="Create a plan (weights sum to 100 %)"
)
def create_plan(data: AssessmentPlanInput, db: SessionDep, principal: Manager) -> PlanOut:
    return PlanOut.model_validate(service.create_plan(db=db, principal=principal, data=data))


@router.get("/plans/{plan_id}", response_model=PlanOut, summary="One plan")
def get_plan(plan: PlanDep, _: Reader) -> PlanOut:
    return PlanOut.model_validate(plan)


@router.put("/plans/{plan_id}", response_model=PlanOut, summary="Change a plan")
def update_plan(data: AssessmentPlanInput, plan: PlanDep, db: SessionDep, principal: Manager) -> PlanOut:
    return PlanOut.model_validate(service.update_plan(db=db, principal=principal, plan=plan, data=data))


@router.delete("/plans/{plan_id}", status_code=204, summary="Delete a plan and its results")
def delete_plan(plan: PlanDep, db: SessionDep, principal: Manager) -> Response:
    service.delete_plan(db=db, principal=principal, plan=plan)
    return Response(status_code=204)


@router.get("/plans/{plan_id}/runs", response_model=list[RunOut], summary="Generated periods of a plan")
def list_runs(plan: PlanDep, db: SessionDep, _: Reader) -> list[RunOut]:
    return [service.run_out(run, plan) for run in service.list_runs(db=db, plan_id=plan.id)]


@router.post("/plans/{plan_id}/generate", response_model=ReportOut, summary="Generate a period now")
def generate(
    data: GenerateInput,
    plan: PlanDep,
    db: SessionDep,
    settings: SettingsDep,
    principal: Manager,
    feed: FeedDep,
) -> ReportOut:
    period = Period.parse(data.period)
    run = flows.generate(db=db, plan=plan, period=period, principal=principal, settings=settings, feed=feed)
    return service.report(db=db, plan=plan, run=run, principal=principal)


@router.get("/plans/{plan_id}/report", response_model=ReportOut, summary="A generated period's results")
def report(plan: PlanDep, period: PeriodQuery, db: SessionDep, principal: Reader) -> ReportOut:
    run = service.get_run_or_raise(db=db, plan=plan, period=period)
    return service.report(db=db, plan=plan, run=run, principal=principal)


def _export(db: SessionDep, principal: Principal, plan: PlanDep, period: str, kind: str) -> Response:
    run = service.get_run_or_raise(db=db, plan=plan, period=period)
    out = service.report(db=db, plan=plan, run=run, principal=principal)
    user, now = principal.display_name or principal.username, utcnow()
    audit.record(
        db=db,
        actor=principal,
        action=f"assessment.export.{kind}",
        object_type="assessment_plan",
        object_id=plan.id,
        request={"period": out.run.period},
        result_count=len(out.rows),
    )
    body = (
        reports.report_pdf(out, user=user, now=now)
        if kind == "pdf"
        else reports.report_xlsx(out, user=user, now=now)
    )
    name = f"assessment-{plan.code}-{out.run.period}.{kind}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(body, media_type=PDF if kind == "pdf" else XLSX, headers=headers)


@router.get("/plans/{plan_id}/report.pdf", summary="The report as PDF", response_class=Response)
def report_pdf(plan: PlanDep, period: PeriodQuery, db: SessionDep, principal: Reader) -> Response:
    return _export(db, principal, plan, period, "pdf")


@router.get("/plans/{plan_id}/report.xlsx", summary="The report as Excel", response_class=Response)
def report_xlsx(plan: PlanDep, period: PeriodQuery, db: SessionDep, principal: Reader) -> Response:
    return _export(db, principal, plan, period, "xlsx")


@router.post(
    "/plans/{plan_id}/adjustments",
    response_model=AdjustmentOut,
    status_code=201,
    summary="Adjust a subject's score by hand (with a reason; applied at the next generation)",
)
def add_adjustment(data: AdjustmentInput, plan: PlanDep, db: SessionDep, principal: Manager) -> AdjustmentOut:
    return AdjustmentOut.model_validate(
        service.add_adjustment(db=db, principal=principal, plan=plan, data=data)
    )


@router.put("/patrol-days", status_code=204, summary="Record a grid worker's patrol day (input)")
def patrol_day(
    data: PatrolDayInput, db: SessionDep, _: Annotated[Principal, Depends(require(Permission.grid_manage))]
) -> Response:
    service.record_patrol_day(db=db, data=data)
    return Response(status_code=204)


@router.put("/contractor-months", status_code=204, summary="A contractor's month figures (input from ops)")
def contractor_month(data: ContractorMonthInput, db: SessionDep, _: Manager) -> Response:
    service.put_contractor_month(db=db, data=data)
    return Response(status_code=204)


@router.get("/scorecards/template", response_model=list[ScorecardItem], summary="A starting 100-point table")
def scorecard_template(_: Reader) -> list[ScorecardItem]:
    return [ScorecardItem.model_validate(item) for item in scorecard.TEMPLATE]


@router.get("/scorecards", response_model=list[ScorecardOut], summary="Project scorecards, scored")
def list_scorecards(db: SessionDep, settings: SettingsDep, _: Reader, feed: FeedDep) -> list[ScorecardOut]:
    return [scorecard.score(db=db, settings=settings, card=c, feed=feed) for c in scorecard.list_cards(db=db)]


@router.post("/scorecards", response_model=ScorecardOut, status_code=201, summary="Create a scorecard")
def create_scorecard(
    data: ScorecardInput, db: SessionDep, settings: SettingsDep, principal: Manager, feed: FeedDep
) -> ScorecardOut:
    card = scorecard.save(db=db, principal=principal, data=data)
    return scorecard.score(db=db, settings=settings, card=card, feed=feed)


@router.put("/scorecards/{card_id}", response_model=ScorecardOut, summary="Change a scorecard")
def update_scorecard(
    card_id: int,
    data: ScorecardInput,
    db: SessionDep,
    settings: SettingsDep,
    principal: Manager,
    feed: FeedDep,
) -> ScorecardOut:
    card = scorecard.save(
        db=db, principal=principal, data=data, card=scorecard.get_or_raise(db=db, card_id=card_id)
    )
    return scorecard.score(db=db, settings=settings, card=card, feed=feed)


@router.get("/scorecards/{card_id}.pdf", summary="A scorecard as PDF", response_class=Response)
def scorecard_pdf(
    card_id: int, db: SessionDep, settings: SettingsDep, principal: Reader, feed: FeedDep
) -> Response:
    card = scorecard.score(
        db=db, settings=settings, card=scorecard.get_or_raise(db=db, card_id=card_id), feed=feed
    )
    audit.record(
        db=db,
        actor=principal,
        action="assessment.export.scorecard",
        object_type="assessment_scorecard",
        object_id=card.id,
    )
    body = reports.scorecard_pdf(card, user=principal.display_name or principal.username, now=utcnow())
    headers = {"Content-Disposition": f'attachment; filename="scorecard-{card.id}-{card.period}.pdf"'}
    return Response(body, media_type=PDF, headers=headers)
