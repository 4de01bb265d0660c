"""Import orchestration: a directory written by `xueliang sim city` (departments, tollgates,
cameras, lanes — in that order, so references resolve), or one generic CSV / JSON file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xueliang.auth.models import OrgUnit
from xueliang.camera.gbid import parse_gbid
from xueliang.camera.importer import ChannelImporter, Options, RowError, Stats, _num, _text, batches
from xueliang.camera.models import Channel, Lane, Tollgate
from xueliang.camera.readers import Rejected, iter_rows
from xueliang.core.exceptions import InvalidInputError

SIM_FILES = ("departments.csv", "tollgates.csv", "cameras.csv", "lanes.csv")


def import_path(*, db: Session, path: Path, options: Options) -> Stats:
    stats = Stats()
    if path.is_dir():
        found = [path / name for name in SIM_FILES if (path / name).is_file()]
        if not found:
            raise InvalidInputError(f"{path}: no {', '.join(SIM_FILES)} found", field="path")
        for file in found:
            _import_file(db=db, file=file, options=options, stats=stats)
    elif path.is_file():
        _import_file(db=db, file=path, options=options, stats=stats)
    else:
        raise InvalidInputError(f"{path} does not exist", field="path")
    return stats


def _import_file(*, db: Session, file: Path, options: Options, stats: Stats) -> None:
    name = file.name
    if name == "departments.csv":
        _each(db, file, stats, _department)
    elif name == "tollgates.csv":
        _each(db, file, stats, _tollgate)
    elif name == "lanes.csv":
        _each(db, file, stats, _lane)
    else:
        ChannelImporter(db=db, options=options, stats=stats).run(file)


def _each(db: Session, file: Path, stats: Stats, handle: Any) -> None:
    for chunk in batches(iter_rows(file)):
        for line, row in chunk:
            try:
                with db.begin_nested():
                    handle(db, row, stats)
            except InvalidInputError as exc:
                stats.rejected.append(Rejected(file.name, line, exc.field or "", exc.detail))
        db.flush()


def _department(db: Session, row: dict[str, Any], stats: Stats) -> None:
    code = _text(row, "department_code", required=True, limit=64) or ""
    unit = db.scalar(select(OrgUnit).where(OrgUnit.code == code))
    parent_code = _text(row, "parent_code", limit=64)
    parent = db.scalar(select(OrgUnit.id).where(OrgUnit.code == parent_code)) if parent_code else None
    if parent_code and parent is None:
        raise RowError(
            f"parent department {parent_code} is not known (list parents first)", field="parent_code"
        )
    stats.count("departments", new=unit is None)
    if unit is None:
        unit = OrgUnit(code=code)
        db.add(unit)
    unit.name = _text(row, "name", required=True) or code
    unit.kind, unit.parent_id = _text(row, "kind", limit=32) or "department", parent


def _tollgate(db: Session, row: dict[str, Any], stats: Stats) -> None:
    tollgate_id = _text(row, "tollgate_id", required=True, limit=20) or ""
    parse_gbid(tollgate_id, field="tollgate_id", types=frozenset({"121"}))
    gate = db.scalar(select(Tollgate).where(Tollgate.tollgate_id == tollgate_id))
    stats.count("tollgates", new=gate is None)
    if gate is None:
        gate = Tollgate(tollgate_id=tollgate_id)
        db.add(gate)
    gate.name = _text(row, "name", required=True) or ""
    gate.longitude, gate.latitude = _num(row, "lon", -180, 180), _num(row, "lat", -90, 90)
    gate.region_code = _text(row, "place_code", limit=12)
    gate.category = "1" if row.get("kind") == "entrance" else "2"  # TollgateCat: 1 城际, 2 城区
    gate.lane_count = int(_num(row, "lane_num", 0, 99) or 0)


def _lane(db: Session, row: dict[str, Any], stats: Stats) -> None:
    tollgate_id = _text(row, "tollgate_id", required=True, limit=20) or ""
    gate = db.scalar(select(Tollgate.id).where(Tollgate.tollgate_id == tollgate_id))
    if gate is None:
        raise RowError(f"tollgate {tollgate_id} is not registered", field="tollgate_id")
    lane_no = int(_num(row, "lane_no", 1, 99) or 0)
    if lane_no == 0:
        raise RowError("is required", field="lane_no")
    device_id = _text(row, "device_id", limit=20)
    channel = db.scalar(select(Channel.id).where(Channel.channel_id == device_id)) if device_id else None
    if device_id and channel is None:
        raise RowError(f"camera {device_id} is not registered", field="device_id")
    lane = db.scalar(select(Lane).where(Lane.tollgate_pk == gate, Lane.lane_no == lane_no))
    stats.count("lanes", new=lane is None)
    if lane is None:
        lane = Lane(tollgate_pk=gate, lane_no=lane_no)
        db.add(lane)
    lane.direction, lane.channel_pk = _text(row, "direction", limit=8) or "", channel
