"""Register / UnRegister (Digest), Keepalive, Time, and keepalive expiry."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.viewlib.helpers import DEVICE
from tests.viid.conftest import digest_post, make_device, register
from xueliang.camera.models import Device
from xueliang.core.config import Settings
from xueliang.core.db import utcnow
from xueliang.viid import digest, service


def test_register__digest_challenge_then_success_marks_online(
    client: TestClient, device: Device, db: Session
) -> None:
    first = client.post("/VIID/System/Register", json={"RegisterObject": {"DeviceID": DEVICE}})
    assert first.status_code == 401
    assert first.headers["WWW-Authenticate"].startswith('Digest realm="xueliang-viid", qop="auth"')
    assert first.json()["ResponseStatusObject"]["StatusCode"] == "401"
    response = register(client)
    assert response.status_code == 200
    assert response.json()["ResponseStatusObject"]["StatusCode"] == "0"
    db.refresh(device)
    assert device.status == "online" and device.registered_at is not None


def test_register__wrong_password_is_refused(client: TestClient, device: Device) -> None:
    response = digest_post(client, "/VIID/System/Register", DEVICE, {}, password="nope")
    assert response.status_code == 401
    assert "wrong credentials" in response.json()["ResponseStatusObject"]["StatusString"]


def test_register__unknown_device_is_refused_in_envelope(client: TestClient, device: Device) -> None:
    other = "99010100051320100099"
    response = digest_post(client, "/VIID/System/Register", other, {"RegisterObject": {"DeviceID": other}})
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/VIID+JSON")


def test_register__pending_admission_is_forbidden(
    client: TestClient, db: Session, settings: Settings
) -> None:
    make_device(db, settings, "99010100051320100011", admitted=False)
    response = register(client, "99010100051320100011")
    assert response.status_code == 403
    assert "not admitted" in response.json()["ResponseStatusObject"]["StatusString"]


def test_register__expired_nonce_gets_stale_challenge(
    client: TestClient, device: Device, settings: Settings
) -> None:
    old = digest.make_nonce(secret=settings.effective_secret(), now=utcnow().timestamp() - 3600)
    challenge = f'Digest realm="{settings.viid_realm}", qop="auth", nonce="{old}"'
    auth = digest.authorization_header(
        username=DEVICE,
        password="device-pass-1",
        method="POST",
        uri="/VIID/System/Register",
        www_authenticate=challenge,
    )
    response = client.post("/VIID/System/Register", json={}, headers={"Authorization": auth})
    assert response.status_code == 401
    assert "stale=true" in response.headers["WWW-Authenticate"]


def test_unregister__ends_the_registration(live: TestClient, db: Session, device: Device) -> None:
    response = digest_post(
        live, "/VIID/System/UnRegister", DEVICE, {"UnRegisterObject": {"DeviceID": DEVICE}}
    )
    assert response.status_code == 200
    assert (
        live.post("/VIID/System/Keepalive", json={"KeepaliveObject": {"DeviceID": DEVICE}}).status_code == 401
    )


def test_keepalive__needs_registration_and_refreshes(client: TestClient, device: Device, db: Session) -> None:
    body = {"KeepaliveObject": {"DeviceID": DEVICE}}
    assert (
        client.post("/VIID/System/Keepalive", json=body, headers={"User-Identify": DEVICE}).status_code == 401
    )
    register(client)
    response = client.post("/VIID/System/Keepalive", json=body, headers={"User-Identify": DEVICE})
    assert response.status_code == 200 and response.json()["ResponseStatusObject"]["Id"] == DEVICE


def test_expire_registrations__marks_silent_devices_offline(
    live: TestClient, db: Session, device: Device
) -> None:
    assert service.expire_registrations(db=db, timeout=180, now=utcnow() + timedelta(seconds=100)) == 0
    assert service.expire_registrations(db=db, timeout=180, now=utcnow() + timedelta(seconds=200)) == 1
    db.commit()
    db.refresh(device)
    assert device.status == "offline" and device.registered_at is None
    assert live.post("/VIID/System/Keepalive", json={}).status_code == 401


def test_time__returns_system_time_object(client: TestClient) -> None:
    body = client.get("/VIID/System/Time").json()["SystemTimeObject"]
    assert body["VIIDServerID"] == "99010100002000000001" and len(body["LocalTime"]) == 14


def test_api_errors__stay_problem_json(client: TestClient) -> None:
    response = client.get("/api/v1/nothing-here")
    assert response.headers["content-type"].startswith("application/problem+json")
