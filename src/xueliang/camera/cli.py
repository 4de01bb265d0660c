"""`xueliang camera import|export|device-secret`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from xueliang.cli.context import console, unit_of_work
from xueliang.core.config import get_settings

camera_app = typer.Typer(no_args_is_help=True, help="Camera registry: import, export, device secrets.")


@camera_app.command("import")
def import_(
    path: Annotated[
        Path, typer.Argument(help="A `xueliang sim city` folder, or one .csv/.json/.ndjson file.")
    ],
    admit: Annotated[
        bool, typer.Option(help="Admit the imported devices and set their Digest secrets.")
    ] = False,
    stream_template: Annotated[
        str | None,
        typer.Option(help="Main stream URL for rows without one, e.g. rtsp://127.0.0.1:8554/cam{index}."),
    ] = None,
    stream_count: Annotated[int, typer.Option(help="Wrap {index} modulo this count (0 = no wrap).")] = 0,
    report: Annotated[
        Path | None, typer.Option(help="Write rejected rows (file, line, field, reason) here.")
    ] = None,
) -> None:
    """Upsert devices, channels, tollgates, lanes and departments; a second run changes nothing."""
    from xueliang.camera.importer import Options
    from xueliang.camera.readers import write_report
    from xueliang.camera.sim_import import import_path

    options = Options(
        key=get_settings().effective_secret(),
        admit=admit,
        stream_template=stream_template,
        stream_count=stream_count,
    )
    with unit_of_work() as db:
        stats = import_path(db=db, path=path, options=options)
    console.print(
        f"inserted {stats.inserted or {}}, updated {stats.updated or {}}, admitted {stats.admitted}"
    )
    for rejected in stats.rejected[:20]:
        console.print(f"rejected {rejected.file}:{rejected.line} {rejected.field}: {rejected.reason}")
    console.print(f"{len(stats.rejected)} rows rejected")
    if report is not None:
        write_report(report, stats.rejected)


@camera_app.command("export")
def export(
    out: Annotated[Path | None, typer.Option(help="File to write; stdout if omitted.")] = None,
    fmt: Annotated[str, typer.Option("--format", help="csv or json.")] = "csv",
) -> None:
    """Export the registry (the generic import format; no stream URLs or secrets)."""
    from xueliang.auth.principal import Principal
    from xueliang.camera.exporter import iter_csv, iter_json, iter_records

    if fmt not in {"csv", "json"}:
        raise typer.BadParameter("format must be csv or json")
    writer = iter_csv if fmt == "csv" else iter_json
    with unit_of_work() as db:
        chunks = writer(iter_records(db=db, principal=Principal.system("cli")))
        handle = out.open("w", encoding="utf-8") if out else sys.stdout
        try:
            for chunk in chunks:
                handle.write(chunk)
        finally:
            if out:
                handle.close()


@camera_app.command("device-secret")
def device_secret(device_id: str) -> None:
    """Print the derived Digest secret `--admit` gives a device without a `secret` column."""
    from xueliang.camera.service import derived_device_secret

    typer.echo(derived_device_secret(key=get_settings().effective_secret(), device_id=device_id))
