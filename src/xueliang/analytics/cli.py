"""`xueliang worker analytics`."""

from __future__ import annotations

import asyncio
import signal

import typer

from xueliang.core.config import get_settings

worker_app = typer.Typer(no_args_is_help=True, help="Background workers.")


@worker_app.command("analytics")
def analytics() -> None:
    """Structure the city's ordinary cameras: take camera leases through the bus, run their pipelines
    (capture → motion gate → detector pool → tracker → best shot → extractors → records), complete
    incoming records that lack plate, attributes or embedding. Stops on SIGINT/SIGTERM."""
    from xueliang.analytics.runtime import embedded_reason, serve
    from xueliang.core.logging import configure_logging

    settings = get_settings()
    if reason := embedded_reason(settings):
        typer.echo(
            f"xueliang worker analytics cannot run here: {reason}. In an embedded deployment the "
            "worker runs inside `xueliang serve` (XUELIANG_ANALYTICS_IN_APP, on by default there); "
            "separate workers need XUELIANG_BUS_URL=nats://… and XUELIANG_RECORD_STORE_TYPE=clickhouse.",
            err=True,
        )
        raise typer.Exit(2)
    configure_logging(settings.log_level, settings.log_format)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await serve(settings, stop)

    asyncio.run(main())
