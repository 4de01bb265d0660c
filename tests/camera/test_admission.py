from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from xueliang.audit.models import AuditEntry
from xueliang.camera import flows, service
from xueliang.camera.models import Alarm
from xueliang.camera.schemas import IdentityCheck

IPC = "43010200001320000001"
DEVICES = "/api/v1/cameras/devices"


def test_admit__then_identity_check_passes_and_changed_mac_refused(
    admin_client: TestClient, db: Session
) -> None:
    service.register_device(db=db, device_id=IPC, name="东门", kind="ipc")
    db.commit()
    body = {"secret": "s3cret-pass", "bound_ip": "10.1.1.5", "bound_mac": "AA-BB-CC-DD-EE-FF"}
    admitted = admin_client.post(f"{DEVICES}/{IPC}/admit", json=body)
    assert admitted.status_code == 200 and admitted.json()["admission"] == "admitted"
    assert "s3cret" not in admitted.text and admitted.json()["has_secret"] is True
    check = {"device_id": IPC, "secret": "s3cret-pass", "client_ip": "10.1.1.5", "mac": "aa:bb:cc:dd:ee:ff"}
    assert admin_client.post(f"{DEVICES}/identity-check", json=check).status_code == 200
    changed = admin_client.post(f"{DEVICES}/identity-check", json={**check, "mac": "aa:bb:cc:dd:ee:00"})
    assert changed.status_code == 403 and "MAC differs" in changed.json()["detail"]
    alarms = admin_client.get("/api/v1/cameras/alarms").json()
    assert alarms[0]["kind"] == "identity_changed" and alarms[0]["device_id"] == IPC


def test_check_identity__unknown_device_raises_alarm_and_audit(db: Session) -> None:
    check = IdentityCheck(device_id="43010200001329999999", client_ip="10.9.9.9")
    with pytest.raises(service.DeviceNotAdmittedError, match="not registered"):
        flows.check_identity(db=db, check=check, key="k" * 64)
    assert db.scalar(select(Alarm.kind).where(Alarm.device_id == check.device_id)) == "unknown_device"
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "camera.device.refused"))
    assert entry is not None and entry.outcome == "denied"


def test_revoke__device_refused_afterwards(admin_client: TestClient, db: Session) -> None:
    service.register_device(db=db, device_id=IPC, name="东门", kind="ipc")
    db.commit()
    admin_client.post(f"{DEVICES}/{IPC}/admit", json={})
    assert admin_client.post(f"{DEVICES}/{IPC}/revoke").json()["admission"] == "revoked"
    refused = admin_client.post(f"{DEVICES}/identity-check", json={"device_id": IPC})
    assert refused.status_code == 403 and "revoked" in refused.json()["detail"]
    assert admin_client.get(f"{DEVICES}/12").status_code == 422
