"""Row converters of the large files: buildings, housing units, residents, person–housing relations.
These go in with ``BulkWriter`` (executemany / COPY); buildings are assigned to grids per batch with
the STRtree (vectorised point-in-polygon)."""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely

from xueliang.core.crypto import cipher_for, mask_id_number, mask_phone
from xueliang.grid.enums import RELATION_NAMES, RESIDENCE_NAMES, AddressLevel
from xueliang.grid.loaders import BatchContext, _text
from xueliang.grid.readers import SourceRow
from xueliang.grid.validation import (
    Rejected,
    id_number_ok,
    largest_polygon,
    parse_date,
    parse_float,
    parse_int,
    phone_ok,
    repair_polygonal,
)

ADDRESS_COLUMNS = (
    "code",
    "parent_code",
    "level",
    "name",
    "full_name",
    "lon",
    "lat",
    "grid_id",
    "status",
    "source",
)
BUILDING_COLUMNS = (
    "id",
    "address_code",
    "estate_code",
    "estate_name",
    "number",
    "use",
    "floors_above",
    "floors_below",
    "declared_units",
    "footprint",
    "lon",
    "lat",
    "min_x",
    "min_y",
    "max_x",
    "max_y",
    "grid_id",
    "address",
)
UNIT_COLUMNS = (
    "id",
    "building_id",
    "address_code",
    "entrance",
    "floor",
    "room",
    "area_m2",
    "occupancy",
    "grid_id",
)
RESIDENT_COLUMNS = (
    "id",
    "name",
    "gender",
    "birth_date",
    "id_type",
    "id_no_enc",
    "id_no_hmac",
    "id_no_masked",
    "id_no_valid",
    "phone_enc",
    "phone_hmac",
    "phone_masked",
    "household_id",
    "housing_unit_id",
    "grid_id",
    "residence_type",
    "relation_to_head",
)
RELATION_COLUMNS = (
    "resident_id",
    "housing_unit_id",
    "relation",
    "residence_type",
    "valid_from",
    "valid_to",
    "source",
)
ID_LABEL, PHONE_LABEL = "resident.id_number", "resident.phone"
ROOM_CODE_LEN, ENTRANCE_SUFFIX = 25, 4


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _addr_row(
    code: str,
    parent: str | None,
    level: AddressLevel,
    name: str,
    grid_id: int | None,
    full_name: str = "",
    lon: float | None = None,
    lat: float | None = None,
) -> tuple[Any, ...]:
    return (code, parent, str(level), name, full_name, lon, lat, grid_id, "active", "import")


