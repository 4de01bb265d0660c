"""What every command needs: settings, the engine, and a unit of work."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from sqlalchemy.orm import Session

from xueliang.core.config import get_settings
from xueliang.core.db import engine_for, session_factory, session_scope
from xueliang.core.exceptions import XueliangError

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """A committed transaction; a domain error becomes a one-line message and exit code 1."""
    engine = engine_for(get_settings().database_url)
    try:
        with session_scope(session_factory(engine)) as db:
            yield db
    except XueliangError as exc:
        err_console.print(f"[red]error:[/red] {exc.detail}")
        raise typer.Exit(1) from exc
