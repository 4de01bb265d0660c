"""`xueliang incident …`: Excel import of 12345 orders and work-calendar data import."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from xueliang.cli.context import console, err_console, unit_of_work
from xueliang.core.config import get_settings

incident_app = typer.Typer(no_args_is_help=True, help="Incident handling (events, 12345 orders).")
calendar_app = typer.Typer(no_args_is_help=True, help="The work calendar (holidays, 调休).")
incident_app.add_typer(calendar_app, name="calendar")


@incident_app.command("import-hotline")
def import_hotline(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="An .xlsx workbook.")],
    user: Annotated[str, typer.Option(help="The account the orders are recorded under.")] = "admin",
) -> None:
    """Import 12345 work orders (first sheet, header row: 工单编号, 接收时间, 工单类别, 紧急程度,
    问题描述, 地址, 经度, 纬度, 联系人, 联系电话, 转办意见). Orders already present are skipped."""
    from xueliang.auth.service import get_user_by_username_or_raise, principal_for
    from xueliang.incident.intake import import_hotline as run_import
    from xueliang.incident.locator import default_locator

    with unit_of_work() as db:
        principal = principal_for(db=db, user=get_user_by_username_or_raise(db=db, username=user))
        result = run_import(
            db=db,
            settings=get_settings(),
            principal=principal,
            locator=default_locator(),
            content=file.read_bytes(),
        )
    for line in result.errors:
        err_console.print(line)
    console.print(f"{result.created} created, {result.existing} already present, {len(result.errors)} errors")
    if result.errors:
        raise typer.Exit(1)


@calendar_app.command("import")
def import_calendar(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV: date,kind,name.")],
) -> None:
    """Add holidays and adjusted working days (kind = holiday | workday) to the calendar."""
    from xueliang.incident.service import import_calendar as run_import

    with unit_of_work() as db:
        count = run_import(db=db, text=file.read_text(encoding="utf-8"))
    console.print(f"{count} calendar days imported")
