"""Fixtures for /VIID tests: a chdb-backed view library on the app, and registered devices."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.viewlib.helpers import DEVICE, chdb_store
from xueliang.camera import service as camera_service
from xueliang.camera.models import Device
from xueliang.core.blobs import BlobStore
from xueliang.core.config import Settings
from xueliang.viewlib.dependencies import ViewLibrary
from xueliang.viewlib.writer import BatchWriter
from xueliang.viid import digest

PASSWORD = "device-pass-1"


@pytest.fixture
def viewlib(app: FastAPI, data_dir: Path) -> Iterator[ViewLibrary]:
    store = chdb_store()
    lib = ViewLibrary(store=store, writer=BatchWriter(store), blobs=BlobStore(data_dir / "blobs"))
    app.state.viewlib, app.state.viewlib_external = lib, True
    yield lib
    lib.writer.close()
    store.drop_database()


def make_device(
    db: Session,
    settings: Settings,
    device_id: str = DEVICE,
    *,
    admitted: bool = True,
    identity: bool = False,
    kind: str = "checkpoint",
) -> Device:
    device = camera_service.register_device(
        db=db, device_id=device_id, name=f"dev {device_id[-4:]}", kind=kind
    )
    device.admission = "admitted" if admitted else "pending"
    device.may_send_identity = identity
    camera_service.set_device_secret(device=device, secret=PASSWORD, key=settings.effective_secret())
    db.commit()
    return device


def digest_post(
    client: TestClient, path: str, device_id: str, body: dict[str, object], password: str = PASSWORD
) -> httpx.Response:
    first = client.post(path, json=body)
    assert first.status_code == 401, first.text
    auth = digest.authorization_header(
        username=device_id,
        password=password,
        method="POST",
        uri=path,
        www_authenticate=first.headers["WWW-Authenticate"],
    )
    return client.post(path, json=body, headers={"Authorization": auth})


def register(client: TestClient, device_id: str = DEVICE) -> httpx.Response:
    return digest_post(
        client, "/VIID/System/Register", device_id, {"RegisterObject": {"DeviceID": device_id}}
    )


@pytest.fixture
def device(db: Session, settings: Settings) -> Device:
    return make_device(db, settings)


@pytest.fixture
def live(client: TestClient, device: Device, viewlib: ViewLibrary) -> TestClient:
    """A client whose device is registered; sends User-Identify."""
    assert register(client).status_code == 200
    client.headers["User-Identify"] = device.device_id
    return client
