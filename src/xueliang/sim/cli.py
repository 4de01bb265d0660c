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


@sim_app.command("viid-push")
def viid_push(
    url: Annotated[str, typer.Option(help="Base URL of the platform.")] = "http://127.0.0.1:8000",
    devices: Annotated[int, typer.Option(help="Devices to simulate (the first N in the files).")] = 1490,
    rate: Annotated[float, typer.Option(help="Objects per second overall; 0 = as fast as possible.")] = 2000,
    from_: Annotated[Path, typer.Option("--from", help="A `sim traffic` folder.")] = Path("data/traffic"),
    batch: Annotated[int, typer.Option(help="Objects per upload.")] = 100,
    concurrency: Annotated[int, typer.Option(help="Uploads in flight.")] = 8,
    password: Annotated[str, typer.Option(help="Digest password; empty = the registry's derived one.")] = "",
    limit: Annotated[int, typer.Option(help="Stop after about this many objects (0 = all).")] = 0,
    acked_out: Annotated[Path | None, typer.Option(help="Write acknowledged object ids here.")] = None,
    hours: Annotated[
        str, typer.Option(help="Only these hour files, comma-separated yyyyMMddHH (empty = all).")
    ] = "",
) -> None:
    """Register devices with Digest, keep them alive, push GA/T 1400 batches; report rate and latency."""
    import asyncio

    from xueliang.camera.service import derived_device_secret
    from xueliang.core.config import get_settings
    from xueliang.sim.viid_push import push

    key = "" if password else get_settings().effective_secret()

    def secret(device: str) -> str:
        return password or derived_device_secret(key=key, device_id=device)

    report = asyncio.run(
        push(
            url=url,
            folder=from_,
            devices=devices,
            rate=rate,
            size=batch,
            concurrency=concurrency,
            password=secret,
            limit=limit,
            hours=[h.strip() for h in hours.split(",") if h.strip()],
        )
    )
    if acked_out is not None:
        acked_out.write_text("\n".join(report.acked_ids) + "\n", encoding="utf-8")
    typer.echo(report.summary())
    if report.refused:
        raise typer.Exit(1)


@sim_app.command("cameras")
def cameras(
    count: Annotated[
        int, typer.Option(min=1, max=256, help="Number of RTSP cameras (mounts /cam0 … /camN-1).")
    ] = 4,
    port: Annotated[int, typer.Option(help="RTSP port (TCP and UDP).")] = 8554,
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    pattern: Annotated[bool, typer.Option(help="A test pattern with a clock instead of vtest.avi.")] = False,
) -> None:
    """Serve N looping RTSP cameras (GStreamer RTSP server under /usr/bin/python3) until Ctrl-C."""
    from xueliang.core.config import get_settings
    from xueliang.sim.cameras_rtsp import PATTERN, CameraSimulator, main_loop, prepare_source

    source = PATTERN if pattern else prepare_source(get_settings().data_dir / "sim")
    simulator = CameraSimulator(count=count, source=source, port=port, host=host).start()
    typer.echo(f"serving {count} cameras: {simulator.urls[0]} … {simulator.urls[-1]} ({Path(source).name})")
    main_loop(simulator)
