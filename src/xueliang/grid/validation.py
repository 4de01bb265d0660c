"""Checks of imported values: GB 11643 ID numbers, phones, dates, geometry repair and areas."""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Any

import shapely
from shapely.geometry import MultiPolygon, Polygon

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
PHONE_RE = re.compile(r"^1\d{10}$")
EARTH_M_PER_DEG = 111_320.0


class Rejected(Exception):
    """A row (or one of its fields) that cannot be imported; becomes a line of the report."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def id_number_ok(value: str) -> bool:
    """GB 11643: 17 digits and the check character (mod 11-2)."""
    if len(value) != 18 or not value[:17].isdigit():
        return False
    total = sum(int(c) * w for c, w in zip(value[:17], ID_WEIGHTS, strict=True))
    return ID_CHECK[total % 11] == value[17].upper()


def phone_ok(value: str) -> bool:
    return bool(PHONE_RE.match(value))


def parse_date(value: str, field: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError as exc:
        raise Rejected(field, f"not a date (YYYY-MM-DD): {value[:20]!r}") from exc


def parse_int(value: Any, field: str, *, required: bool = False) -> int | None:
    if value is None or value == "":
        if required:
            raise Rejected(field, "missing")
        return None
    try:
        return int(float(value)) if isinstance(value, str) and "." in value else int(value)
    except (TypeError, ValueError) as exc:
        raise Rejected(field, f"not an integer: {str(value)[:20]!r}") from exc


def parse_float(value: Any, field: str, *, required: bool = False) -> float | None:
    if value is None or value == "":
        if required:
            raise Rejected(field, "missing")
        return None
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise Rejected(field, f"not a number: {str(value)[:20]!r}") from exc
    if not math.isfinite(number):
        raise Rejected(field, "not a finite number")
    return number


def _polygons(geom: Any) -> list[Polygon]:
    if isinstance(geom, Polygon):
        return [geom] if not geom.is_empty else []
    if isinstance(geom, MultiPolygon):
        return [g for g in geom.geoms if not g.is_empty]
    if hasattr(geom, "geoms"):
        return [p for part in geom.geoms for p in _polygons(part)]
    return []


def repair_polygonal(geom: Any, field: str = "geometry") -> tuple[MultiPolygon, str]:
    """A valid MultiPolygon in lon/lat, and a note when it had to be repaired; Rejected if impossible."""
    if geom is None or geom.is_empty:
        raise Rejected(field, "missing or empty geometry")
    note = ""
    if not shapely.is_valid(geom):
        note = f"repaired ({shapely.is_valid_reason(geom)})"
        geom = shapely.make_valid(geom)
    parts = _polygons(geom)
    if not parts:
        raise Rejected(field, f"not a polygon ({geom.geom_type})")
    bounds = MultiPolygon(parts).bounds
    if bounds[0] < -180 or bounds[2] > 180 or bounds[1] < -90 or bounds[3] > 90:
        raise Rejected(field, "coordinates are not lon/lat (EPSG:4326)")
    return MultiPolygon(parts), note


def largest_polygon(geom: MultiPolygon) -> Polygon:
    return max(geom.geoms, key=lambda p: p.area)


def area_m2(geom: Any) -> float:
    """Approximate area in m² of a lon/lat geometry (equirectangular at its centre latitude)."""
    lat = (geom.bounds[1] + geom.bounds[3]) / 2
    return float(geom.area * EARTH_M_PER_DEG**2 * math.cos(math.radians(lat)))
