"""Registry queries and admission checks. Keyword-only; no HTTP here.

Other domains (viid, stream, ops) go through these functions rather than the tables."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from xueliang.camera.enums import Admission
from xueliang.camera.gbid import parse_gbid
from xueliang.camera.models import Channel, Device, Tollgate
from xueliang.core.crypto import cipher_for
from xueliang.core.exceptions import ForbiddenError, NotFoundError

DEVICE_SECRET_LABEL = "camera.device_secret"
STREAM_URL_LABEL = "camera.stream_url"


class DeviceNotAdmittedError(ForbiddenError):
    code = "camera.not_admitted"
    title = "Device not admitted"


def get_device(*, db: Session, device_id: str) -> Device | None:
    return db.scalar(select(Device).where(Device.device_id == device_id))


def get_device_or_raise(*, db: Session, device_id: str) -> Device:
    device = get_device(db=db, device_id=device_id)
    if device is None:
        raise NotFoundError(f"device {device_id} is not registered")
    return device


def get_channel(*, db: Session, channel_id: str) -> Channel | None:
    return db.scalar(select(Channel).where(Channel.channel_id == channel_id))


def get_tollgate(*, db: Session, tollgate_id: str) -> Tollgate | None:
    return db.scalar(select(Tollgate).where(Tollgate.tollgate_id == tollgate_id))


def set_device_secret(*, device: Device, secret: str, key: str) -> None:
    """Store the device's Digest password encrypted, bound to its id."""
    device.secret_enc = cipher_for(key, DEVICE_SECRET_LABEL).encrypt(secret, context=device.device_id)


def device_secret(*, device: Device, key: str) -> str | None:
    if device.secret_enc is None:
        return None
    return cipher_for(key, DEVICE_SECRET_LABEL).decrypt(device.secret_enc, context=device.device_id)


def set_stream_urls(*, channel: Channel, key: str, main: str | None, sub: str | None) -> None:
    cipher = cipher_for(key, STREAM_URL_LABEL)
    channel.main_stream_enc = cipher.encrypt(main, context=f"{channel.channel_id}:main") if main else None
    channel.sub_stream_enc = cipher.encrypt(sub, context=f"{channel.channel_id}:sub") if sub else None


def stream_url(*, channel: Channel, key: str, which: str = "sub") -> str | None:
    """The decrypted URL of the ``main`` or ``sub`` stream (falls back to main); never for display."""
    token = channel.sub_stream_enc if which == "sub" and channel.sub_stream_enc else channel.main_stream_enc
    used = "sub" if which == "sub" and channel.sub_stream_enc else "main"
    if token is None:
        return None
    return cipher_for(key, STREAM_URL_LABEL).decrypt(token, context=f"{channel.channel_id}:{used}")


def require_admitted(*, device: Device, client_ip: str | None = None) -> None:
    """Refuse a device that is not admitted, or that connects from an address it is not bound to."""
    if device.admission != Admission.admitted:
        raise DeviceNotAdmittedError(f"device {device.device_id} is {device.admission}, not admitted")
    if device.bound_ip and client_ip and client_ip != device.bound_ip:
        raise DeviceNotAdmittedError(f"device {device.device_id} is bound to another address")


def register_device(*, db: Session, device_id: str, name: str, kind: str, **fields: object) -> Device:
    """Add a device (pending admission) after validating its id."""
    parse_gbid(device_id, field="device_id")
    device = Device(device_id=device_id, name=name, kind=kind, **fields)
    db.add(device)
    db.flush()
    return device