class BuildingLoader:
    kind = "buildings"

    def convert(self, row: SourceRow, ctx: BatchContext) -> Any:
        props = row.props
        building_id = parse_int(props.get("building_id") or props.get("id"), "building_id", required=True)
        assert building_id is not None
        if building_id <= 0 or ctx.state.buildings.has(building_id):
            raise Rejected("building_id", "duplicate or not positive")
        footprint = self._footprint(row, ctx)
        lon = parse_float(props.get("lon"), "lon")
        lat = parse_float(props.get("lat"), "lat")
        if lon is None or lat is None:
            if footprint is None:
                raise Rejected("lon", "no position: neither lon/lat nor a footprint")
            lon, lat = footprint.representative_point().coords[0]
        floors = parse_int(props.get("floors"), "floors")
        if floors is not None and not 0 <= floors <= 200:
            raise Rejected("floors", f"implausible number of floors {floors}")
        ctx.state.buildings.set(building_id, None)
        return {
            "id": building_id,
            "footprint": footprint,
            "lon": lon,
            "lat": lat,
            "floors": floors,
            "address_code": _text(props, "address_code", limit=32) or None,
            "estate_code": _text(props, "estate_code", limit=32) or None,
            "estate_name": _text(props, "estate_name") or None,
            "number": _text(props, "number", limit=32) or None,
            "use": _text(props, "use", limit=32) or None,
            "grid_code": _text(props, "grid_code", limit=32),
            "floors_below": parse_int(props.get("floors_below"), "floors_below"),
            "units": parse_int(props.get("housing_units"), "housing_units"),
            "address": _text(props, "address", limit=500) or None,
        }

    @staticmethod
    def _footprint(row: SourceRow, ctx: BatchContext) -> Any:
        """The common case (a non-empty polygon) as is: its validity is checked per batch in flush."""
        if row.geom is None:
            return None
        if row.geom.geom_type == "Polygon" and not row.geom.is_empty:
            return row.geom
        return BuildingLoader._repaired(row.line, row.geom, ctx)

    @staticmethod
    def _repaired(line: int, geom: Any, ctx: BatchContext) -> Any:
        try:
            fixed, note = repair_polygonal(geom, "footprint")
        except Rejected as exc:
            ctx.report(line, "footprint", exc.reason, "field dropped")
            return None
        if note:
            ctx.report(line, "footprint", note, "repaired")
        return largest_polygon(fixed)

    def _valid_shapes(self, items: list[tuple[int, Any]], ctx: BatchContext) -> Any:
        """Footprints of the batch, invalid ones repaired (or dropped) and reported (one GEOS call)."""
        shapes = np.array([i["footprint"] for _, i in items], dtype=object)
        broken = ~shapely.is_valid(shapes) & ~shapely.is_missing(shapes)
        for k in np.flatnonzero(broken).tolist():
            line, item = items[k]
            item["footprint"] = shapes[k] = self._repaired(line, shapes[k], ctx)
        return shapes

    def flush(self, items: list[tuple[int, Any]], ctx: BatchContext) -> None:
        if not items:
            return
        state, postgis = ctx.state, ctx.writer.postgres
        index = state.grid_index
        code_of = dict(zip(index.ids, index.codes, strict=True))
        grid_ids = index.assign([i["lon"] for _, i in items], [i["lat"] for _, i in items])
        shapes = self._valid_shapes(items, ctx)
        if postgis:
            stored = shapely.to_wkb(shapely.set_srid(shapes, 4326), hex=True, include_srid=True)
        else:
            stored = shapely.to_wkb(shapes)
        bounds = shapely.bounds(shapes).tolist()
        addresses, buildings = [], []
        for (line, item), grid_id, blob, box in zip(items, grid_ids.tolist(), stored, bounds, strict=True):
            grid = self._check_grid(line, item, grid_id, code_of, ctx)
            state.buildings.set(item["id"], grid)
            addresses.extend(self._addresses(item, grid, code_of.get(grid or -1), state.addresses))
            buildings.append(self._row(item, grid, blob, box))
        ctx.writer.insert("address", ADDRESS_COLUMNS, addresses)
        ctx.writer.insert("building", BUILDING_COLUMNS, buildings)

    @staticmethod
    def _check_grid(
        line: int, item: dict[str, Any], grid_id: int, code_of: dict[int, str], ctx: BatchContext
    ) -> int | None:
        if grid_id < 0:
            ctx.report(line, "lon", "position lies outside every grid: no grid assigned", "warning")
            return None
        declared = item["grid_code"]
        if declared and declared != code_of[grid_id]:
            ctx.report(
                line, "grid_code", f"file says {declared}, position lies in {code_of[grid_id]}", "reassigned"
            )
        return grid_id

    @staticmethod
    def _addresses(
        item: dict[str, Any], grid: int | None, grid_code: str | None, known: set[str]
    ) -> list[tuple[Any, ...]]:
        rows: list[tuple[Any, ...]] = []
        parent = grid_code
        estate = item["estate_code"]
        if estate and grid_code:
            if estate not in known:
                known.add(estate)
                rows.append(
                    _addr_row(estate, grid_code, AddressLevel.estate, item["estate_name"] or estate, grid)
                )
            parent = estate
        if item["address_code"]:
            name = f"{item['number']}栋" if item["number"] else item["address_code"]
            rows.append(
                _addr_row(
                    item["address_code"],
                    parent,
                    AddressLevel.building,
                    name,
                    grid,
                    item["address"] or "",
                    item["lon"],
                    item["lat"],
                )
            )
        return rows

    @staticmethod
    def _row(item: dict[str, Any], grid: int | None, blob: Any, box: list[float]) -> tuple[Any, ...]:
        present = item["footprint"] is not None
        bounds = box if present else (item["lon"], item["lat"], item["lon"], item["lat"])
        return (
            item["id"],
            item["address_code"],
            item["estate_code"],
            item["estate_name"],
            item["number"],
            item["use"],
            item["floors"],
            item["floors_below"],
            item["units"],
            blob if present else None,
            item["lon"],
            item["lat"],
            *bounds,
            grid,
            item["address"],
        )


class UnitLoader:
    kind = "housing_units"

    def convert(self, row: SourceRow, ctx: BatchContext) -> Any:
        props = row.props
        unit_id = parse_int(props.get("unit_id") or props.get("id"), "unit_id", required=True)
        building_id = parse_int(props.get("building_id"), "building_id", required=True)
        assert unit_id is not None
        assert building_id is not None
        if unit_id <= 0 or ctx.state.units.has(unit_id):
            raise Rejected("unit_id", "duplicate or not positive")
        if not ctx.state.buildings.has(building_id):
            raise Rejected("building_id", f"unknown building {building_id}")
        grid = ctx.state.buildings.get(building_id)
        ctx.state.units.set(unit_id, grid)
        return (
            unit_id,
            building_id,
            _text(props, "address_code", limit=32) or None,
            _text(props, "entrance", limit=8),
            parse_int(props.get("floor"), "floor"),
            _text(props, "room", limit=16),
            parse_float(props.get("area_m2"), "area_m2"),
            _text(props, "occupancy", limit=16) or None,
            grid,
            _text(props, "address", limit=500),
        )

    def flush(self, items: list[tuple[int, Any]], ctx: BatchContext) -> None:
        known, addresses = ctx.state.addresses, []
        for _line, unit in items:
            code, entrance, grid, full = unit[2], unit[3], unit[8], unit[9]
            if not code:
                continue
            parent = None
            if len(code) == ROOM_CODE_LEN and code.isdigit():
                parent = code[:-ENTRANCE_SUFFIX]
                if parent not in known:
                    known.add(parent)
                    addresses.append(
                        _addr_row(parent, code[:-6], AddressLevel.unit, f"{int(entrance or 0)}单元", grid)
                    )
            addresses.append(_addr_row(code, parent, AddressLevel.room, unit[5] or code, grid, full))
        ctx.writer.insert("address", ADDRESS_COLUMNS, addresses)
        ctx.writer.insert("housing_unit", UNIT_COLUMNS, [u[:9] for _, u in items])


