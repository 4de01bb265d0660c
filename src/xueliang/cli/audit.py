"""`xueliang audit verify`."""

from __future__ import annotations

import typer

from xueliang.audit import service
from xueliang.cli.context import console, err_console, unit_of_work

audit_app = typer.Typer(no_args_is_help=True, help="The tamper-evident audit log.")


@audit_app.command("verify")
def verify() -> None:
    """Check the whole hash chain; exit 1 and name the first bad entry if anything was changed."""
    with unit_of_work() as db:
        result = service.verify(db=db)
    if result.ok:
        console.print(f"audit log intact: {result.checked} entries verified")
        return
    err_console.print(
        f"audit log BROKEN at entry {result.bad_entry_id}: {result.reason} "
        f"({result.checked} entries before it verified)"
    )
    raise typer.Exit(1)
