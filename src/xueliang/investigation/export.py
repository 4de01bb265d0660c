"""Exports (导出) of feature-search results and trajectories as CSV or GeoJSON: for an open case the
caller is a member of, with an explicit purpose and ``record.export``, bounded by
XUELIANG_INVESTIGATION_EXPORT_MAX_ROWS (a larger export is refused, never cut short), audited with
its parameters, format and row count."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from typing import Any

import orjson
from sqlalchemy.orm import Session

from xueliang.auth.enums import Permission
from xueliang.auth.principal import Principal
from xueliang.core.exceptions import BadRequestError, InvalidInputError
from xueliang.investigation import feature_search, scope
from xueliang.investigation.schemas import PassSearch, TrajectoryQuery
from xueliang.investigation.service import CaseContext, audit_lookup
from xueliang.investigation.times import from_store, to_store
from xueliang.investigation.trajectory import passes_of, to_geojson
from xueliang.viewlib import search as records
from xueliang.viewlib.stores.base import RecordStore

PASS_COLUMNS = (
    "object_id", "pass_time", "plate_no", "plate_color", "vehicle_class", "vehicle_color",
    "vehicle_brand", "direction", "speed", "tollgate_id", "device_id", "images",
)  # fmt: skip
TRAJECTORY_COLUMNS = (
    "time", "plate_no", "object_id", "tollgate_id", "tollgate_name", "longitude", "latitude",
    "direction", "speed", "device_id", "gap_before",
)  # fmt: skip
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class Export:
    """A file to hand out: bytes, media type, file name, rows."""

    def __init__(self, data: bytes, media_type: str, filename: str, rows: int) -> None:
        self.data, self.media_type, self.filename, self.rows = data, media_type, filename, rows


def _cell(value: Any) -> Any:
    """Spreadsheet-safe: text starting like a formula gets a leading quote (CSV injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """UTF-8 with a byte-order mark (so spreadsheet programs read the Chinese text), CRLF lines."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    writer.writerows([_cell(v) for v in row] for row in rows)
    return buf.getvalue().encode("utf-8-sig")


def _filename(kind: str, ctx: CaseContext, ext: str) -> str:
    return f"{kind}-{re.sub(r'[^A-Za-z0-9_.-]', '_', ctx.case.number)}.{ext}"


def _too_many(count: int, max_rows: int) -> BadRequestError:
    return BadRequestError(
        f"this export would hold {count} rows, more than the {max_rows} allowed",
        hint="narrow the search (time window, place, features) and export again",
    )


def export_passes(
    *, db: Session, store: RecordStore, principal: Principal, ctx: CaseContext, query: PassSearch,
    tz: str, scan_hours: int, max_rows: int,
) -> Export:  # fmt: skip
    """Every pass a feature search matches (its sort; offset and limit ignored), as CSV."""
    principal.require(Permission.plate_search)
    principal.require(Permission.record_export)
    f = feature_search.pass_filter(db=db, principal=principal, query=query, tz=tz, scan_hours=scan_hours)
    raws: list[str] = []
    if f is not None:
        _, total = records.search_passes(
            store, f, order_by=query.sort, descending=query.descending, offset=0, limit=0
        )
        if total > max_rows:
            raise _too_many(total, max_rows)
        raws, _ = records.search_passes(
            store, f, order_by=query.sort, descending=query.descending, offset=0, limit=total
        )
    items = [feature_search.pass_item(orjson.loads(r)) for r in raws]
    rows = [[*(getattr(i, c) for c in PASS_COLUMNS[:-1]), ";".join(i.images)] for i in items]
    _audit(db=db, principal=principal, ctx=ctx, what="passes", fmt="csv", params=query, rows=len(rows))
    return Export(
        to_csv(PASS_COLUMNS, rows), "text/csv; charset=utf-8", _filename("passes", ctx, "csv"), len(rows)
    )


def export_trajectory(
    *, db: Session, store: RecordStore, principal: Principal, ctx: CaseContext, query: TrajectoryQuery,
    fmt: str, tz: str, max_rows: int,
) -> Export:  # fmt: skip
    """One plate's passes as CSV (one row per pass, with the checkpoint's location) or GeoJSON (the
    trajectory endpoint's FeatureCollection)."""
    principal.require(Permission.plate_search)
    principal.require(Permission.record_export)
    plate = query.plate.strip().upper()
    if "*" in plate or "?" in plate:
        raise InvalidInputError("a trajectory is of one exact plate (no wildcards)", field="plate")
    vis = scope.visibility(db=db, principal=principal)
    passes = passes_of(
        store=store, plate=plate, plate_color=query.plate_color, vis=vis, t0=to_store(query.time_from, tz),
        t1=to_store(query.time_to, tz), limit=max_rows + 1,
    )  # fmt: skip
    if len(passes) > max_rows:
        raise _too_many(len(passes), max_rows)
    points = scope.tollgate_points(db=db, ids=sorted({p["tollgate_id"] for p in passes}))
    if fmt == "geojson":
        data = orjson.dumps(to_geojson(passes, points, query.gap_minutes))
        out = Export(data, "application/geo+json", _filename("trajectory", ctx, "geojson"), len(passes))
    else:
        rows = _trajectory_rows(plate, passes, points, query.gap_minutes)
        out = Export(to_csv(TRAJECTORY_COLUMNS, rows), "text/csv; charset=utf-8",
                     _filename("trajectory", ctx, "csv"), len(passes))  # fmt: skip
    _audit(db=db, principal=principal, ctx=ctx, what="trajectory", fmt=fmt, params=query, rows=len(passes))
    return out


def _trajectory_rows(
    plate: str, passes: list[dict[str, Any]], points: dict[str, tuple[float, float, str]], gap_minutes: int
) -> list[list[Any]]:
    rows, prev = [], None
    for p in passes:
        at = from_store(p["time"])
        where = points.get(p["tollgate_id"])
        gap = prev is not None and (at - prev).total_seconds() > gap_minutes * 60
        lon, lat, name = where if where is not None else ("", "", "")
        rows.append([at.isoformat(), plate, p["object_id"], p["tollgate_id"], name, lon, lat,
                     p["direction"], p["speed"], p["device_id"], gap])  # fmt: skip
        prev = at
    return rows


def _audit(
    *, db: Session, principal: Principal, ctx: CaseContext, what: str, fmt: str, params: Any, rows: int
) -> None:
    request = params.model_dump(mode="json", exclude_defaults=True) | {"format": fmt}
    audit_lookup(
        db=db, principal=principal, ctx=ctx, action=f"investigation.export.{what}", params=request,
        result_count=rows,
    )  # fmt: skip
