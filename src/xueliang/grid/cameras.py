"""Cameras on the one map and in a grid, read from the camera registry. Both are scoped per caller
with ``camera.access`` (scopes and grants), never shared: where surveillance cameras stand is itself
sensitive, so the camera layer is a per-user GeoJSON answer, not a cached vector tile."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xueliang.auth.principal import Principal
from xueliang.camera.access import and_visible
from xueliang.camera.models import Channel
from xueliang.camera.schemas import ChannelRead
from xueliang.camera.service import to_read
from xueliang.grid.service import get_grid_or_raise

MAX_GRID_CAMERAS = 500


def grid_cameras(*, db: Session, principal: Principal, grid_id: int) -> list[ChannelRead]:
    """The cameras of a grid the caller may see; the grid itself must be in the caller's scope."""
    grid = get_grid_or_raise(db=db, principal=principal, grid_id=grid_id)
    where = and_visible(db=db, principal=principal, where=Channel.grid_code == grid.code)
    rows = db.scalars(select(Channel).where(where).order_by(Channel.name, Channel.id).limit(MAX_GRID_CAMERAS))
    return [to_read(db=db, channel=channel) for channel in rows]


def map_cameras(*, db: Session, principal: Principal, limit: int) -> dict[str, Any]:
    """Located cameras the caller may see, as a GeoJSON FeatureCollection (at most ``limit``)."""
    located = Channel.longitude.is_not(None) & Channel.latitude.is_not(None)
    rows = db.execute(
        select(
            Channel.id,
            Channel.channel_id,
            Channel.name,
            Channel.kind,
            Channel.status,
            Channel.is_public,
            Channel.grid_code,
            Channel.longitude,
            Channel.latitude,
        )
        .where(and_visible(db=db, principal=principal, where=located))
        .order_by(Channel.id)
        .limit(limit)
    )
    return {"type": "FeatureCollection", "features": [_feature(row) for row in rows]}


def _feature(row: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": row.id,
        "geometry": {"type": "Point", "coordinates": [row.longitude, row.latitude]},
        "properties": {
            "id": row.id,
            "channel_id": row.channel_id,
            "name": row.name,
            "kind": row.kind,
            "status": row.status,
            "is_public": row.is_public,
            "grid_code": row.grid_code,
        },
    }
