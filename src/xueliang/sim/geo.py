"""The synthetic city's coordinate frames.

Generation works in a local metric plane (x metres east, y metres north of lon 112.0, lat 28.2);
output is WGS84 lon/lat by an equirectangular transform, exact enough at city size.
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from numpy.typing import NDArray

LON0 = 112.0
LAT0 = 28.2
M_PER_DEG_LAT = 110_574.0
M_PER_DEG_LON = 111_320.0 * math.cos(math.radians(28.55))
WIDTH_M = 0.8 * M_PER_DEG_LON
HEIGHT_M = 0.7 * M_PER_DEG_LAT
CENTRE_XY = (0.52 * WIDTH_M, 0.48 * HEIGHT_M)
URBAN_SIGMA_M = 9_000.0

F64 = NDArray[np.float64]


def to_lonlat(x: F64, y: F64) -> tuple[F64, F64]:
    return LON0 + x / M_PER_DEG_LON, LAT0 + y / M_PER_DEG_LAT


def to_xy(lon: F64, lat: F64) -> tuple[F64, F64]:
    return (lon - LON0) * M_PER_DEG_LON, (lat - LAT0) * M_PER_DEG_LAT


def geoms_to_lonlat(geoms: NDArray[np.object_]) -> NDArray[np.object_]:
    """Vectorised metric → lon/lat transform of shapely geometries."""

    def _tr(coords: F64) -> F64:
        lon, lat = to_lonlat(coords[:, 0], coords[:, 1])
        return np.column_stack([lon, lat])

    return np.asarray(shapely.transform(geoms, _tr), dtype=object)


def urbanness(x: F64, y: F64) -> F64:
    """1 in the city centre, falling towards 0 in the countryside (Gaussian of distance)."""
    d2 = (x - CENTRE_XY[0]) ** 2 + (y - CENTRE_XY[1]) ** 2
    return np.asarray(np.exp(-d2 / (2 * URBAN_SIGMA_M**2)), dtype=np.float64)


DENSITY_MAX = 1.06


def density(x: F64, y: F64) -> F64:
    """Relative density of admin units and buildings: dense centre, sparse countryside."""
    return 0.06 + urbanness(x, y)
