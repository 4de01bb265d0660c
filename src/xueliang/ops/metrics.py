"""Self-monitoring: a Prometheus collector on the app's registry (``register_collector``).

Gauges, read at scrape time: ops cycle durations and counts (``STATS``, filled by the jobs), disk use
of the data directory, scheduler lag per job (how far past its due time a job still waits), queue
depths (undelivered VIID outbox entries, the view-library writer queue, open alarms, open work
orders). Ingest rate: ``rate(xueliang_http_requests_total{route=~"/VIID/.*"}[5m])`` from the request
metrics, and ``xueliang_viewlib_writer_queue`` for back-pressure.
"""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector, CollectorRegistry
from sqlalchemy import func, select

from xueliang.core.db import session_scope, utcnow

logger = logging.getLogger(__name__)


class Stats:
    """Figures of the last run of each ops cycle (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.seconds: dict[str, float] = {}
        self.counts: dict[tuple[str, str], int] = {}

    def cycle(self, name: str, seconds: float, **counts: int) -> None:
        with self._lock:
            self.seconds[name] = seconds
            self.counts.update({(name, k): v for k, v in counts.items()})

    def snapshot(self) -> tuple[dict[str, float], dict[tuple[str, str], int]]:
        with self._lock:
            return dict(self.seconds), dict(self.counts)


STATS = Stats()


def _lag(job: Any, now: datetime) -> float:
    due = job.next_run_at
    return max(0.0, (now - due).total_seconds()) if due is not None else 0.0


class OpsCollector(Collector):
    def __init__(self, state: Any) -> None:
        self.state = state

    def collect(self) -> Iterator[GaugeMetricFamily]:
        yield from self._cycles()
        yield self._disk()
        yield self._lags()
        yield from self._queues()

    def _cycles(self) -> Iterator[GaugeMetricFamily]:
        seconds, counts = STATS.snapshot()
        duration = GaugeMetricFamily(
            "xueliang_ops_cycle_seconds", "Duration of the last ops cycle", labels=["cycle"]
        )
        for name, value in seconds.items():
            duration.add_metric([name], value)
        yield duration
        channels = GaugeMetricFamily(
            "xueliang_ops_cycle_count", "Counts of the last ops cycle", labels=["cycle", "what"]
        )
        for (name, what), value in counts.items():
            channels.add_metric([name, what], value)
        yield channels

    def _disk(self) -> GaugeMetricFamily:
        disk = GaugeMetricFamily("xueliang_disk_bytes", "Disk of the data directory", labels=["kind"])
        path = self.state.settings.data_dir
        if path.exists():
            usage = shutil.disk_usage(path)
            for kind in ("total", "used", "free"):
                disk.add_metric([kind], getattr(usage, kind))
        return disk

    def _lags(self) -> GaugeMetricFamily:
        lag = GaugeMetricFamily(
            "xueliang_job_lag_seconds", "Seconds a scheduled job is past due", labels=["job"]
        )
        scheduler = getattr(self.state, "scheduler", None)
        now = utcnow()
        for job in scheduler.jobs() if scheduler is not None else []:
            lag.add_metric([job.name], _lag(job, now))
        return lag

    def _queues(self) -> Iterator[GaugeMetricFamily]:
        from xueliang.ops.enums import OrderState
        from xueliang.ops.models import Alarm, WorkOrder
        from xueliang.viid.models import OutboxEntry

        queue = GaugeMetricFamily("xueliang_queue_depth", "Items waiting", labels=["queue"])
        writer = getattr(getattr(self.state, "viewlib", None), "writer", None)
        pending = getattr(writer, "_queue", None)
        queue.add_metric(["viewlib_writer"], pending.qsize() if pending is not None else 0)
        try:
            with session_scope(self.state.sessionmaker) as db:
                for name, query in (
                    ("viid_outbox", select(func.count()).where(OutboxEntry.delivered_at.is_(None))),
                    ("ops_alarms_open", select(func.count()).where(Alarm.state != "cleared")),
                    (
                        "ops_work_orders_open",
                        select(func.count()).where(
                            WorkOrder.state.in_([OrderState.open.value, OrderState.responded.value])
                        ),
                    ),
                ):
                    queue.add_metric([name], db.scalar(query) or 0)
        except Exception as exc:  # a scrape reports what it can, never fails
            logger.warning("ops metrics: database unavailable: %s", type(exc).__name__)
        yield queue


def register_collector(registry: CollectorRegistry, state: Any) -> None:
    registry.register(OpsCollector(state))
