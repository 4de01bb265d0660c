"""SIGKILL the server in the middle of a pushed stream, restart it, let the client retry: every
acknowledged object is present exactly once. The server is killed again at the end, so both
crashes leave acknowledged rows in the ingest journal: the restart inserts the first's, the final
count opens the view library as the app does and so inserts the second's."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from bench.viid_ingest import DEVICES, PASSWORD, bodies, objects, setup_server

from xueliang.sim.viid_push import Batch, Report, _send, register

pytestmark = pytest.mark.slow
PORT = 8797


async def _stream(work: list[Batch], report: Report) -> None:
    import httpx

    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{PORT}", timeout=30) as client:
        for dev in DEVICES:
            await register(client, dev, PASSWORD)
        for batch in work:
            await _send(client, batch, report, lambda _d: PASSWORD)


def test_durability__sigkill_mid_stream_loses_no_acknowledged_object(tmp_path: Path) -> None:
    root = tmp_path / "server"
    work = [
        Batch(dev, "/VIID/MotorVehicles", body, [])
        for dev, body in bodies(
            objects(6000, images=False, seed=3, start=datetime.now(UTC) - timedelta(hours=1))
        )
    ]
    proc = setup_server(root, PORT)
    report = Report()
    thread = threading.Thread(target=lambda: asyncio.run(_stream(work, report)))
    thread.start()
    try:
        while report.acked < 1500:
            time.sleep(0.02)
        proc.kill()  # SIGKILL
        proc.wait()
        killed_at = report.acked
        proc = setup_server(root, PORT, migrate=False)
        thread.join(timeout=60)
    finally:
        proc.kill()
        proc.wait()
    assert report.acked == 6000 and killed_at < 6000 and report.retries > 0
    assert len(set(report.acked_ids)) == 6000
    assert _stored_counts(root) == [6000, 6000]


def _stored_counts(root: Path) -> list[int]:
    """count() and uniqExact(object_id) once the view library is opened as the app opens it (which
    first inserts what the ingest journal held at the kill), in a child process (chdb: one path
    per process)."""
    code = """if True:
        import sys
        from pathlib import Path
        from xueliang.core.config import Settings
        from xueliang.viewlib.dependencies import ViewLibrary
        lib = ViewLibrary.open(Settings(data_dir=Path(sys.argv[1]), env="development", secret_key="b" * 64))
        sql = "SELECT count(), uniqExact(object_id) FROM viewlib.motor_vehicle"
        print(lib.store._session.query(sql, "CSV"))
        lib.close()
    """
    out = subprocess.run([sys.executable, "-c", code, str(root)], capture_output=True, text=True, check=True)
    return [int(v) for v in out.stdout.strip().split(",")]
