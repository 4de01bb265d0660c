"""Seeding shared by the investigation browser tests: located checkpoints with their cameras written
into the live server's database, passes and faces sent through the GA/T 1400 endpoint from a
registered (Digest), admitted device, and the admin's login, admission and case through the API."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import httpx
import numpy as np
import pytest
from playwright.sync_api import Browser, BrowserContext, Page
from sqlalchemy.orm import Session

from tests.viewlib.helpers import motor_vehicle
from xueliang.camera import service as cameras
from xueliang.camera.models import Channel, Tollgate
from xueliang.core.db import engine_for, session_factory, session_scope
from xueliang.investigation.embeddings import encode_feature
from xueliang.viid import digest

if TYPE_CHECKING:
    from conftest import LiveServer

# checkpoint → (camera channel, lon, lat)
Gates = dict[str, tuple[str, float, float]]


@contextmanager
def registry(data_dir: Path) -> Iterator[Session]:
    """A session on the live server's database (data_dir/x.db), committed on leaving."""
    engine = engine_for(f"sqlite:///{data_dir}/x.db")
    try:
        with session_scope(session_factory(engine)) as db:
            yield db
    finally:
        engine.dispose()


def seed_checkpoints(data_dir: Path, gates: Gates, device: str, gate_name: str, camera_name: str) -> None:
    """The located checkpoints (named gate_name 1, 2, …), a checkpoint channel at each, the device."""
    with registry(data_dir) as db:
        for n, (tg, (channel, lon, lat)) in enumerate(gates.items(), start=1):
            name = f"{gate_name}{n}"
            gate = Tollgate(tollgate_id=tg, name=name, longitude=lon, latitude=lat, region_code="990101")
            db.add(gate)
            db.flush()
            where = {"longitude": lon, "latitude": lat, "tollgate_pk": gate.id}
            db.add(Channel(channel_id=channel, name=name, kind="checkpoint", **where))
        cameras.register_device(db=db, device_id=device, name=camera_name, kind="checkpoint")


def stamp(minutes_ago: int) -> str:
    now = datetime.now(ZoneInfo("Asia/Shanghai")).replace(microsecond=0)
    return (now - timedelta(minutes=minutes_ago)).strftime("%Y%m%d%H%M%S")


def feature_info(vec: np.ndarray) -> dict[str, str]:
    return {"Vendor": "t", "AlgorithmVersion": "t", "FeatureData": encode_feature(vec.astype(np.float32))}


def checkpoint_pass(
    gates: Gates, serial: int, plate: str, minutes_ago: int, tg: str, **extra: Any
) -> dict[str, Any]:
    """A pass of `plate` at checkpoint `tg`, seen by its camera channel `minutes_ago` minutes ago."""
    return motor_vehicle(
        serial, device=gates[tg][0], plate=plate, stamp=stamp(minutes_ago), TollgateID=tg, **extra
    )


def register_device(client: httpx.Client, device: str, secret: str) -> None:
    """Register the device at /VIID/System/Register, answering the Digest challenge."""
    path, body = "/VIID/System/Register", {"RegisterObject": {"DeviceID": device}}
    first = client.post(path, json=body)
    auth = digest.authorization_header(
        username=device, password=secret, method="POST", uri=path,
        www_authenticate=first.headers["WWW-Authenticate"],
    )  # fmt: skip
    assert client.post(path, json=body, headers={"Authorization": auth}).status_code == 200


def send(client: httpx.Client, device: str, route: str, objects: dict[str, Any]) -> httpx.Response:
    """POST the objects as the device."""
    return client.post(route, json=objects, headers={"User-Identify": device})


def status_codes(response: httpx.Response) -> list[str]:
    """The StatusCode of each object in a GA/T 1400 response status list."""
    return [s["StatusCode"] for s in response.json()["ResponseStatusListObject"]["ResponseStatusObject"]]


def admin_login(context: BrowserContext, live_server: LiveServer) -> dict[str, str]:
    """Log the context in as the admin; the CSRF header for its writes."""
    admin = live_server.admin
    login = context.request.post(
        "/api/v1/auth/login", data={"username": admin.username, "password": admin.password}
    )
    assert login.status == 200, login.text()
    csrf = next(c["value"] for c in context.storage_state()["cookies"] if c["name"] == "xl_csrf")
    return {"X-CSRF-Token": csrf}


def admit_device(context: BrowserContext, headers: dict[str, str], device: str, secret: str) -> None:
    admitted = context.request.post(
        f"/api/v1/cameras/devices/{device}/admit", data={"secret": secret}, headers=headers
    )
    assert admitted.ok, admitted.text()


def create_case(context: BrowserContext, headers: dict[str, str], number: str, title: str) -> None:
    case = {"number": number, "title": title, "case_type": "theft"}
    created = context.request.post("/api/v1/investigation/cases", data=case, headers=headers)
    assert created.ok, created.text()


def saved_state(context: BrowserContext, tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    """Save the context's login (cookies) for the module's pages, then close it."""
    state = tmp_path_factory.mktemp(name) / "state.json"
    context.storage_state(path=state)
    context.close()
    return state


def investigation_page(browser: Browser, live_server: LiveServer, state: Path) -> tuple[BrowserContext, Page]:
    """A zh-CN context with the saved login `state` and a page open at /investigation."""
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", storage_state=state)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto("/investigation")
    return context, page
