"""Streaming CSV and GeoJSON writers with fixed formatting (byte-identical for the same input).

CSV: UTF-8, comma-separated, header row, "\n" line ends, no quoting: generated values never contain
a comma, a quote or a newline, and every chunk is checked for that. GeoJSON: a FeatureCollection with
one feature per line, so a line reader can stream it (strip the trailing comma of each feature line).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import orjson
from numpy.typing import NDArray

from xueliang.sim.progress import Steps

CHUNK = 100_000
Column = Sequence[Any] | NDArray[Any] | Callable[[int, int], list[Any]]
_HEAD = '{"type":"FeatureCollection","features":[\n'
_TAIL = "\n]}\n"


def fmt6(values: NDArray[np.float64]) -> list[str]:
    """Fixed 6-decimal text (≈0.1 m for lon/lat)."""
    return [f"{v:.6f}" for v in values.tolist()]


def _slice(col: Column, a: int, b: int) -> list[Any]:
    """Rows a..b of a column; a callable column computes them lazily (bounded memory)."""
    if callable(col):
        return col(a, b)
    part = col[a:b]
    return part.tolist() if isinstance(part, np.ndarray) else list(part)


def write_csv(path: Path, n: int, columns: Mapping[str, Any], steps: Steps, label: str) -> int:
    """Write `n` rows of `columns` as CSV; returns `n`."""
    names = list(columns)
    task = steps.task(label, n)
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        fh.write(",".join(names) + "\n")
        for a in range(0, n, CHUNK):
            b = min(n, a + CHUNK)
            rows = zip(*(_slice(columns[k], a, b) for k in names), strict=True)
            text = "\n".join(",".join(map(str, r)) for r in rows) + "\n"
            if text.count(",") != (b - a) * (len(names) - 1) or '"' in text:
                raise ValueError(f"{path.name}: a value contains a comma or a quote")
            fh.write(text)
            steps.advance(task, b - a)
    return n


def write_features(
    path: Path, geometries: Sequence[str], props: dict[str, Column], steps: Steps, label: str
) -> int:
    """A FeatureCollection of pre-encoded geometry JSON texts with the given properties."""
    names = list(props)
    task = steps.task(label, len(geometries))
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        fh.write(_HEAD)
        for a in range(0, len(geometries), CHUNK):
            b = min(len(geometries), a + CHUNK)
            cols = [_slice(props[k], a, b) for k in names]
            lines = []
            for i, geom in enumerate(geometries[a:b]):
                p = orjson.dumps({k: c[i] for k, c in zip(names, cols, strict=True)}).decode()
                lines.append(f'{{"type":"Feature","properties":{p},"geometry":{geom}}}')
            fh.write((",\n" if a else "") + ",\n".join(lines))
            steps.advance(task, b - a)
        fh.write(_TAIL)
    return len(geometries)


def polygon_json(ring_lon: NDArray[np.float64], ring_lat: NDArray[np.float64]) -> str:
    pts = ",".join(f"[{x:.6f},{y:.6f}]" for x, y in zip(ring_lon.tolist(), ring_lat.tolist(), strict=True))
    return f'{{"type":"Polygon","coordinates":[[{pts}]]}}'


def rings_json(coords: NDArray[np.float64], index: NDArray[np.int64], n: int) -> list[str]:
    """Polygon JSON for `n` single-ring polygons given flat exterior coordinates and their owner index."""
    bounds = np.searchsorted(index, np.arange(n + 1))
    return [polygon_json(coords[a:b, 0], coords[a:b, 1]) for a, b in itertools.pairwise(bounds)]


def quads_json(lon: NDArray[np.float64], lat: NDArray[np.float64]) -> list[str]:
    """Polygon JSON for rectangles given (n, 4) corner lon/lat arrays (ring closed on output)."""
    tmpl = '{"type":"Polygon","coordinates":[[[%.6f,%.6f],[%.6f,%.6f],[%.6f,%.6f],[%.6f,%.6f],[%.6f,%.6f]]]}'
    xy = np.stack([lon, lat], axis=2)
    closed = np.concatenate([xy, xy[:, :1]], axis=1).reshape(len(lon), 10)
    return [tmpl % tuple(r) for r in closed.tolist()]


def lines_json(
    x0: NDArray[np.float64], y0: NDArray[np.float64], x1: NDArray[np.float64], y1: NDArray[np.float64]
) -> list[str]:
    tmpl = '{"type":"LineString","coordinates":[[%.6f,%.6f],[%.6f,%.6f]]}'
    return [tmpl % r for r in zip(x0.tolist(), y0.tolist(), x1.tolist(), y1.tolist(), strict=True)]
