"""``xueliang grid …``: import the registry, check grid coverage, set API clients' field whitelists."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from xueliang.cli.context import console, err_console, unit_of_work
from xueliang.core.config import get_settings

grid_app = typer.Typer(no_args_is_help=True, help="Grid registry: import, coverage, API client fields.")


@grid_app.command("import")
def import_dir(
    directory: Annotated[Path, typer.Argument(help="Directory with admin_areas, grids, buildings, … files.")],
    report: Annotated[Path | None, typer.Option(help="Report CSV (default DIR/import-report.csv).")] = None,
    batch: Annotated[int, typer.Option(min=100, help="Rows per committed batch.")] = 50_000,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
) -> None:
    """Import (or resume importing) a directory; rejected rows go to the report, never dropped silently."""
    from xueliang.core.db import engine_for
    from xueliang.grid.importer import Importer

    if not directory.is_dir():
        err_console.print(f"[red]error:[/red] {directory} is not a directory")
        raise typer.Exit(2)
    settings = get_settings()
    importer = Importer(
        engine_for(settings.database_url), directory, settings.effective_secret(), report, batch, progress
    )
    summary = importer.run()
    for f in summary.files:
        state = "already imported" if f.skipped else f"{f.imported} imported, {f.rejected} rejected"
        console.print(f"{f.file}: {f.read} read, {state}, {f.noted} noted ({f.seconds:.1f} s)")
    console.print(f"grid coverage issues: {summary.coverage_issues}; report: {summary.report}")
    if summary.indexes_built:
        console.print(f"indexes built after the load: {summary.indexes_built}")
    console.print(f"done in {summary.seconds:.1f} s")


@grid_app.command("client-fields")
def client_fields(
    username: Annotated[str, typer.Argument(help="The API client's (service) user.")],
    fields: Annotated[str, typer.Argument(help="Comma-separated resident fields the client may read.")],
) -> None:
    """Set the field whitelist of an API client for resident reads."""
    from xueliang.auth.principal import Principal
    from xueliang.grid.service import set_client_fields

    with unit_of_work() as db:
        allowed = set_client_fields(
            db=db, principal=Principal.system("cli"), username=username, fields=fields.split(",")
        )
    console.print(f"{username}: {', '.join(allowed)}")
