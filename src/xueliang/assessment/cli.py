"""`xueliang assessment …`: list plans, generate a period, export a report file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from xueliang.cli.context import console, unit_of_work
from xueliang.core.config import get_settings

assessment_app = typer.Typer(no_args_is_help=True, help="Assessment plans, results and reports.")
PlanArg = Annotated[str, typer.Argument(help="The plan's code.")]
PeriodArg = Annotated[str, typer.Argument(help="2026-03, 2026-Q1 or 2026.")]


@assessment_app.command("plans")
def plans() -> None:
    """List the plans."""
    from xueliang.assessment import service

    with unit_of_work() as db:
        for plan in service.list_plans(db=db):
            state = "active" if plan.active else "inactive"
            console.print(f"{plan.code}\t{plan.name}\t{plan.subject_type}\t{plan.period_kind}\t{state}")


@assessment_app.command("generate")
def generate(plan: PlanArg, period: PeriodArg) -> None:
    """Generate (or regenerate) one plan's results for one period."""
    from xueliang.assessment import flows, service
    from xueliang.assessment.periods import Period
    from xueliang.auth.principal import Principal

    with unit_of_work() as db:
        row = service.get_plan_by_code_or_raise(db=db, code=plan)
        run = flows.generate(
            db=db,
            plan=row,
            period=Period.parse(period),
            principal=Principal.system("cli"),
            settings=get_settings(),
        )
        note = " (no data: an empty report)" if run.empty else ""
        console.print(f"{row.code} {run.period}: {run.subjects} subjects in {run.seconds:.2f} s{note}")


@assessment_app.command("export")
def export(
    plan: PlanArg,
    period: PeriodArg,
    out: Annotated[Path, typer.Option(help="Output file: .pdf or .xlsx.")],
) -> None:
    """Write a generated period's report as PDF or Excel."""
    from xueliang.assessment import reports, service
    from xueliang.core.db import utcnow

    with unit_of_work() as db:
        row = service.get_plan_by_code_or_raise(db=db, code=plan)
        report = service.report(db=db, plan=row, run=service.get_run_or_raise(db=db, plan=row, period=period))
    render = reports.report_xlsx if out.suffix == ".xlsx" else reports.report_pdf
    out.write_bytes(render(report, user="cli", now=utcnow()))
    console.print(f"wrote {out}")
