"""Mapbox Vector Tile (v2) encoding, vectorised with numpy: a layer of polygons is written as one
array of protobuf varints, so a tile of 40,000 building footprints encodes in milliseconds (the
pure-Python ``mapbox-vector-tile`` package takes seconds for the same tile).

Input polygons are *ragged arrays* in tile pixel coordinates: ``coords`` (N×2 int64, rings without
their closing vertex), ``ring_offsets`` (R+1) and ``feature_offsets`` (F+1, rings per feature).
Exterior rings must be clockwise in tile space (y down), holes counter-clockwise: in lon/lat that is
``shapely.orient_polygons`` (exterior counter-clockwise), because the y axis flips.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

I64 = NDArray[np.int64]
EXTENT = 4096
MOVE_TO, LINE_TO, CLOSE_PATH = 1, 2, 7
POLYGON = 3
MAX_LAT = 85.05112878


def tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """(west, south, east, north) of a web-mercator tile in lon/lat."""
    n = 2.0**z

    def lat(row: float) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))

    return (x / n * 360.0 - 180.0, lat(y + 1), (x + 1) / n * 360.0 - 180.0, lat(y))


def lonlat_to_tile_px(coords: NDArray[np.float64], z: int, x: int, y: int, extent: int = EXTENT) -> I64:
    """lon/lat (N×2) → integer pixel coordinates of tile z/x/y (may fall outside 0..extent)."""
    n = 2.0**z
    lon = coords[:, 0]
    lat = np.radians(np.clip(coords[:, 1], -MAX_LAT, MAX_LAT))
    px = ((lon + 180.0) / 360.0 * n - x) * extent
    py = ((1.0 - np.log(np.tan(lat) + 1.0 / np.cos(lat)) / math.pi) / 2.0 * n - y) * extent
    return np.rint(np.column_stack([px, py])).astype(np.int64)


def varint_lengths(values: NDArray[Any]) -> I64:
    v = values.astype(np.uint64)
    lengths = np.ones(len(v), dtype=np.int64)
    for shift in range(7, 64, 7):
        lengths += v >= np.uint64(1 << shift)
    return lengths


def varints(values: NDArray[Any]) -> bytes:
    """Protobuf base-128 varints of non-negative integers, all at once."""
    v = values.astype(np.uint64)
    lengths = varint_lengths(v)
    starts = np.cumsum(lengths) - lengths
    owner = np.repeat(np.arange(len(v)), lengths)
    j = (np.arange(int(lengths.sum())) - np.repeat(starts, lengths)).astype(np.uint64)
    out = (v[owner] >> (np.uint64(7) * j)) & np.uint64(0x7F)
    out |= (j < (lengths[owner] - 1).astype(np.uint64)).astype(np.uint64) << np.uint64(7)
    return out.astype(np.uint8).tobytes()


def _varint(value: int) -> bytes:
    return varints(np.array([value], dtype=np.uint64))


def _field(number: int, payload: bytes) -> bytes:
    return _varint((number << 3) | 2) + _varint(len(payload)) + payload


def _value(value: Any) -> bytes:
    if isinstance(value, bool):
        return _varint((7 << 3) | 0) + _varint(int(value))
    if isinstance(value, int | np.integer):
        number = int(value)
        if number >= 0:
            return _varint((5 << 3) | 0) + _varint(number)
        return _varint((6 << 3) | 0) + _varint((number << 1) ^ (number >> 63))
    if isinstance(value, float | np.floating):
        return _varint((3 << 3) | 1) + struct.pack("<d", float(value))
    return _field(1, str(value).encode("utf-8"))


def _zigzag(values: I64) -> I64:
    return (values << 1) ^ (values >> 63)


def ragged_arange(starts: I64, counts: I64) -> I64:
    """Concatenation of arange(s, s + c) for each (s, c)."""
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    shift = starts - (np.cumsum(counts) - counts)
    return np.repeat(shift, counts) + np.arange(total, dtype=np.int64)


@dataclass
class Polygons:
    """Ragged polygons in tile pixels, one feature per polygon or multipolygon."""

    coords: I64
    ring_offsets: I64
    feature_offsets: I64

    def drop_degenerate(self) -> tuple[Polygons, NDArray[np.bool_]]:
        """Drop rings of fewer than 3 vertices and features left without rings; returns the kept mask."""
        sizes = np.diff(self.ring_offsets)
        keep_ring = sizes >= 3
        if keep_ring.all():
            return self, np.ones(len(self.feature_offsets) - 1, dtype=bool)
        kept_vertices = np.repeat(keep_ring, sizes)
        per_feature = (
            np.add.reduceat(keep_ring.astype(np.int64), self.feature_offsets[:-1])
            if len(sizes)
            else np.zeros(0, np.int64)
        )
        per_feature[np.diff(self.feature_offsets) == 0] = 0
        keep_feature = per_feature > 0
        ring_offsets = np.concatenate([[0], np.cumsum(sizes[keep_ring])])
        feature_offsets = np.concatenate([[0], np.cumsum(per_feature[keep_feature])])
        return Polygons(self.coords[kept_vertices], ring_offsets, feature_offsets), keep_feature


def _geometry_ints(polys: Polygons) -> tuple[I64, I64]:
    """The command/parameter integers of every feature, and each feature's integer count."""
    coords, ro, fo = polys.coords, polys.ring_offsets, polys.feature_offsets
    sizes = np.diff(ro)
    vertex_feature = np.repeat(np.repeat(np.arange(len(fo) - 1), np.diff(fo)), sizes)
    prev = np.roll(coords, 1, axis=0)
    first = np.ones(len(coords), dtype=bool)
    first[1:] = vertex_feature[1:] != vertex_feature[:-1]
    prev[first] = 0
    deltas = _zigzag(coords - prev)
    ring_ints = 2 * sizes + 3
    ring_start = np.cumsum(ring_ints) - ring_ints
    out = np.empty(int(ring_ints.sum()), dtype=np.int64)
    out[ring_start] = (1 << 3) | MOVE_TO
    out[ring_start + 3] = ((sizes - 1) << 3) | LINE_TO
    out[ring_start + ring_ints - 1] = (1 << 3) | CLOSE_PATH
    local = np.arange(len(coords)) - np.repeat(ro[:-1], sizes)
    base = np.repeat(ring_start, sizes) + np.where(local == 0, 1, 2 + 2 * local)
    out[base] = deltas[:, 0]
    out[base + 1] = deltas[:, 1]
    per_feature = np.add.reduceat(ring_ints, fo[:-1]) if len(ring_ints) else np.zeros(0, np.int64)
    return out, per_feature


