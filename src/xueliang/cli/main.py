"""The `xueliang` command: one Typer app, one sub-app per concern."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from xueliang.analytics.cli import worker_app
from xueliang.assessment.cli import assessment_app
from xueliang.camera.cli import camera_app
from xueliang.cli.audit import audit_app
from xueliang.cli.context import console, err_console, unit_of_work
from xueliang.cli.users import user_app
from xueliang.core.config import generate_secret_key, get_settings
from xueliang.core.exceptions import ConfigurationError
from xueliang.grid.cli import grid_app
from xueliang.incident.cli import incident_app
from xueliang.sim.cli import sim_app

app = typer.Typer(
    help="Xueliang (雪亮) platform command.", no_args_is_help=True, pretty_exceptions_enable=False
)
db_app = typer.Typer(no_args_is_help=True, help="Database schema.")
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
app.add_typer(audit_app, name="audit")
app.add_typer(incident_app, name="incident")
app.add_typer(assessment_app, name="assessment")
app.add_typer(camera_app, name="camera")
app.add_typer(sim_app, name="sim", help="Synthetic city, traffic and device simulators.")
app.add_typer(grid_app, name="grid")
app.add_typer(worker_app, name="worker")


def _revisions(revisions: set[str]) -> str:
    return ", ".join(sorted(revisions)) or "(empty)"


@db_app.command("upgrade")
def db_upgrade(revision: str = "heads") -> None:
    """Apply migrations (SQLite or PostgreSQL/PostGIS) and seed the built-in roles."""
    from xueliang.auth.service import ensure_builtin_roles
    from xueliang.core.db import engine_for
    from xueliang.core.migrate import current_heads, upgrade

    engine = engine_for(get_settings().database_url)
    upgrade(engine, revision)
    with unit_of_work() as db:
        ensure_builtin_roles(db=db)
    console.print(f"database at {_revisions(current_heads(engine))} ({engine.url.get_backend_name()})")


@db_app.command("current")
def db_current() -> None:
    """Show the applied and the latest migration revision."""
    from xueliang.core.db import engine_for
    from xueliang.core.migrate import current_heads, head_revisions

    engine = engine_for(get_settings().database_url)
    console.print(f"current: {_revisions(current_heads(engine))}  heads: {_revisions(head_revisions())}")


@app.command()
def init(admin: Annotated[str, typer.Option(help="Username of the first administrator.")] = "admin") -> None:
    """Initialise an instance: data directory, secret key, migrations, and an admin account whose
    generated password is printed once. Safe to run again: nothing existing is replaced."""
    from xueliang.auth.service import get_user_by_username
    from xueliang.cli.users import create

    settings = get_settings()
    key_file = generate_secret_key(settings.data_dir)
    get_settings.cache_clear()
    console.print(f"data directory: {settings.data_dir.resolve()} (secret key: {key_file.name})")
    db_upgrade()
    with unit_of_work() as db:
        exists = get_user_by_username(db=db, username=admin) is not None
    if exists:
        console.print(
            f"administrator '{admin}' already exists (reset with `xueliang user reset-password {admin}`)"
        )
    else:
        create(admin, role=["admin"], display_name="Administrator", password=None)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (default XUELIANG_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default XUELIANG_PORT).")] = None,
) -> None:
    """Serve the API and the web UI."""
    import uvicorn

    from xueliang.api.app import create_app
    from xueliang.core.logging import configure_logging

    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    try:
        application = create_app(settings)
    except ConfigurationError as exc:
        err_console.print(f"[red]refusing to start:[/red] {exc.detail}")
        raise typer.Exit(2) from exc
    console.print(f"serving http://{host or settings.host}:{port or settings.port}")
    uvicorn.run(
        application, host=host or settings.host, port=port or settings.port, log_config=None, access_log=False
    )


@app.command()
def openapi(
    out: Annotated[Path | None, typer.Option(help="File to write; stdout if omitted.")] = None,
) -> None:
    """Write the OpenAPI document (the web UI's client is generated from it)."""
    from xueliang.api.app import create_app
    from xueliang.core.config import Environment, Settings

    document = create_app(Settings(env=Environment.development, database_url="sqlite://")).openapi()
    text = json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        console.print(f"wrote {out}")
