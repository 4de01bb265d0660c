"""Vector tiles of the registry: ``regions``, ``grids`` and ``buildings`` (z13+). Residents are never
a layer. Two sources with one interface: ``MemoryTiles`` (embedded: shapely STRtree for areas and
grids, bucketed ragged arrays of footprints, numpy MVT encoder) and ``PostgisTiles`` (ST_AsMVT).
``TileService`` picks one, caches encoded tiles (LRU) and rebuilds the in-memory index when the
registry changed (checked at most every ``RECHECK_SECONDS``)."""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from typing import Any, Protocol

import numpy as np
import shapely
from sqlalchemy import Connection, Engine, LargeBinary, func, select, text, type_coerce

from xueliang.core.exceptions import NotFoundError
from xueliang.gis.mvt import EXTENT, Polygons, encode_layer, lonlat_to_tile_px, ragged_arange, tile_bounds
from xueliang.grid.models import AdminArea, Building, Grid

logger = logging.getLogger(__name__)

LAYERS = ("regions", "grids", "buildings")
MIN_ZOOM = {"regions": 0, "grids": 9, "buildings": 13}
MAX_ZOOM = 22
BUFFER_PX = 64
BUCKET_ZOOM = 14
RECHECK_SECONDS = 30.0
CHUNK_ROWS = 100_000


class TileSource(Protocol):
    def tile(self, conn: Connection, layer: str, z: int, x: int, y: int) -> bytes: ...


def _ragged(geoms: Any) -> tuple[Any, Any, Any]:
    """lon/lat vertices without closing ones, ring offsets, feature (ring) offsets."""
    geoms = shapely.orient_polygons(np.asarray(geoms, dtype=object))
    _, coords, offsets = shapely.to_ragged_array(geoms)
    ring_offsets, polygon_offsets = offsets[0], offsets[1]
    feature_offsets = polygon_offsets[offsets[2]] if len(offsets) > 2 else polygon_offsets
    sizes = np.diff(ring_offsets)
    keep = np.ones(len(coords), dtype=bool)
    keep[ring_offsets[1:] - 1] = False
    return coords[keep], np.concatenate([[0], np.cumsum(sizes - 1)]), np.asarray(feature_offsets)


def _encode(name: str, geoms: Any, ids: Any, props: dict[str, Any], z: int, x: int, y: int) -> bytes:
    if len(geoms) == 0:
        return encode_layer(
            name, Polygons(np.zeros((0, 2), np.int64), np.zeros(1, np.int64), np.zeros(1, np.int64)), [], {}
        )
    coords, ring_offsets, feature_offsets = _ragged(geoms)
    px = lonlat_to_tile_px(coords, z, x, y)
    return encode_layer(
        name, Polygons(px, ring_offsets.astype(np.int64), feature_offsets.astype(np.int64)), ids, props
    )


class _Areas:
    """Regions or grids: few, large polygons; clipped and simplified per tile."""

    def __init__(self, ids: list[int], geoms: list[Any], props: dict[str, list[Any]]) -> None:
        self.ids = np.asarray(ids, dtype=np.int64)
        self.geoms = np.asarray(geoms, dtype=object)
        self.props = {k: np.asarray(v, dtype=object) for k, v in props.items()}
        self.tree = shapely.STRtree(self.geoms)

    def tile(self, name: str, z: int, x: int, y: int) -> bytes:
        west, south, east, north = tile_bounds(z, x, y)
        pad_x, pad_y = (east - west) * BUFFER_PX / EXTENT, (north - south) * BUFFER_PX / EXTENT
        box = (west - pad_x, south - pad_y, east + pad_x, north + pad_y)
        hits = np.sort(self.tree.query(shapely.box(*box)))
        clipped = shapely.clip_by_rect(self.geoms[hits], *box)
        clipped = shapely.simplify(clipped, (east - west) / EXTENT, preserve_topology=True)
        polygonal = np.array(
            [g.geom_type in ("Polygon", "MultiPolygon") and not g.is_empty for g in clipped], dtype=bool
        )
        hits, clipped = hits[polygonal], clipped[polygonal]
        return _encode(name, clipped, self.ids[hits], {k: v[hits] for k, v in self.props.items()}, z, x, y)