def _feature_sizes(geom: I64, per_feature: I64, ids: I64, tags: I64) -> tuple[I64, I64]:
    """Geometry bytes and total feature message bytes per feature."""
    lengths = varint_lengths(geom)
    starts = np.cumsum(per_feature) - per_feature
    geom_bytes = np.add.reduceat(lengths, starts) if len(lengths) else np.zeros(0, np.int64)
    tag_bytes = (
        varint_lengths(tags.ravel()).reshape(tags.shape).sum(axis=1)
        if tags.size
        else np.zeros(len(ids), np.int64)
    )
    feature_bytes = (
        1
        + varint_lengths(ids)
        + 1
        + varint_lengths(tag_bytes)
        + tag_bytes
        + 2
        + 1
        + varint_lengths(geom_bytes)
        + geom_bytes
    )
    return np.column_stack([tag_bytes, geom_bytes]), feature_bytes


def encode_layer(
    name: str,
    polys: Polygons,
    ids: Sequence[int] | I64,
    properties: dict[str, Sequence[Any]],
    extent: int = EXTENT,
) -> bytes:
    """One MVT layer message (wrapped as a tile's field 3) of polygon features with properties."""
    polys, kept = polys.drop_degenerate()
    ids_arr = np.asarray(ids, dtype=np.int64)[kept]
    keys = list(properties)
    values: list[Any] = []
    tag_columns = []
    for k, key in enumerate(keys):
        column = np.asarray(properties[key], dtype=object)[kept]
        uniques, inverse = np.unique(
            column.astype(str) if column.dtype == object else column, return_inverse=True
        )
        originals: dict[str, Any] = {}
        for value in column:
            originals.setdefault(str(value), value)
        tag_columns.append(np.full(len(column), k, dtype=np.int64))
        tag_columns.append(inverse.astype(np.int64) + len(values))
        values.extend(originals[str(u)] for u in uniques)
    tags = np.column_stack(tag_columns) if tag_columns else np.zeros((len(ids_arr), 0), dtype=np.int64)
    body = _features(polys, ids_arr, tags) if len(ids_arr) else b""
    header = _field(1, name.encode("utf-8")) + _varint((15 << 3) | 0) + _varint(2)
    header += b"".join(_field(3, key.encode("utf-8")) for key in keys)
    header += b"".join(_field(4, _value(value)) for value in values)
    header += _varint((5 << 3) | 0) + _varint(extent)
    return _field(3, header + body)


def _features(polys: Polygons, ids: I64, tags: I64) -> bytes:
    geom, per_feature = _geometry_ints(polys)
    part_bytes, feature_bytes = _feature_sizes(geom, per_feature, ids, tags)
    n, k2 = len(ids), tags.shape[1]
    prefix = np.empty((n, 10 + k2), dtype=np.int64)
    prefix[:, 0] = (2 << 3) | 2
    prefix[:, 1] = feature_bytes
    prefix[:, 2] = (1 << 3) | 0
    prefix[:, 3] = ids
    prefix[:, 4] = (2 << 3) | 2
    prefix[:, 5] = part_bytes[:, 0]
    prefix[:, 6 : 6 + k2] = tags
    prefix[:, 6 + k2] = (3 << 3) | 0
    prefix[:, 7 + k2] = POLYGON
    prefix[:, 8 + k2] = (4 << 3) | 2
    prefix[:, 9 + k2] = part_bytes[:, 1]
    p = prefix.shape[1]
    out = np.empty(n * p + len(geom), dtype=np.int64)
    geom_before = np.cumsum(per_feature) - per_feature
    starts = np.arange(n) * p + geom_before
    out[(starts[:, None] + np.arange(p)).ravel()] = prefix.ravel()
    geom_owner = np.repeat(np.arange(n), per_feature)
    out[np.arange(len(geom)) + p * (geom_owner + 1)] = geom
    return varints(out)
