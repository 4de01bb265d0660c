"""APEs, Tollgates and Lanes served from the camera registry (read-only).

Credentials (UserId, Password of the APEObject DTO) are never part of the output."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xueliang.camera.models import Device, Lane, Tollgate

MAX_ROWS = 10_000
APE_KINDS = ("ipc", "checkpoint", "face_capture", "dvr", "nvr")


def apes(*, db: Session, ids: list[str] | None = None) -> list[dict[str, Any]]:
    stmt = select(Device).where(Device.kind.in_(APE_KINDS)).order_by(Device.device_id).limit(MAX_ROWS)
    if ids:
        stmt = stmt.where(Device.device_id.in_(ids))
    return [
        {
            "ApeID": d.device_id,
            "Name": d.name,
            "Model": d.model,
            "Longitude": d.longitude,
            "Latitude": d.latitude,
            "PlaceCode": d.region_code or "",
            "IsOnline": "1" if d.status == "online" else "0",
        }
        for d in db.scalars(stmt)
    ]


def tollgates(*, db: Session, ids: list[str] | None = None) -> list[dict[str, Any]]:
    stmt = select(Tollgate).order_by(Tollgate.tollgate_id).limit(MAX_ROWS)
    if ids:
        stmt = stmt.where(Tollgate.tollgate_id.in_(ids))
    return [
        {
            "TollgateID": t.tollgate_id,
            "Name": t.name,
            "Longitude": t.longitude,
            "Latitude": t.latitude,
            "PlaceCode": t.region_code or "",
            "Status": "1" if t.status == "online" else "0",
            "TollgateCat": t.category,
            "TollgateUsage": t.usage,
            "LaneNum": t.lane_count,
        }
        for t in db.scalars(stmt)
    ]


def lanes(*, db: Session, tollgate_id: str | None = None) -> list[dict[str, Any]]:
    stmt = select(Lane, Tollgate.tollgate_id).join(Tollgate, Tollgate.id == Lane.tollgate_pk)
    if tollgate_id:
        stmt = stmt.where(Tollgate.tollgate_id == tollgate_id)
    rows = db.execute(stmt.order_by(Tollgate.tollgate_id, Lane.lane_no).limit(MAX_ROWS)).all()
    return [
        {
            "TollgateID": tid,
            "LaneId": lane.lane_no,
            "LaneNo": lane.lane_no,
            "Direction": lane.direction,
            "Desc": lane.description,
        }
        for lane, tid in rows
    ]
