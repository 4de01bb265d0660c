"""Embedded deployments: the analytics worker inside the app (its bus, record store and leases), and
`xueliang worker analytics` refusing an embedded configuration."""

from __future__ import annotations

import secrets
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tests.factories import login, make_user
from tests.stream.conftest import add_camera
from xueliang.analytics.runtime import embedded_reason, runs_in_app
from xueliang.api.app import create_app
from xueliang.cli.main import app as cli
from xueliang.core.config import Environment, Settings, get_settings
from xueliang.core.db import make_engine, session_factory
from xueliang.core.migrate import upgrade
from xueliang.viewlib.schemas import RECORDS_PERSON, RecordsStored, RecordStored

CAM = "43010200001320000031"


def _settings(tmp_path: Path, database_url: str, **extra: Any) -> Settings:
    values: dict[str, Any] = {"env": Environment.test, "record_store_type": "memory", **extra}
    return Settings(run_scheduler=False, database_url=database_url, data_dir=tmp_path,
                    secret_key=secrets.token_hex(32), **values)  # fmt: skip


def test_runs_in_app__auto_for_embedded_outside_tests(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    embedded = _settings(tmp_path, url, env=Environment.production, record_store_type="chdb")
    scaled = _settings(tmp_path, url, env=Environment.production, bus_url="nats://127.0.0.1:4222",
                       record_store_type="clickhouse")  # fmt: skip
    assert runs_in_app(embedded)
    assert "in-process" in embedded_reason(embedded)
    assert not runs_in_app(scaled)
    assert embedded_reason(scaled) == ""
    assert not runs_in_app(_settings(tmp_path, url))  # tests start no worker unless they ask
    assert runs_in_app(_settings(tmp_path, url, analytics_in_app=True))


def test_worker_cli__refuses_an_embedded_configuration(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XUELIANG_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("XUELIANG_BUS_URL", "")
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["worker", "analytics"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 2
    assert "in-process" in result.output
    assert "XUELIANG_ANALYTICS_IN_APP" in result.output


@pytest.mark.slow
def test_in_app_worker__file_camera_records_reach_the_app_bus_and_states_the_api(
    tmp_path: Path, fresh_database_url: Any, vtest_h264: Path
) -> None:
    url = fresh_database_url("sqlite")
    engine = make_engine(url)
    upgrade(engine)
    settings = _settings(tmp_path, url, analytics_in_app=True, analytics_extractors="clothing_colour",
                         analytics_heartbeat_seconds=1)  # fmt: skip
    with session_factory(engine)() as db:
        add_camera(db, settings.effective_secret(), CAM, str(vtest_h264))
        admin = make_user(db, roles=("admin",)).username
        db.commit()
    got: list[RecordStored] = []

    async def collect(message: RecordsStored) -> None:
        got.extend(message.records)

    app = create_app(settings)
    try:
        with TestClient(app) as client:
            client.portal.call(lambda: app.state.bus.subscribe(RECORDS_PERSON, durable="t", handler=collect))  # type: ignore[union-attr]
            api = login(client, admin)
            states = _wait(lambda: _state(api), lambda s: s.get("state") == "running", 20)
            _wait(lambda: got, bool, 25)
    finally:
        engine.dispose()
    print(f"camera {states}; person records on the app's bus: {len(got)}")  # noqa: T201
    assert states["worker"]
    assert got
    assert app.state.analytics_in_app is None  # stopped with the app


def _state(client: TestClient) -> dict[str, Any]:
    by_id = {c["camera_id"]: c for c in client.get("/api/v1/analytics/cameras").json()}
    return dict(by_id[CAM])


def _wait(read: Any, ok: Any, seconds: float) -> Any:
    deadline = time.monotonic() + seconds
    while not ok(value := read()) and time.monotonic() < deadline:
        time.sleep(0.5)
    return value
