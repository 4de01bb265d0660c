"""Prometheus metrics of the analytics cameras, on the app's registry (``register_collector``).

Read at scrape time from the camera leases (which carry each pipeline's status, wherever its worker
runs) and the channels to structure, so the API process shows every worker's cameras:

- ``xueliang_analytics_camera_state{camera, state}``: 1 for the camera's state, 0 for the others
  (``STATES``; ``stale``: its worker stopped renewing, ``unassigned``: no worker holds it);
- ``xueliang_analytics_camera_restarts_total``, ``…_detector_calls_total``, ``…_frames_total``,
  ``…_dropped_frames_total``, ``…_tracks_total`` per camera (as its pipeline counts them: they start
  again at 0 when another worker takes the camera, which ``rate()`` treats as a counter reset);
- ``xueliang_analytics_camera_fps{camera}``;
- ``xueliang_analytics_stage_seconds{camera, stage}``: latency histogram of the camera loop's stages
  (``motion``, ``detect``, ``track``, ``carry``; buckets ``tracking.STAGE_BUCKETS``).

A scrape never fails for these: without leases or database it reports what it has.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

import anyio
import anyio.from_thread
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector, CollectorRegistry

from xueliang.analytics.leases import Entry
from xueliang.analytics.schemas import CameraPipelineRead
from xueliang.analytics.service import pipeline_states
from xueliang.analytics.tracking import STAGE_BUCKETS
from xueliang.core.db import session_scope

logger = logging.getLogger(__name__)

STATES = ("starting", "running", "backoff", "error", "stopped", "stale", "unassigned")
COUNTERS = (
    ("restarts", "Capture restarts of the camera's pipeline"),
    ("detector_calls", "Detector calls of the camera's pipeline"),
    ("frames", "Frames the camera's pipeline processed"),
    ("dropped", "Frames dropped with no free slot (the detector busy)"),
    ("tracks", "Tracks the camera's pipeline finished as records"),
)


async def _entries(state: Any) -> dict[str, Entry]:
    from xueliang.analytics.router import leases_of

    with anyio.fail_after(2):
        return await (await leases_of(state)).entries()


class AnalyticsCollector(Collector):
    def __init__(self, state: Any) -> None:
        self.state = state

    def collect(self) -> Iterator[Metric]:
        entries = self._read_entries()
        cameras = self._cameras(entries)
        yield self._states(cameras)
        yield from self._counters(cameras)
        fps = GaugeMetricFamily(
            "xueliang_analytics_camera_fps", "Frames per second processed", labels=["camera"]
        )
        for camera in cameras:
            fps.add_metric([camera.camera_id], camera.fps)
        yield fps
        yield self._stages(entries)

    def _read_entries(self) -> dict[str, Entry]:
        try:  # the scrape runs in a worker thread of the app's event loop, the leases on that loop
            return anyio.from_thread.run(_entries, self.state)
        except Exception as exc:
            logger.warning("analytics metrics: leases unavailable: %s", type(exc).__name__)
            return {}

    def _cameras(self, entries: dict[str, Entry]) -> list[CameraPipelineRead]:
        try:
            with session_scope(self.state.sessionmaker) as db:
                return pipeline_states(db=db, settings=self.state.settings, entries=entries, now=time.time())
        except Exception as exc:
            logger.warning("analytics metrics: database unavailable: %s", type(exc).__name__)
            return []

    def _states(self, cameras: list[CameraPipelineRead]) -> GaugeMetricFamily:
        family = GaugeMetricFamily(
            "xueliang_analytics_camera_state", "1 for the camera pipeline's state", labels=["camera", "state"]
        )
        for camera in cameras:
            for state in STATES:
                family.add_metric([camera.camera_id, state], float(camera.state == state))
        return family

    def _counters(self, cameras: list[CameraPipelineRead]) -> Iterator[CounterMetricFamily]:
        for field, help_text in COUNTERS:
            name = "dropped_frames" if field == "dropped" else field
            family = CounterMetricFamily(f"xueliang_analytics_camera_{name}", help_text, labels=["camera"])
            for camera in cameras:
                family.add_metric([camera.camera_id], float(getattr(camera, field)))
            yield family

    def _stages(self, entries: dict[str, Entry]) -> HistogramMetricFamily:
        family = HistogramMetricFamily(
            "xueliang_analytics_stage_seconds", "Latency of a camera loop's stage", labels=["camera", "stage"]
        )
        bounds = [str(b) for b in STAGE_BUCKETS] + ["+Inf"]
        for key, entry in sorted(entries.items()):
            status = entry.value.get("status") or {}
            if not key.startswith("camera.") or not entry.value.get("worker"):
                continue
            for stage, h in sorted((status.get("stages") or {}).items()):
                if len(h.get("buckets", [])) == len(bounds):
                    buckets = list(zip(bounds, (float(c) for c in h["buckets"]), strict=True))
                    family.add_metric([key.removeprefix("camera."), stage], buckets, float(h["sum"]))
        return family


def register_collector(registry: CollectorRegistry, state: Any) -> None:
    registry.register(AnalyticsCollector(state))