class _Buildings:
    """Footprints as compact ragged arrays, bucketed by the z14 tile of their centre (sorted keys,
    searchsorted). Vertices are float32 offsets from ``origin`` (≈ 1 cm at city extent), so 1.34 M
    footprints take ~100 MB; they are loaded in chunks of ``CHUNK_ROWS`` (``from_parts``)."""

    def __init__(self, origin: Any, parts: list[dict[str, Any]]) -> None:
        self.origin = np.asarray(origin, dtype=np.float64)
        self.coords = _concat([p["coords"] for p in parts], np.float32, (0, 2))
        self.ring_offsets = _offsets([p["ring_offsets"] for p in parts])
        self.feature_offsets = _offsets([p["feature_offsets"] for p in parts])
        self.ids = _concat([p["ids"] for p in parts], np.int64)
        self.floors = _concat([p["floors"] for p in parts], np.int16)
        uses = sorted({u for p in parts for u in p["uses"]})
        self.use_names = np.asarray(uses, dtype=object)
        codes = {u: k for k, u in enumerate(uses)}
        self.use_codes = _concat(
            [np.asarray([codes[u] for u in p["uses"]], np.int16) for p in parts], np.int16
        )
        self.bounds = _concat([p["bounds"] for p in parts], np.float32, (0, 4))
        keys = _concat([p["keys"] for p in parts], np.int64)
        self.order = np.argsort(keys, kind="stable")
        self.sorted_keys = keys[self.order]

    @staticmethod
    def part(origin: Any, rows: Any) -> dict[str, Any]:
        """One chunk of ``(id, floors, use, wkb, lon, lat)`` rows: the geometries are parsed from WKB
        at once and kept only as arrays."""
        ids, floors, uses, wkb, lons, lats = zip(*rows, strict=True)
        geoms = shapely.from_wkb(np.asarray([bytes(w) for w in wkb], dtype=object))
        coords, ring_offsets, feature_offsets = _ragged(geoms)
        bounds = shapely.bounds(geoms) - np.tile(origin, 2)
        return {
            "coords": (coords - origin).astype(np.float32),
            "ring_offsets": ring_offsets,
            "feature_offsets": feature_offsets,
            "ids": np.asarray(ids, dtype=np.int64),
            "floors": np.asarray([f or 1 for f in floors], dtype=np.int16),
            "uses": [u or "" for u in uses],
            "bounds": bounds.astype(np.float32),
            "keys": _Buildings._keys(np.asarray(lons, dtype=float), np.asarray(lats, dtype=float)),
        }

    @staticmethod
    def _keys(lons: Any, lats: Any) -> Any:
        tx, ty = _tile_xy(lons, lats, BUCKET_ZOOM)
        return tx.astype(np.int64) * (1 << BUCKET_ZOOM) + ty

    def candidates(self, z: int, x: int, y: int) -> Any:
        span = 1 << (BUCKET_ZOOM - z) if z <= BUCKET_ZOOM else 1
        x0 = x * span if z <= BUCKET_ZOOM else x >> (z - BUCKET_ZOOM)
        y0 = y * span if z <= BUCKET_ZOOM else y >> (z - BUCKET_ZOOM)
        columns = np.arange(x0 - 1, x0 + span + 1)
        lo = np.searchsorted(self.sorted_keys, columns * (1 << BUCKET_ZOOM) + (y0 - 1))
        hi = np.searchsorted(self.sorted_keys, columns * (1 << BUCKET_ZOOM) + (y0 + span + 1))
        found = self.order[ragged_arange(lo, hi - lo)]
        west, south, east, north = np.asarray(tile_bounds(z, x, y)) - np.tile(self.origin, 2)
        b = self.bounds[found]
        inside = (b[:, 0] <= east) & (b[:, 2] >= west) & (b[:, 1] <= north) & (b[:, 3] >= south)
        return np.sort(found[inside])

    def tile(self, z: int, x: int, y: int) -> bytes:
        chosen = self.candidates(z, x, y)
        fo = self.feature_offsets
        ring_counts = fo[chosen + 1] - fo[chosen]
        rings = ragged_arange(fo[chosen], ring_counts)
        ro = self.ring_offsets
        sizes = ro[rings + 1] - ro[rings]
        vertices = ragged_arange(ro[rings], sizes)
        px = lonlat_to_tile_px(self.coords[vertices].astype(np.float64) + self.origin, z, x, y)
        polys = Polygons(
            px, np.concatenate([[0], np.cumsum(sizes)]), np.concatenate([[0], np.cumsum(ring_counts)])
        )
        props = {
            "floors": self.floors[chosen].astype(np.int64),
            "use": self.use_names[self.use_codes[chosen]],
        }
        return encode_layer("buildings", polys, self.ids[chosen], props)


