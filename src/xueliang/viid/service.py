"""Device registration, keepalive and identification for GA/T 1400. Keyword-only; no HTTP here.

A device may upload only while it holds a live registration: admitted in the camera registry,
registered with Digest, and its last keepalive (or registration) younger than the keepalive timeout.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from xueliang.audit import service as audit_service
from xueliang.auth.principal import Principal
from xueliang.camera import service as camera_service
from xueliang.camera.enums import Status
from xueliang.camera.models import Device
from xueliang.core.db import utcnow
from xueliang.viid import digest
from xueliang.viid.exceptions import DeviceNotRegisteredError, DigestRequiredError

VIID_ACTOR = "viid"


def device_or_raise(*, db: Session, device_id: str) -> Device:
    device = camera_service.get_device(db=db, device_id=device_id)
    if device is None:
        raise DeviceNotRegisteredError(f"device {device_id} is unknown")
    return device


def _digits20(value: str | None) -> bool:
    return bool(value) and len(value or "") == 20 and (value or "").isdigit()


def _set_status(device: Device, status: Status, now: datetime) -> None:
    if device.status != status:
        device.status, device.status_changed_at = status, now


def authenticate_digest(
    *,
    db: Session,
    authorization: str | None,
    method: str,
    realm: str,
    key: str,
    nonce_ttl: int,
    counts: digest.NonceCounts | None = None,
) -> Device:
    """Check a Digest Authorization header; the username is the DeviceID. Raises with a challenge.

    With ``counts``, a nonce count (nc) not greater than the last accepted one of its nonce (a replay)
    is refused with a fresh challenge."""
    creds = digest.parse_authorization(authorization)
    if creds is None:
        raise DigestRequiredError(
            "Digest credentials required", challenge=digest.challenge(realm=realm, secret=key)
        )
    state = digest.nonce_state(creds.nonce, secret=key, ttl=nonce_ttl)
    if state != "valid":
        raise DigestRequiredError(
            f"nonce {state}", challenge=digest.challenge(realm=realm, secret=key, stale=state == "stale")
        )
    device = camera_service.get_device(db=db, device_id=creds.username) if _digits20(creds.username) else None
    password = camera_service.device_secret(device=device, key=key) if device is not None else None
    if device is None or password is None or not digest.verify(creds, method=method, password=password):
        raise DigestRequiredError("wrong credentials", challenge=digest.challenge(realm=realm, secret=key))
    nc = digest.nonce_count(creds)
    if counts is not None and (nc is None or not counts.accept(creds.nonce, nc)):
        raise DigestRequiredError(
            "nonce count replayed or not increasing", challenge=digest.challenge(realm=realm, secret=key)
        )
    return device


def register(*, db: Session, device: Device, client_ip: str | None, now: datetime | None = None) -> Device:
    camera_service.require_admitted(device=device, client_ip=client_ip)
    now = now or utcnow()
    device.registered_at = device.last_keepalive_at = now
    _set_status(device, Status.online, now)
    audit_service.record(
        db=db,
        actor=Principal.system(VIID_ACTOR),
        action="viid.register",
        object_type="camera_device",
        object_id=device.device_id,
        request={"client": client_ip},
    )
    return device


def unregister(*, db: Session, device: Device, now: datetime | None = None) -> None:
    now = now or utcnow()
    device.registered_at = None
    _set_status(device, Status.offline, now)
    audit_service.record(
        db=db,
        actor=Principal.system(VIID_ACTOR),
        action="viid.unregister",
        object_type="camera_device",
        object_id=device.device_id,
    )


def identify(
    *, db: Session, device_id: str | None, client_ip: str | None, timeout: int, now: datetime | None = None
) -> Device:
    """The device named by User-Identify, if it holds a live registration."""
    if not _digits20(device_id):
        raise DeviceNotRegisteredError("User-Identify must carry a 20-digit DeviceID")
    device = camera_service.get_device(db=db, device_id=str(device_id))
    if device is None:
        raise DeviceNotRegisteredError(f"device {device_id} is unknown")
    return require_live(device=device, client_ip=client_ip, timeout=timeout, now=now)


def require_live(
    *, device: Device, client_ip: str | None, timeout: int, now: datetime | None = None
) -> Device:
    """Admitted (from this address) and registered, with a keepalive younger than ``timeout``."""
    camera_service.require_admitted(device=device, client_ip=client_ip)
    now = now or utcnow()
    seen = device.last_keepalive_at or device.registered_at
    if device.registered_at is None or seen is None or now - seen > timedelta(seconds=timeout):
        raise DeviceNotRegisteredError(f"device {device.device_id} has no live registration; register first")
    return device


def keepalive(*, db: Session, device: Device, now: datetime | None = None) -> None:
    now = now or utcnow()
    device.last_keepalive_at = now
    _set_status(device, Status.online, now)


def expire_registrations(*, db: Session, timeout: int, now: datetime | None = None) -> int:
    """Mark offline (and unregister) devices whose keepalive is older than ``timeout`` seconds."""
    now = now or utcnow()
    cutoff = now - timedelta(seconds=timeout)
    stale = select(Device.id).where(Device.registered_at.is_not(None), Device.last_keepalive_at < cutoff)
    ids = list(db.scalars(stale))
    if ids:
        db.execute(
            update(Device)
            .where(Device.id.in_(ids))
            .values(registered_at=None, status=Status.offline, status_changed_at=now)
        )
    return len(ids)
