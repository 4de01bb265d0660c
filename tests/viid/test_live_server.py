"""Against a real `xueliang serve` (file database, scheduler running): the outbox delivers every
notification to a receiver that was down while records were pushed (each object once, each
subscription's in push order), and devices registering all at once all get in."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from tests.viewlib.helpers import DEVICE, motor_vehicle
from tests.viid.conftest import PASSWORD
from tests.viid.receiver import Receiver
from xueliang.camera import service as camera_service
from xueliang.core.config import Settings
from xueliang.core.db import make_engine, session_factory, session_scope
from xueliang.core.migrate import upgrade
from xueliang.viid import digest
from xueliang.viid.models import OutboxEntry

pytestmark = pytest.mark.slow
SECRET = "c" * 64
BATCHES, PER_BATCH = 6, 20
WAIT = 60.0
OTHERS = [f"990101000513202{i:05d}" for i in range(30)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _settings(root: Path) -> Settings:
    return Settings(data_dir=root, env="development", secret_key=SECRET)


def _prepare(settings: Settings) -> None:
    engine = make_engine(settings.database_url)
    upgrade(engine)
    with session_scope(session_factory(engine)) as db:
        for device_id in [DEVICE, *OTHERS]:
            device = camera_service.register_device(db=db, device_id=device_id, name="cp", kind="checkpoint")
            device.admission = "admitted"
            camera_service.set_device_secret(device=device, secret=PASSWORD, key=settings.effective_secret())
    engine.dispose()


def _wait(what: str, done: Callable[[], bool], timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, f"not within {timeout:.0f} s: {what}"
        time.sleep(0.2)


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Settings]]:
    """`xueliang serve` on a free port, a fresh data dir, the outbox run every second, back-off ≤ 1 s."""
    settings, port = _settings(tmp_path / "data"), _free_port()
    _prepare(settings)
    env = {
        **os.environ,
        "XUELIANG_DATA_DIR": str(settings.data_dir),
        "XUELIANG_ENV": "development",
        "XUELIANG_SECRET_KEY": SECRET,
        "XUELIANG_PORT": str(port),
        "XUELIANG_LOG_LEVEL": "WARNING",
        "XUELIANG_RUN_SCHEDULER": "true",
        "XUELIANG_VIID_OUTBOX_INTERVAL_SECONDS": "1",
        "XUELIANG_VIID_OUTBOX_MAX_BACKOFF_SECONDS": "1",
    }
    with (tmp_path / "server.log").open("wb") as log:
        proc = subprocess.Popen(
            [str(Path(sys.executable).parent / "xueliang"), "serve"], env=env, stdout=log, stderr=log
        )
        url = f"http://127.0.0.1:{port}"
        try:
            _wait(
                "server healthy", lambda: (proc.poll() is None and _healthy(url)) or proc.poll() is not None
            )
            assert proc.poll() is None, (tmp_path / "server.log").read_text()[-3000:]
            yield url, settings
        finally:
            proc.terminate()
            proc.wait(timeout=30)


def _register(client: httpx.Client, device_id: str = DEVICE) -> int:
    path, body = "/VIID/System/Register", {"RegisterObject": {"DeviceID": device_id}}
    challenge = client.post(path, json=body).headers["WWW-Authenticate"]
    auth = digest.authorization_header(
        username=device_id, password=PASSWORD, method="POST", uri=path, www_authenticate=challenge
    )
    return client.post(path, json=body, headers={"Authorization": auth}).status_code


def _subscribe(client: httpx.Client, sid: str, url: str) -> None:
    obj = {"SubscribeID": sid, "Title": sid, "SubscribeDetail": "13", "ResourceURI": "", "ReceiveAddr": url}
    reply = client.post("/VIID/Subscribes", json={"SubscribeListObject": {"SubscribeObject": [obj]}})
    assert reply.json()["ResponseStatusListObject"]["ResponseStatusObject"][0]["StatusCode"] == "0"


def _push(client: httpx.Client, first: int) -> list[str]:
    objs = [motor_vehicle(first + i, plate=f"湘A{first + i:05d}") for i in range(PER_BATCH)]
    reply = client.post("/VIID/MotorVehicles", json={"MotorVehicleListObject": {"MotorVehicleObject": objs}})
    statuses = reply.json()["ResponseStatusListObject"]["ResponseStatusObject"]
    assert [s["StatusCode"] for s in statuses] == ["0"] * PER_BATCH
    return [str(o["MotorVehicleID"]) for o in objs]


def _retried(settings: Settings) -> bool:
    """Each subscription's head entry has failed at least twice (the receiver is down)."""
    engine = make_engine(settings.database_url)
    try:
        with session_scope(session_factory(engine)) as db:
            heads = select(OutboxEntry.subscription_pk, func.max(OutboxEntry.attempts)).group_by(
                OutboxEntry.subscription_pk
            )
            rows = db.execute(heads).all()
    finally:
        engine.dispose()
    return len(rows) == 2 and all(attempts >= 2 for _, attempts in rows)


def test_outbox_live__receiver_down_then_up_gets_every_notification_once_in_order(
    server: tuple[str, Settings],
) -> None:
    url, settings = server
    port = _free_port()  # nothing listens here until the receiver starts: connections are refused
    pushed: list[str] = []
    with httpx.Client(base_url=url, timeout=30, headers={"User-Identify": DEVICE}) as client:
        assert _register(client) == 200
        _subscribe(client, "1" * 33, f"http://127.0.0.1:{port}/a")
        _subscribe(client, "2" * 33, f"http://127.0.0.1:{port}/b")
        for b in range(BATCHES // 2):
            pushed += _push(client, 1 + b * PER_BATCH)
        _wait("delivery attempts fail while the receiver is down", lambda: _retried(settings))
        for b in range(BATCHES // 2, BATCHES):
            pushed += _push(client, 1 + b * PER_BATCH)
    receiver = Receiver(port)
    try:
        _wait(
            "every notification delivered",
            lambda: all(len(receiver.objects(p)) >= len(pushed) for p in ("/a", "/b")),
        )
        time.sleep(1.5)  # one more outbox run: nothing is sent twice
        for path in ("/a", "/b"):
            assert [o["MotorVehicleID"] for o in receiver.objects(path)] == pushed
    finally:
        receiver.close()


def test_register_live__devices_registering_at_once_all_get_in(server: tuple[str, Settings]) -> None:
    url, _ = server

    def register_and_keepalive(device_id: str) -> tuple[int, int]:
        with httpx.Client(base_url=url, timeout=30) as client:
            registered = _register(client, device_id)
            alive = client.post(
                "/VIID/System/Keepalive",
                json={"KeepaliveObject": {"DeviceID": device_id}},
                headers={"User-Identify": device_id},
            )
            return registered, alive.status_code

    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(register_and_keepalive, OTHERS))
    assert results == [(200, 200)] * len(OTHERS)
