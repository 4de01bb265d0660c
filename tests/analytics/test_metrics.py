"""/metrics: the analytics cameras' states, counters and stage latencies, from the leases."""

from __future__ import annotations

import asyncio
import time

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.analytics.test_router import FAILING, FREE, RUNNING, _cameras
from xueliang.analytics.tracking import STAGE_BUCKETS, StageTimes
from xueliang.core.config import Settings


def test_stage_times__cumulative_histogram() -> None:
    times = StageTimes()
    for took in (0.0005, 0.03, 5.0):
        times.add("detect", time.perf_counter() - took)
    h = times.histograms()["detect"]
    assert h["count"] == 3
    assert len(h["buckets"]) == len(STAGE_BUCKETS) + 1
    assert h["buckets"][0] == 1  # ≤ 1 ms
    assert h["buckets"][STAGE_BUCKETS.index(0.05)] == 2  # ≤ 50 ms
    assert h["buckets"][-2:] == [2, 3]  # ≤ 2 s, +∞
    assert 5.0 < h["sum"] < 5.2


def test_metrics__camera_states_counters_and_stage_histogram(
    client: TestClient, db: Session, settings: Settings
) -> None:
    store = _cameras(db, settings, client)
    stages = {"detect": {"buckets": [0] * 6 + [4, 9, 10, 10, 10, 10], "sum": 1.25, "count": 10}}
    status = {"state": "running", "restarts": 1, "detector_calls": 10, "frames": 60, "stages": stages}
    entry = {"worker": "w1", "expires": time.time() + 30, "status": status}
    revision = store.data[f"camera.{RUNNING}"].revision
    assert asyncio.run(store.update(f"camera.{RUNNING}", entry, revision))
    text = client.get("/metrics").text
    assert f'xueliang_analytics_camera_state{{camera="{RUNNING}",state="running"}} 1.0' in text
    assert f'xueliang_analytics_camera_state{{camera="{RUNNING}",state="backoff"}} 0.0' in text
    assert f'xueliang_analytics_camera_state{{camera="{FAILING}",state="backoff"}} 1.0' in text
    assert f'xueliang_analytics_camera_state{{camera="{FREE}",state="unassigned"}} 1.0' in text
    assert f'xueliang_analytics_camera_restarts_total{{camera="{FAILING}"}} 3.0' in text
    assert f'xueliang_analytics_camera_detector_calls_total{{camera="{RUNNING}"}} 10.0' in text
    assert (
        f'xueliang_analytics_stage_seconds_bucket{{camera="{RUNNING}",le="0.1",stage="detect"}} 4.0' in text
    )
    assert f'xueliang_analytics_stage_seconds_count{{camera="{RUNNING}",stage="detect"}} 10.0' in text
    assert f'xueliang_analytics_stage_seconds_sum{{camera="{RUNNING}",stage="detect"}} 1.25' in text
