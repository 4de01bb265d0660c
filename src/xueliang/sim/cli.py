"""`xueliang sim ...` commands."""

from __future__ import annotations

import typer

sim_app = typer.Typer(no_args_is_help=True)
