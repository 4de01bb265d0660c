"""`xueliang sim ...` commands."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from xueliang.sim.progress import steps

sim_app = typer.Typer(no_args_is_help=True)

Scale = Annotated[float, typer.Option(help="1.0 = the reference city; counts are round(reference * scale).")]
Seed = Annotated[int, typer.Option(help="Same seed and scale → byte-identical output.")]
Quiet = Annotated[bool, typer.Option("--quiet", help="No progress bars.")]


@sim_app.command("city")
def city(
    out: Annotated[Path, typer.Option(help="Output folder.")] = Path("data/city"),
    scale: Scale = 1.0,
    seed: Seed = 7,
    quiet: Quiet = False,
) -> None:
    """Generate the synthetic city: areas, grids, roads, buildings, housing, residents, cameras."""
    from xueliang.sim.city import generate_city

    started = time.perf_counter()
    with steps(not quiet) as st:
        files = generate_city(out, seed, scale, st)
    typer.echo(f"wrote {len(files)} files to {out} in {time.perf_counter() - started:.1f} s")


@sim_app.command("traffic")
def traffic(
    start: Annotated[
        str, typer.Option(help="Window start, local time, e.g. 2026-11-01T00:00.")
    ] = "2026-11-01T00:00",
    hours: Annotated[int, typer.Option(help="Window length in hours.")] = 24,
    out: Annotated[Path, typer.Option(help="Output folder.")] = Path("data/traffic"),
    scale: Scale = 1.0,
    seed: Seed = 7,
    quiet: Quiet = False,
) -> None:
    """Simulate checkpoint passes and face captures (GA/T 1400 NDJSON) plus truth.json."""
    from xueliang.sim.traffic import generate_traffic

    started = time.perf_counter()
    with steps(not quiet) as st:
        files = generate_traffic(out, seed, scale, start, hours, st)
    typer.echo(f"wrote {len(files)} files to {out} in {time.perf_counter() - started:.1f} s")
