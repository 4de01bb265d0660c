"""The `xueliang` command: one Typer app, one sub-app per domain."""

from __future__ import annotations

import typer

from xueliang.sim.cli import sim_app

app = typer.Typer(help="Xueliang (雪亮) platform command.", no_args_is_help=True)
app.add_typer(sim_app, name="sim", help="Synthetic city, traffic and device simulators.")
