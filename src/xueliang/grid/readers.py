"""Streaming readers of the import formats. Each yields ``SourceRow(line, props, geom)``; a row that
cannot be parsed comes out with ``error`` set (and is reported), so one bad line never stops a file.

- CSV (UTF-8, header row), XLSX (first sheet, header row; openpyxl read-only, streamed),
- GeoJSON: one feature per line (as the city simulator writes) is streamed; any other layout is
  parsed whole (fine for boundary files, not for millions of features),
- GeoPackage and Shapefile through pyogrio (GDAL bundled in its wheel), read in batches.
Line numbers are 1-based lines of the file (CSV/GeoJSON), sheet rows (XLSX) or feature numbers.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import shapely

GEO_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp")
TABLE_SUFFIXES = (".csv", ".xlsx")
OGR_BATCH = 20_000


@dataclass(slots=True)
class SourceRow:
    line: int
    props: dict[str, Any] = field(default_factory=dict)
    geom: Any = None
    error: str = ""


def iter_rows(path: Path) -> Iterator[SourceRow]:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _csv_rows(path)
    if suffix == ".xlsx":
        return _xlsx_rows(path)
    if suffix in (".geojson", ".json"):
        return _geojson_rows(path)
    if suffix in (".gpkg", ".shp"):
        return _ogr_rows(path)
    raise ValueError(f"unsupported file type: {path.name}")


def _csv_rows(path: Path) -> Iterator[SourceRow]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = [h.strip() for h in next(reader, [])]
        for values in reader:
            line = reader.line_num
            if len(values) != len(header):
                yield SourceRow(line, error=f"expected {len(header)} columns, found {len(values)}")
                continue
            yield SourceRow(line, dict(zip(header, values, strict=True)))


def _xlsx_rows(path: Path) -> Iterator[SourceRow]:
    from openpyxl import load_workbook  # type: ignore[import-untyped]

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        header = [str(h).strip() if h is not None else "" for h in next(rows, ())]
        for number, values in enumerate(rows, start=2):
            cells = ["" if v is None else str(v) for v in values]
            yield SourceRow(number, dict(zip(header, cells, strict=False)))
    finally:
        book.close()


def _feature_row(line: int, feature: Any) -> SourceRow:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        return SourceRow(line, error="not a GeoJSON Feature")
    props = feature.get("properties") or {}
    try:
        geom = _geometry(feature.get("geometry"))
    except Exception as exc:  # GEOS parse errors carry no stable type
        return SourceRow(line, props, error=f"geometry unreadable: {str(exc)[:120]}")
    return SourceRow(line, props, geom)


def _geometry(geometry: Any) -> Any:
    """Polygons are built straight from their coordinates (3× faster than parsing JSON again)."""
    if not geometry:
        return None
    if geometry.get("type") == "Polygon" and geometry.get("coordinates"):
        rings = geometry["coordinates"]
        return shapely.polygons(rings[0], holes=rings[1:] or None)
    return shapely.from_geojson(orjson.dumps(geometry))


def _geojson_rows(path: Path) -> Iterator[SourceRow]:
    with path.open("rb") as handle:
        head = handle.readline()
        if head.strip().startswith(b'{"type":"FeatureCollection","features":[') and head.strip().endswith(
            b"["
        ):
            yield from _geojson_lines(handle)
            return
        handle.seek(0)
        document = orjson.loads(handle.read())
    features = document.get("features", []) if isinstance(document, dict) else []
    for number, feature in enumerate(features, start=1):
        yield _feature_row(number, feature)


def _geojson_lines(handle: Any) -> Iterator[SourceRow]:
    for line, raw in enumerate(handle, start=2):
        text = raw.strip().rstrip(b",")
        if not text or text in (b"]}", b"]", b"}"):
            continue
        try:
            feature = orjson.loads(text)
        except orjson.JSONDecodeError:
            yield SourceRow(line, error="malformed JSON")
            continue
        yield _feature_row(line, feature)


def _ogr_rows(path: Path) -> Iterator[SourceRow]:
    from pyogrio.raw import read  # type: ignore[import-untyped]

    offset = 0
    while True:
        meta, _fids, geoms, columns = read(path, skip_features=offset, max_features=OGR_BATCH)[:4]
        if geoms is None or len(geoms) == 0:
            return
        names = list(meta["fields"])
        shapes = shapely.from_wkb(geoms)
        for i, geom in enumerate(shapes):
            props = {name: _plain(columns[j][i]) for j, name in enumerate(names)}
            yield SourceRow(offset + i + 1, props, geom)
        offset += len(geoms)


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value
