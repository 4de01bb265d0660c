"""车辆轨迹: the time-ordered passes of one plate as GeoJSON — one LineString per run of passes,
a dashed ``gap`` LineString where consecutive passes are further apart than the gap, and a Point per pass."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from xueliang.auth.enums import Permission
from xueliang.auth.principal import Principal
from xueliang.core.exceptions import InvalidInputError
from xueliang.investigation import scope
from xueliang.investigation.schemas import GeoJSON, TrajectoryQuery
from xueliang.investigation.service import CaseContext, audit_lookup
from xueliang.investigation.times import from_store, to_store
from xueliang.viewlib import search as records
from xueliang.viewlib.search import PassFilter
from xueliang.viewlib.stores.base import RecordStore

Pass = dict[str, Any]


def passes_of(
    *,
    store: RecordStore,
    plate: str,
    plate_color: str | None,
    vis: scope.Visibility,
    t0: str | None,
    t1: str | None,
    limit: int = 10_000,
) -> list[Pass]:
    f = PassFilter(
        plate_exact=plate,
        any_of={"plate_color": [plate_color]} if plate_color else {},
        time_from=t0,
        time_to=t1,
        visible_devices=vis.devices,
        visible_tollgates=vis.tollgates,
    )
    keys = ("object_id", "time", "tollgate_id", "device_id", "direction", "speed", "plate_color")
    return [dict(zip(keys, row, strict=True)) for row in records.plate_passes(store, f, limit=limit)]


def _feature(geometry: dict[str, Any], **props: Any) -> GeoJSON:
    return {"type": "Feature", "geometry": geometry, "properties": props}


def _line(coords: list[list[float]], **props: Any) -> GeoJSON:
    return _feature({"type": "LineString", "coordinates": coords}, **props)


def to_geojson(passes: list[Pass], points: dict[str, tuple[float, float, str]], gap_minutes: int) -> GeoJSON:
    features: list[GeoJSON] = []
    run: list[list[float]] = []
    prev: tuple[datetime, list[float]] | None = None
    located = 0
    for p in passes:
        at = from_store(p["time"])
        where = points.get(p["tollgate_id"])
        gap = prev is not None and (at - prev[0]).total_seconds() > gap_minutes * 60
        if gap and prev is not None:
            features.append(_segment(run))
            minutes = round((at - prev[0]).total_seconds() / 60)
            if where is not None:
                features.append(_line([prev[1], [where[0], where[1]]], kind="gap", minutes=minutes))
            run = []
        props = {"kind": "pass", "object_id": p["object_id"], "time": at.isoformat(), "gap_before": gap}
        props |= {"tollgate_id": p["tollgate_id"], "direction": p["direction"], "speed": p["speed"]}
        if where is None:
            features.append(_feature({"type": "Point", "coordinates": None}, located=False, **props))
            continue
        coord = [where[0], where[1]]
        located += 1
        features.append(_feature({"type": "Point", "coordinates": coord}, name=where[2], **props))
        run.append(coord)
        prev = (at, coord)
    if run:
        features.append(_segment(run))
    return {
        "type": "FeatureCollection",
        "features": features,
        "properties": {"passes": len(passes), "located": located},
    }


def _segment(run: list[list[float]]) -> GeoJSON:
    coords = run if len(run) > 1 else run * 2
    return _line(coords, kind="segment", passes=len(run))


def trajectory(
    *,
    db: Session,
    store: RecordStore,
    principal: Principal,
    ctx: CaseContext,
    query: TrajectoryQuery,
    tz: str,
) -> GeoJSON:
    principal.require(Permission.plate_search)
    plate = query.plate.strip().upper()
    if "*" in plate or "?" in plate:
        raise InvalidInputError("a trajectory is of one exact plate (no wildcards)", field="plate")
    vis = scope.visibility(db=db, principal=principal)
    t0, t1 = to_store(query.time_from, tz), to_store(query.time_to, tz)
    passes = passes_of(store=store, plate=plate, plate_color=query.plate_color, vis=vis, t0=t0, t1=t1)
    points = scope.tollgate_points(db=db, ids=sorted({p["tollgate_id"] for p in passes}))
    result = to_geojson(passes, points, query.gap_minutes)
    audit_lookup(
        db=db, principal=principal, ctx=ctx, action="investigation.trajectory",
        params=query.model_dump(mode="json", exclude_defaults=True), result_count=len(passes),
    )  # fmt: skip
    return result