class ResidentLoader:
    kind = "persons"

    def convert(self, row: SourceRow, ctx: BatchContext) -> Any:
        props = row.props
        person_id = parse_int(props.get("person_id") or props.get("id"), "person_id", required=True)
        assert person_id is not None
        if person_id <= 0 or ctx.state.residents.has(person_id):
            raise Rejected("person_id", "duplicate or not positive")
        gender = _text(props, "gender", limit=1) or None
        if gender not in (None, "0", "1", "2", "9"):
            raise Rejected("gender", "not a GB/T 2261.1 code (0, 1, 2, 9)")
        unit_id = parse_int(props.get("housing_unit_id"), "housing_unit_id")
        if unit_id is not None and not ctx.state.units.has(unit_id):
            ctx.report(
                row.line, "housing_unit_id", f"unknown housing unit {unit_id}: kept without", "field dropped"
            )
            unit_id = None
        grid = ctx.state.units.get(unit_id) if unit_id is not None else None
        ctx.state.residents.set(person_id, grid)
        return (
            person_id,
            _text(props, "name", required=True, limit=100),
            gender,
            _iso(parse_date(_text(props, "birth_date"), "birth_date")),
            "111",
            *self._id_number(row, ctx),
            *self._phone(row, ctx),
            parse_int(props.get("household_id"), "household_id"),
            unit_id,
            grid,
            self._residence(row, ctx),
            _text(props, "relation", limit=16) or None,
        )

    @staticmethod
    def _id_number(row: SourceRow, ctx: BatchContext) -> tuple[Any, ...]:
        value = "".join(_text(row.props, "id_number", limit=32).split()).upper()
        if not value:
            return (None, None, None, True)
        valid = id_number_ok(value)
        if not valid:
            ctx.report(row.line, "id_number", "fails the GB 11643 checksum: imported and flagged", "flagged")
        cipher = cipher_for(ctx.secret, ID_LABEL)
        return (
            cipher.encrypt(value, context=ID_LABEL),
            cipher.blind_index(value),
            mask_id_number(value),
            valid,
        )

    @staticmethod
    def _phone(row: SourceRow, ctx: BatchContext) -> tuple[Any, ...]:
        value = _text(row.props, "phone", limit=32).replace(" ", "").replace("-", "")
        if not value:
            return (None, None, None)
        if not phone_ok(value):
            ctx.report(row.line, "phone", "not an 11-digit number starting with 1: dropped", "field dropped")
            return (None, None, None)
        cipher = cipher_for(ctx.secret, PHONE_LABEL)
        return (cipher.encrypt(value, context=PHONE_LABEL), cipher.blind_index(value), mask_phone(value))

    @staticmethod
    def _residence(row: SourceRow, ctx: BatchContext) -> str | None:
        value = _text(row.props, "residence_type", limit=16)
        if not value:
            return None
        if value in RESIDENCE_NAMES:
            return str(RESIDENCE_NAMES[value])
        if value in {str(v) for v in RESIDENCE_NAMES.values()}:
            return value
        raise Rejected("residence_type", f"unknown residence type {value!r}")

    def flush(self, items: list[tuple[int, Any]], ctx: BatchContext) -> None:
        ctx.writer.insert("resident", RESIDENT_COLUMNS, [item for _, item in items])


class RelationLoader:
    kind = "person_housing"

    def convert(self, row: SourceRow, ctx: BatchContext) -> Any:
        props = row.props
        person_id = parse_int(props.get("person_id"), "person_id", required=True)
        unit_id = parse_int(props.get("housing_unit_id"), "housing_unit_id", required=True)
        assert person_id is not None
        assert unit_id is not None
        if not ctx.state.residents.has(person_id):
            raise Rejected("person_id", f"unknown resident {person_id}")
        if not ctx.state.units.has(unit_id):
            raise Rejected("housing_unit_id", f"unknown housing unit {unit_id}")
        relation = _text(props, "relation", required=True, limit=16)
        if relation not in RELATION_NAMES:
            raise Rejected("relation", f"unknown relation {relation!r}")
        residence = _text(props, "residence_type", limit=16)
        return (
            person_id,
            unit_id,
            str(RELATION_NAMES[relation]),
            str(RESIDENCE_NAMES[residence]) if residence in RESIDENCE_NAMES else None,
            parse_date(_text(props, "valid_from"), "valid_from"),
            parse_date(_text(props, "valid_to"), "valid_to"),
            "import",
        )

    def flush(self, items: list[tuple[int, Any]], ctx: BatchContext) -> None:
        rows = [(*item[:4], *(d.isoformat() if d else None for d in item[4:6]), item[6]) for _, item in items]
        ctx.writer.insert("resident_housing", RELATION_COLUMNS, rows)
