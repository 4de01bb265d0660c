"""Registry queries and admission checks. Keyword-only; no HTTP here.

Other domains (viid, stream, ops) go through these functions rather than the tables."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session

from xueliang.auth.enums import ScopeKind
from xueliang.auth.principal import Principal
from xueliang.camera import access
from xueliang.camera.enums import Admission, DeviceKind, Status
from xueliang.camera.gbid import parse_gbid
from xueliang.camera.models import Alarm, Channel, Device, Tollgate
from xueliang.camera.schemas import ChannelCreate, ChannelRead, ChannelUpdate
from xueliang.core.crypto import cipher_for
from xueliang.core.exceptions import ConflictError, ForbiddenError, NotFoundError, OutOfScopeError

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


def derived_device_secret(*, key: str, device_id: str) -> str:
    """The documented default Digest password of an imported device (docs/video.md):
    the first 16 hex digits of HMAC-SHA256(instance secret key, "device-secret:" + device id)."""
    mac = hmac.new(key.encode(), f"device-secret:{device_id}".encode(), hashlib.sha256)
    return mac.hexdigest()[:16]


# ---- channels ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ChannelFilter:
    q: str | None = None
    kind: str | None = None
    owner: str | None = None
    region: str | None = None
    org_unit_id: int | None = None
    status: str | None = None
    is_public: bool | None = None

    def condition(self) -> ColumnElement[bool]:
        parts: list[ColumnElement[bool]] = []
        if self.q:
            pattern = f"%{self.q.replace('%', '').replace('_', '')}%"
            parts.append(or_(Channel.name.like(pattern), Channel.channel_id.like(pattern)))
        for column, value in (
            (Channel.kind, self.kind),
            (Channel.owner, self.owner),
            (Channel.status, self.status),
        ):
            if value:
                parts.append(column == value)
        if self.region:
            parts.append(Channel.region_code.startswith(self.region))
        if self.org_unit_id is not None:
            parts.append(Channel.org_unit_id == self.org_unit_id)
        if self.is_public is not None:
            parts.append(Channel.is_public.is_(self.is_public))
        return and_(*parts)


def list_channels(
    *, db: Session, principal: Principal, where: ChannelFilter, offset: int = 0, limit: int = 50
) -> tuple[int, list[Channel]]:
    condition = access.and_visible(db=db, principal=principal, where=where.condition())
    total = db.scalar(select(func.count()).select_from(Channel).where(condition)) or 0
    rows = db.scalars(
        select(Channel).where(condition).order_by(Channel.channel_id).offset(offset).limit(limit)
    )
    return total, list(rows)


def get_channel_or_raise(*, db: Session, channel_id: str) -> Channel:
    channel = get_channel(db=db, channel_id=channel_id)
    if channel is None:
        raise NotFoundError(f"camera {channel_id} is not registered")
    return channel


def get_visible_channel(*, db: Session, principal: Principal, channel_id: str) -> Channel:
    """The channel if the caller may see it (scope or any valid grant); 404 / 403 otherwise."""
    channel = get_channel_or_raise(db=db, channel_id=channel_id)
    if not access.rights_on(db=db, principal=principal, channel=channel):
        raise OutOfScopeError(f"camera {channel_id} is outside your scope", kind="camera", value=channel_id)
    return channel


def to_read(*, db: Session, channel: Channel) -> ChannelRead:
    read = ChannelRead.model_validate(channel)
    if channel.device_pk is not None:
        read.device_id = db.scalar(select(Device.device_id).where(Device.id == channel.device_pk))
    if channel.tollgate_pk is not None:
        read.tollgate_id = db.scalar(select(Tollgate.tollgate_id).where(Tollgate.id == channel.tollgate_pk))
    read.has_main_stream = channel.main_stream_enc is not None
    read.has_sub_stream = channel.sub_stream_enc is not None
    return read


def _device_for(*, db: Session, channel_id: str, device_id: str | None, name: str, owner: str) -> Device:
    wanted = device_id or channel_id
    device = get_device(db=db, device_id=wanted)
    if device is not None:
        return device
    kind = (
        DeviceKind.ipc
        if parse_gbid(wanted, field="device_id").type_code in {"131", "132", "133"}
        else DeviceKind.nvr
    )
    return register_device(db=db, device_id=wanted, name=name, kind=kind, owner=owner)


def create_channel(*, db: Session, principal: Principal, data: ChannelCreate, key: str) -> Channel:
    parse_gbid(data.channel_id, field="channel_id")
    if data.region_code:
        principal.require_scope(ScopeKind.region, data.region_code)
    if get_channel(db=db, channel_id=data.channel_id) is not None:
        raise ConflictError(f"camera {data.channel_id} already exists")
    device = _device_for(
        db=db, channel_id=data.channel_id, device_id=data.device_id, name=data.name, owner=data.owner
    )
    fields = data.model_dump(exclude={"device_id", "main_stream_url", "sub_stream_url"})
    channel = Channel(**fields, device_pk=device.id, status=Status.unknown)
    set_stream_urls(channel=channel, key=key, main=data.main_stream_url, sub=data.sub_stream_url)
    db.add(channel)
    db.flush()
    return channel


def update_channel(
    *, db: Session, principal: Principal, channel: Channel, data: ChannelUpdate, key: str
) -> Channel:
    if not access.in_scope(principal, channel):
        raise OutOfScopeError(
            f"camera {channel.channel_id} is outside your scope", kind="camera", value=channel.channel_id
        )
    changes = data.model_dump(exclude_unset=True, exclude={"main_stream_url", "sub_stream_url"})
    if changes.get("region_code"):
        principal.require_scope(ScopeKind.region, changes["region_code"])
    for name, value in changes.items():
        setattr(channel, name, value)
    if "main_stream_url" in data.model_fields_set or "sub_stream_url" in data.model_fields_set:
        main = (
            data.main_stream_url
            if "main_stream_url" in data.model_fields_set
            else stream_url(channel=channel, key=key, which="main")
        )
        sub = data.sub_stream_url if "sub_stream_url" in data.model_fields_set else _own_sub(channel, key)
        set_stream_urls(channel=channel, key=key, main=main, sub=sub)
    db.flush()
    return channel


def _own_sub(channel: Channel, key: str) -> str | None:
    return stream_url(channel=channel, key=key, which="sub") if channel.sub_stream_enc else None


def alarms_query(*, limit: int) -> Select[Alarm]:
    return select(Alarm).order_by(Alarm.id.desc()).limit(limit)