def _concat(arrays: list[Any], dtype: Any, empty: tuple[int, ...] = (0,)) -> Any:
    return np.concatenate(arrays).astype(dtype, copy=False) if arrays else np.zeros(empty, dtype=dtype)


def _offsets(parts: list[Any]) -> Any:
    """Offset arrays of consecutive chunks joined into one (each chunk's starts at 0)."""
    joined, base = [np.zeros(1, dtype=np.int64)], 0
    for offsets in parts:
        joined.append(np.asarray(offsets[1:], dtype=np.int64) + base)
        base += int(offsets[-1])
    return np.concatenate(joined)


def _tile_xy(lons: Any, lats: Any, z: int) -> tuple[Any, Any]:
    n = 2**z
    lat = np.radians(np.clip(lats, -85.05, 85.05))
    tx = np.floor((lons + 180.0) / 360.0 * n).astype(np.int64)
    ty = np.floor((1.0 - np.log(np.tan(lat) + 1.0 / np.cos(lat)) / np.pi) / 2.0 * n).astype(np.int64)
    return np.clip(tx, 0, n - 1), np.clip(ty, 0, n - 1)


class MemoryTiles:
    def __init__(self, conn: Connection) -> None:
        areas = conn.execute(
            select(AdminArea.id, AdminArea.code, AdminArea.name, AdminArea.level, AdminArea.geom)
        ).all()
        grids = conn.execute(select(Grid.id, Grid.code, Grid.name, Grid.geom)).all()
        self.regions = _Areas(
            [a.id for a in areas],
            [a.geom for a in areas],
            {
                "code": [a.code for a in areas],
                "name": [a.name for a in areas],
                "level": [a.level for a in areas],
            },
        )
        self.grids = _Areas(
            [g.id for g in grids],
            [g.geom for g in grids],
            {"code": [g.code for g in grids], "name": [g.name for g in grids]},
        )
        self.buildings = self._load_buildings(conn)

    @staticmethod
    def _load_buildings(conn: Connection) -> _Buildings:
        """Streamed in chunks of raw WKB (no shapely object per row outlives its chunk)."""
        table = Building.__table__
        if conn.dialect.name == "postgresql":
            footprint: Any = func.ST_AsBinary(table.c.footprint)
        else:
            footprint = type_coerce(table.c.footprint, LargeBinary)
        corner = conn.execute(select(func.min(table.c.min_x), func.min(table.c.min_y))).one()
        origin = np.asarray([corner[0] or 0.0, corner[1] or 0.0], dtype=np.float64)
        query = (
            select(table.c.id, table.c.floors_above, table.c.use, footprint, table.c.lon, table.c.lat)
            .where(table.c.footprint.is_not(None))
            .order_by(table.c.id)
        )
        result = conn.execute(query.execution_options(yield_per=CHUNK_ROWS))  # this statement only
        parts = [_Buildings.part(origin, rows) for rows in result.partitions()]
        return _Buildings(origin, parts)

    def tile(self, conn: Connection, layer: str, z: int, x: int, y: int) -> bytes:
        if layer == "buildings":
            return self.buildings.tile(z, x, y)
        return (self.regions if layer == "regions" else self.grids).tile(layer, z, x, y)


POSTGIS_SQL = {
    "regions": ("admin_area", "geom", "id, code, name, level"),
    "grids": ("grid", "geom", "id, code, name"),
    "buildings": (
        "building",
        "footprint",
        "id, COALESCE(floors_above, 1) AS floors, COALESCE(use, '') AS use",
    ),
}


