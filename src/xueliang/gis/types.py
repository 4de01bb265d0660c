"""A geometry column that works on both relational backends.

- SQLite: the geometry is stored as ISO WKB in a BLOB. There is no spatial index; tables that need
  fast spatial look-ups also carry ``min_x/min_y/max_x/max_y`` columns (a B-tree prefilter), and the
  heavy spatial work (assignment, tiles) runs in shapely over an in-memory STRtree.
- PostgreSQL: a real PostGIS ``geometry(<type>, 4326)`` column (GiST-indexed by the migration), so
  ``ST_Contains``, ``&&`` and ``ST_AsMVT`` work in SQL. Values travel as hex EWKB text, which
  PostGIS parses on input and returns on output; no extra Python dependency (GeoAlchemy) is needed.

Python sees shapely geometries on both.
"""

from __future__ import annotations

from typing import Any

import shapely
from sqlalchemy import LargeBinary
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine, UserDefinedType

WGS84 = 4326


class PostGISGeometry(UserDefinedType[Any]):
    cache_ok = True

    def __init__(self, geometry_type: str = "GEOMETRY", srid: int = WGS84) -> None:
        self.geometry_type = geometry_type.upper()
        self.srid = srid

    def get_col_spec(self, **kw: Any) -> str:
        return f"geometry({self.geometry_type},{self.srid})"


class Geometry(TypeDecorator[Any]):
    """A shapely geometry in lon/lat (EPSG:4326): WKB BLOB on SQLite, PostGIS geometry on PostgreSQL."""

    impl = LargeBinary
    cache_ok = True

    def __init__(self, geometry_type: str = "GEOMETRY", srid: int = WGS84) -> None:
        super().__init__()
        self.geometry_type = geometry_type.upper()
        self.srid = srid

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(PostGISGeometry(self.geometry_type, self.srid))
        return dialect.type_descriptor(LargeBinary())

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        return to_db(value, postgis=dialect.name == "postgresql", srid=self.srid)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        return shapely.from_wkb(bytes(value) if isinstance(value, memoryview) else value)


def to_db(geom: Any, *, postgis: bool, srid: int = WGS84) -> bytes | str:
    """The stored form: hex EWKB with SRID for PostGIS (text input, also valid in COPY), WKB otherwise."""
    if postgis:
        return str(shapely.to_wkb(shapely.set_srid(geom, srid), hex=True, include_srid=True))
    return bytes(shapely.to_wkb(geom))
