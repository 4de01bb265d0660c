"""特征搜车: passes by plate pattern, colours, class, brand, time, checkpoints or a drawn area,
direction — scoped to the caller's cameras, paged, sorted, with facet counts, audited."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
from shapely import Point
from shapely import Polygon as ShapelyPolygon
from sqlalchemy.orm import Session

from xueliang.auth.enums import Permission
from xueliang.auth.principal import Principal
from xueliang.core.exceptions import BadRequestError
from xueliang.investigation import scope
from xueliang.investigation.plates import parse_plate
from xueliang.investigation.schemas import FacetCount, PassItem, PassPage, PassSearch, Place
from xueliang.investigation.service import CaseContext, audit_lookup
from xueliang.investigation.times import aware, hours_between, to_store
from xueliang.viewlib import search as records
from xueliang.viewlib.search import PassFilter
from xueliang.viewlib.stores.base import RecordStore


def tollgates_of(*, db: Session, place: Place) -> list[str] | None:
    """The checkpoints a place names (ids, and those inside the polygon); None = anywhere."""
    if not place.tollgates and place.polygon is None:
        return None
    chosen = set(place.tollgates)
    if place.polygon is not None:
        area = ShapelyPolygon(place.polygon)
        if not area.is_valid:
            raise BadRequestError("the drawn area crosses itself: draw a simple polygon")
        points = scope.tollgate_points(db=db)
        chosen |= {t for t, (lon, lat, _) in points.items() if area.covers(Point(lon, lat))}
    return sorted(chosen)


def check_breadth(
    *, uses_key: bool, time_from: datetime | None, time_to: datetime | None, scan_hours: int
) -> None:
    """Refuse searches that would read every partition without a primary-key range."""
    if uses_key:
        return
    span = hours_between(time_from, time_to)
    if span is None or span > scan_hours:
        raise BadRequestError(
            f"this search would scan every pass: without a plate (or a plate prefix such as 湘A*) give a "
            f"time window of at most {scan_hours} hours (time_from and time_to)",
            hint="narrow the time window or give a plate prefix",
        )
    if span <= 0:
        raise BadRequestError("time_to must be after time_from")


def pass_filter(
    *, db: Session, principal: Principal, query: PassSearch, tz: str, scan_hours: int
) -> PassFilter | None:
    """The store filter of a search (None when the place holds no checkpoint: nothing can match)."""
    pattern = parse_plate(query.plate) if query.plate else None
    t0 = aware(query.time_from, tz) if query.time_from else None
    t1 = aware(query.time_to, tz) if query.time_to else None
    check_breadth(
        uses_key=bool(pattern and pattern.uses_key), time_from=t0, time_to=t1, scan_hours=scan_hours
    )
    tollgates = tollgates_of(db=db, place=query.place)
    if tollgates is not None and not tollgates:
        return None
    vis = scope.visibility(db=db, principal=principal)
    return pass_filter_of(query=query, vis=vis, tollgates=tollgates, tz=tz)


def pass_filter_of(
    *, query: PassSearch, vis: scope.Visibility, tollgates: list[str] | None, tz: str
) -> PassFilter:
    """The store filter of a search's features, window, checkpoints and the caller's scope."""
    pattern = parse_plate(query.plate) if query.plate else None
    any_of = {
        "plate_color": query.plate_colors,
        "vehicle_color": query.vehicle_colors,
        "vehicle_class": query.vehicle_classes,
        "vehicle_brand": query.vehicle_brands,
        "direction": query.directions,
        "tollgate_id": tollgates or [],
    }
    return PassFilter(
        plate_exact=pattern.exact if pattern else None,
        plate_prefix=pattern.prefix if pattern else None,
        plate_regex=pattern.regex if pattern else None,
        any_of={k: v for k, v in any_of.items() if v},
        time_from=to_store(query.time_from, tz),
        time_to=to_store(query.time_to, tz),
        visible_devices=vis.devices,
        visible_tollgates=vis.tollgates,
    )


def pass_item(raw: dict[str, Any]) -> PassItem:
    subs = (raw.get("SubImageList") or {}).get("SubImageInfoObject") or []
    return PassItem(
        object_id=str(raw.get("MotorVehicleID", "")),
        plate_no=str(raw.get("PlateNo", "")),
        plate_color=str(raw.get("PlateColor", "")),
        vehicle_class=str(raw.get("VehicleClass", "")),
        vehicle_color=str(raw.get("VehicleColor", "")),
        vehicle_brand=str(raw.get("VehicleBrand", "")),
        direction=str(raw.get("Direction", "")),
        speed=raw.get("Speed"),
        tollgate_id=str(raw.get("TollgateID", "")),
        device_id=str(raw.get("DeviceID", "")),
        pass_time=str(raw.get("PassTime", "")),
        images=[str(s["BlobSha256"]) for s in subs if isinstance(s, dict) and s.get("BlobSha256")],
    )


def search_passes(
    *,
    db: Session,
    store: RecordStore,
    principal: Principal,
    ctx: CaseContext,
    query: PassSearch,
    tz: str,
    scan_hours: int,
) -> PassPage:
    principal.require(Permission.plate_search)
    f = pass_filter(db=db, principal=principal, query=query, tz=tz, scan_hours=scan_hours)
    page = PassPage(total=0, offset=query.offset, limit=query.limit, items=[])
    if f is not None:
        raws, page.total = records.search_passes(
            store, f, order_by=query.sort, descending=query.descending, offset=query.offset, limit=query.limit
        )
        page.items = [pass_item(orjson.loads(r)) for r in raws]
        if query.facets:
            facets = records.facet_counts(store, f)
            page.facets = {k: [FacetCount(value=v, count=n) for v, n in vs] for k, vs in facets.items()}
    params = query.model_dump(mode="json", exclude_defaults=True)
    audit_lookup(
        db=db, principal=principal, ctx=ctx, action="investigation.search.passes", params=params,
        result_count=page.total,
    )  # fmt: skip
    return page