class PostgisTiles:
    def tile(self, conn: Connection, layer: str, z: int, x: int, y: int) -> bytes:
        table, column, fields = POSTGIS_SQL[layer]
        sql = text(
            f"WITH bounds AS (SELECT ST_TileEnvelope(:z, :x, :y) AS env, "  # noqa: S608 (constants only)
            f"ST_Transform(ST_TileEnvelope(:z, :x, :y, margin => {BUFFER_PX / EXTENT}), 4326) AS box) "
            f"SELECT ST_AsMVT(q, '{layer}', {EXTENT}, 'geom', 'id') FROM (SELECT {fields}, "
            f"ST_AsMVTGeom(ST_Transform({column}, 3857), bounds.env, {EXTENT}, {BUFFER_PX}, true) AS geom "
            f"FROM {table}, bounds WHERE {column} && bounds.box) q"
        )
        data = conn.execute(sql, {"z": z, "x": x, "y": y}).scalar()
        return bytes(data or b"")


class TileService:
    """Validates the request, answers from the LRU cache, else from the source."""

    def __init__(self, *, postgres: bool, source: str = "auto", cache_size: int = 4096) -> None:
        self.kind = "postgis" if source == "postgis" or (source == "auto" and postgres) else "memory"
        self.cache_size = cache_size
        self._cache: OrderedDict[tuple[str, int, int, int], bytes] = OrderedDict()
        self._lock = threading.Lock()
        self._source: TileSource | None = None
        self._signature: tuple[Any, ...] | None = None
        self._checked = 0.0
        self.rebuilding: threading.Thread | None = None

    @staticmethod
    def _registry_signature(conn: Connection) -> tuple[Any, ...]:
        return tuple(conn.execute(select(func.max(t.id))).scalar() for t in (AdminArea, Grid, Building))

    def _build(self, conn: Connection) -> TileSource:
        return PostgisTiles() if self.kind == "postgis" else MemoryTiles(conn)

    def _install(self, source: TileSource, signature: tuple[Any, ...]) -> None:
        self._source, self._signature = source, signature
        self._cache.clear()

    def _current_source(self, conn: Connection) -> TileSource:
        """The first index is built in the request; a changed registry is re-indexed in a thread
        (its own connection) while the old index keeps answering."""
        now = time.monotonic()
        if self._source is None:
            self._install(self._build(conn), self._registry_signature(conn))
            self._checked = now
        elif now - self._checked > RECHECK_SECONDS and self.rebuilding is None:
            self._checked = now
            signature = self._registry_signature(conn)
            if signature != self._signature:
                self.rebuilding = threading.Thread(
                    target=self._rebuild, args=(conn.engine, signature), name="grid-tiles", daemon=True
                )
                self.rebuilding.start()
        assert self._source is not None
        return self._source

    def _rebuild(self, engine: Engine, signature: tuple[Any, ...]) -> None:
        try:
            with engine.connect() as conn:
                source = self._build(conn)
            with self._lock:
                self._install(source, signature)
        except Exception:  # the old index keeps answering; the next check tries again
            logger.exception("rebuilding the tile index failed")
        finally:
            self.rebuilding = None

    def invalidate(self) -> None:
        with self._lock:
            self._source, self._signature = None, None
            self._cache.clear()

    def tile(self, conn: Connection, layer: str, z: int, x: int, y: int) -> bytes:
        if layer not in LAYERS:
            raise NotFoundError(f"no map layer '{layer}' (layers: {', '.join(LAYERS)})")
        if not 0 <= z <= MAX_ZOOM or not (0 <= x < 2**z and 0 <= y < 2**z):
            raise NotFoundError(f"no tile {z}/{x}/{y}")
        if z < MIN_ZOOM[layer]:
            return b""
        key = (layer, z, x, y)
        with self._lock:
            source = self._current_source(conn)
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        data = source.tile(conn, layer, z, x, y)
        with self._lock:
            if self.cache_size:
                self._cache[key] = data
                if len(self._cache) > self.cache_size:
                    self._cache.popitem(last=False)
        return data
