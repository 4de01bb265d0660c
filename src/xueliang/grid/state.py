"""What an import run remembers between rows and batches: known codes and ids and the grid index.
Everything is loaded from the database when first needed, so a resumed run knows what an earlier
run committed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from sqlalchemy import Connection, select

from xueliang.grid.models import Address, AdminArea, Building, Grid, HousingUnit, Resident

ABSENT = -2  # id not present; -1 = present without a grid


class IdMap:
    """Integer id → small integer value (a grid id, or -1), in a growing numpy array."""

    def __init__(self) -> None:
        self.values: NDArray[np.int32] = np.full(1024, ABSENT, dtype=np.int32)

    def _grow(self, max_id: int) -> None:
        if max_id >= len(self.values):
            size = max(max_id + 1, len(self.values) * 2)
            grown = np.full(size, ABSENT, dtype=np.int32)
            grown[: len(self.values)] = self.values
            self.values = grown

    def set(self, key: int, value: int | None) -> None:
        self._grow(key)
        self.values[key] = -1 if value is None else value

    def has(self, key: int) -> bool:
        return 0 <= key < len(self.values) and self.values[key] != ABSENT

    def get(self, key: int) -> int | None:
        value = int(self.values[key]) if 0 <= key < len(self.values) else ABSENT
        return None if value < 0 else value


@dataclass
class GridIndex:
    ids: list[int]
    codes: list[str]
    geoms: Any
    tree: Any

    def assign(self, lons: Any, lats: Any) -> NDArray[np.int64]:
        """Grid id of each point (-1 outside every grid); the first grid when grids overlap."""
        points = shapely.points(np.asarray(lons, dtype=float), np.asarray(lats, dtype=float))
        found = np.full(len(points), -1, dtype=np.int64)
        if len(self.ids) == 0 or len(points) == 0:
            return found
        pairs = self.tree.query(points, predicate="intersects")
        ids = np.asarray(self.ids, dtype=np.int64)
        # reversed so that, for a point in several grids, the first grid index wins
        found[pairs[0][::-1]] = ids[pairs[1][::-1]]
        return found


@dataclass
class ImportState:
    conn: Connection
    _areas: dict[str, int] | None = None
    _grids: dict[str, int] | None = None
    _grid_index: GridIndex | None = None
    _buildings: IdMap | None = None
    _units: IdMap | None = None
    _residents: IdMap | None = None
    _addresses: set[str] | None = None
    users: dict[str, int] = field(default_factory=dict)

    @property
    def areas(self) -> dict[str, int]:
        if self._areas is None:
            rows = self.conn.execute(select(AdminArea.code, AdminArea.id))
            self._areas = {code: id_ for code, id_ in rows}
        return self._areas

    @property
    def grids(self) -> dict[str, int]:
        if self._grids is None:
            self._grids = {code: id_ for code, id_ in self.conn.execute(select(Grid.code, Grid.id))}
        return self._grids

    @property
    def grid_index(self) -> GridIndex:
        if self._grid_index is None:
            rows = self.conn.execute(select(Grid.id, Grid.code, Grid.geom).order_by(Grid.id)).all()
            geoms = np.array([r.geom for r in rows], dtype=object)
            self._grid_index = GridIndex(
                [r.id for r in rows], [r.code for r in rows], geoms, shapely.STRtree(geoms)
            )
        return self._grid_index

    def _id_map(self, column_id: Any, column_grid: Any) -> IdMap:
        result = IdMap()
        for id_, grid_id in self.conn.execute(select(column_id, column_grid)):
            result.set(id_, grid_id)
        return result

    @property
    def buildings(self) -> IdMap:
        if self._buildings is None:
            self._buildings = self._id_map(Building.id, Building.grid_id)
        return self._buildings

    @property
    def units(self) -> IdMap:
        if self._units is None:
            self._units = self._id_map(HousingUnit.id, HousingUnit.grid_id)
        return self._units

    @property
    def residents(self) -> IdMap:
        if self._residents is None:
            self._residents = self._id_map(Resident.id, Resident.grid_id)
        return self._residents

    @property
    def addresses(self) -> set[str]:
        """Codes of the address nodes above building level (buildings and rooms are checked by id)."""
        if self._addresses is None:
            levels = ("city", "district", "street", "community", "grid", "estate", "unit")
            rows = self.conn.execute(select(Address.code).where(Address.level.in_(levels)))
            self._addresses = {code for (code,) in rows}
        return self._addresses

    def reset_grids(self) -> None:
        self._grids = None
        self._grid_index = None
