"""Which records a caller may see: passes and captures of the channels visible to them
(``camera.access``: scopes and valid grants), by device id and tollgate id."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from xueliang.auth.principal import Principal
from xueliang.camera.access import visible_condition
from xueliang.camera.models import Channel, Device, Tollgate


@dataclass(frozen=True, slots=True)
class Visibility:
    """``None`` lists mean every device (the caller sees everything)."""

    devices: list[str] | None
    tollgates: list[str] | None

    def allows(self, *, device_id: str, tollgate_id: str = "") -> bool:
        if self.devices is None:
            return True
        return device_id in self.devices or bool(tollgate_id and tollgate_id in (self.tollgates or []))


EVERYTHING = Visibility(None, None)


def visibility(*, db: Session, principal: Principal) -> Visibility:
    if principal.sees_everything:
        return EVERYTHING
    query = (
        select(Channel.channel_id, Device.device_id, Tollgate.tollgate_id)
        .outerjoin(Device, Device.id == Channel.device_pk)
        .outerjoin(Tollgate, Tollgate.id == Channel.tollgate_pk)
        .where(visible_condition(db=db, principal=principal))
    )
    devices: set[str] = set()
    tollgates: set[str] = set()
    for channel_id, device_id, tollgate_id in db.execute(query):
        devices.add(channel_id)
        if device_id:
            devices.add(device_id)
        if tollgate_id:
            tollgates.add(tollgate_id)
    return Visibility(sorted(devices), sorted(tollgates))


def tollgate_points(*, db: Session, ids: list[str] | None = None) -> dict[str, tuple[float, float, str]]:
    """tollgate id → (lon, lat, name) for tollgates with a location."""
    query = select(Tollgate.tollgate_id, Tollgate.longitude, Tollgate.latitude, Tollgate.name).where(
        Tollgate.longitude.is_not(None), Tollgate.latitude.is_not(None)
    )
    if ids is not None:
        query = query.where(Tollgate.tollgate_id.in_(ids))
    return {t: (float(lon or 0), float(lat or 0), name) for t, lon, lat, name in db.execute(query)}


def devices_at(*, db: Session, tollgates: list[str]) -> set[str]:
    """The cameras (channel and device ids) of the given checkpoints."""
    query = (
        select(Channel.channel_id, Device.device_id)
        .join(Tollgate, Tollgate.id == Channel.tollgate_pk)
        .outerjoin(Device, Device.id == Channel.device_pk)
        .where(Tollgate.tollgate_id.in_(tollgates))
    )
    return {i for row in db.execute(query) for i in row if i}
