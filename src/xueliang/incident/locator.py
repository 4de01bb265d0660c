"""Grid, community and town of a point, by point-in-polygon.

The incident domain depends on the small ``GridLocator`` protocol, not on the grid package's
internals. ``default_locator()`` uses ``xueliang.grid.service.locate_point`` when the grid domain
provides one, and otherwise ``GridTableLocator``, which reads the grid tables (bbox prefilter in
SQL, exact test in shapely). Tests use a fake.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Placement:
    grid_id: int | None = None
    grid_code: str | None = None
    community_code: str | None = None
    town_code: str | None = None


class GridLocator(Protocol):
    def locate(self, db: Session, lon: float, lat: float) -> Placement: ...


class NullLocator:
    def locate(self, db: Session, lon: float, lat: float) -> Placement:
        return Placement()


class GridTableLocator:
    """Point-in-polygon against ``grid`` and ``admin_area`` (community → its parent town)."""

    def locate(self, db: Session, lon: float, lat: float) -> Placement:
        try:
            from shapely.geometry import Point

            from xueliang.grid.models import AdminArea, Grid
        except ImportError:  # the grid domain is not installed
            return Placement()
        point = Point(lon, lat)
        grid = self._first(db, Grid, point, lon, lat)
        community = db.get(AdminArea, grid.community_id) if grid and grid.community_id else None
        if community is None:
            community = self._first(db, AdminArea, point, lon, lat, level="community")
        town = db.get(AdminArea, community.parent_id) if community and community.parent_id else None
        return Placement(
            grid_id=grid.id if grid else None,
            grid_code=grid.code if grid else None,
            community_code=community.code if community else None,
            town_code=town.code if town else None,
        )

    @staticmethod
    def _first(db: Session, model: Any, point: Any, lon: float, lat: float, level: str | None = None) -> Any:
        query = select(model).where(
            model.min_x <= lon, model.max_x >= lon, model.min_y <= lat, model.max_y >= lat
        )
        if level is not None:
            query = query.where(model.level == level)
        for row in db.scalars(query.limit(50)):
            if row.geom is not None and row.geom.covers(point):
                return row
        return None


class _ServiceLocator:
    def __init__(self, func: Any) -> None:
        self.func = func

    def locate(self, db: Session, lon: float, lat: float) -> Placement:
        found = self.func(db=db, lon=lon, lat=lat)
        if found is None:
            return Placement()
        return Placement(**{k: getattr(found, k, None) for k in Placement.__dataclass_fields__})


def default_locator() -> GridLocator:
    try:
        grid_service = importlib.import_module("xueliang.grid.service")
    except ImportError:
        return GridTableLocator()
    func = getattr(grid_service, "locate_point", None)
    return _ServiceLocator(func) if callable(func) else GridTableLocator()
