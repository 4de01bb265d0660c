"""Device admission (安全准入): admit, revoke, and the identity check that stream and VIID intake
call before accepting anything from a device. Refusals raise an alarm and are audited in a
transaction of their own, so they survive the caller's rollback."""

from __future__ import annotations

import hmac
import ipaddress
from typing import NoReturn
from urllib.parse import urlsplit

from sqlalchemy.orm import Session, sessionmaker

from xueliang.audit import service as audit
from xueliang.audit.enums import Outcome
from xueliang.auth.principal import Principal
from xueliang.camera import service
from xueliang.camera.enums import Admission, AlarmKind
from xueliang.camera.models import Alarm, Device
from xueliang.camera.schemas import AdmitInput, IdentityCheck
from xueliang.core.db import utcnow


def admit(*, db: Session, principal: Principal, device: Device, data: AdmitInput, key: str) -> Device:
    if data.secret:
        service.set_device_secret(device=device, secret=data.secret, key=key)
    device.bound_ip, device.cert_fingerprint = data.bound_ip, _fingerprint(data.cert_fingerprint)
    device.bound_mac = data.bound_mac.lower().replace("-", ":") if data.bound_mac else None
    device.admission = Admission.admitted
    device.status_changed_at = utcnow()
    audit.record(
        db=db,
        actor=principal,
        action="camera.device.admit",
        object_type="device",
        object_id=device.device_id,
        request={
            "bound_ip": device.bound_ip,
            "bound_mac": device.bound_mac,
            "cert": bool(device.cert_fingerprint),
        },
    )
    return device


def revoke(*, db: Session, principal: Principal, device: Device) -> Device:
    device.admission = Admission.revoked
    device.status_changed_at = utcnow()
    audit.record(
        db=db,
        actor=principal,
        action="camera.device.revoke",
        object_type="device",
        object_id=device.device_id,
    )
    return device


def _fingerprint(value: str | None) -> str | None:
    return value.lower().replace(":", "") if value else None


def identity_problem(
    *, device: Device | None, check: IdentityCheck, key: str
) -> tuple[AlarmKind, str] | None:
    """Why the device must be refused, or None when it may connect."""
    if device is None:
        return AlarmKind.unknown_device, "device is not registered"
    if device.admission != Admission.admitted:
        return AlarmKind.not_admitted, f"device is {device.admission}"
    secret = service.device_secret(device=device, key=key)
    if secret is not None and not hmac.compare_digest(secret, check.secret or ""):
        return AlarmKind.identity_changed, "credentials do not match"
    bindings = (
        ("address", device.bound_ip, check.client_ip),
        ("MAC", device.bound_mac, (check.mac or "").lower().replace("-", ":") or None),
        ("certificate", device.cert_fingerprint, _fingerprint(check.cert_fingerprint)),
    )
    for what, bound, seen in bindings:
        if bound and bound != seen:
            return AlarmKind.identity_changed, f"{what} differs from the admitted identity"
    return None


def check_identity(*, db: Session, check: IdentityCheck, key: str, own_transaction: bool = True) -> Device:
    """The admitted device, or raise ``DeviceNotAdmittedError`` after recording alarm and audit —
    in a transaction of their own (default), or in ``db`` when the caller commits despite the refusal."""
    device = service.get_device(db=db, device_id=check.device_id)
    problem = identity_problem(device=device, check=check, key=key)
    if problem is None:
        assert device is not None
        return device
    _refuse(db, check, *problem, own_transaction=own_transaction)


def check_pull_source(
    *, db: Session, device_id: str, source: str, channel_id: str, own_transaction: bool = True
) -> Device:
    """Pull intake (live relays, snapshots, recorders): this platform connects to the device with
    credentials it holds, so what is checked is that the device is registered and admitted and, when
    it is bound to an address, that the stream URL points at that address. Refusals as above."""
    device = service.get_device(db=db, device_id=device_id)
    host = urlsplit(source).hostname if "://" in source else None
    host = host if _is_address(host) else None
    check = IdentityCheck(device_id=device_id, client_ip=host)
    problem: tuple[AlarmKind, str] | None = None
    if device is None:
        problem = AlarmKind.unknown_device, "device is not registered"
    elif device.admission != Admission.admitted:
        problem = AlarmKind.not_admitted, f"device is {device.admission}"
    elif device.bound_ip and host and host != device.bound_ip:
        problem = AlarmKind.identity_changed, "stream address differs from the admitted identity"
    if problem is None:
        assert device is not None
        return device
    _refuse(db, check, *problem, own_transaction=own_transaction, channel_id=channel_id)


def _is_address(host: str | None) -> bool:
    try:
        ipaddress.ip_address(host or "")
    except ValueError:
        return False
    return True


def _refuse(
    db: Session,
    check: IdentityCheck,
    kind: AlarmKind,
    detail: str,
    *,
    own_transaction: bool,
    channel_id: str | None = None,
) -> NoReturn:
    if own_transaction:
        with sessionmaker(bind=db.get_bind()).begin() as own:
            _raise_alarm(own, check, kind, detail, channel_id)
    else:
        _raise_alarm(db, check, kind, detail, channel_id)
    raise service.DeviceNotAdmittedError(f"device {check.device_id} refused: {detail}", reason=str(kind))


def _raise_alarm(
    own: Session, check: IdentityCheck, kind: AlarmKind, detail: str, channel_id: str | None = None
) -> None:
    actor = Principal(user_id=None, username=f"device:{check.device_id}"[:64], client_addr=check.client_ip)
    own.add(Alarm(kind=kind, device_id=check.device_id, client_ip=check.client_ip, detail=detail))
    audit.record(
        db=own,
        actor=actor,
        action="camera.device.refused",
        outcome=Outcome.denied,
        object_type="device",
        object_id=check.device_id,
        request={"kind": kind, "detail": detail, **({"channel_id": channel_id} if channel_id else {})},
    )
