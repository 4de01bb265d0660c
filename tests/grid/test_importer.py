"""The import: counts, encryption, bad input reported, resumable, other formats."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from tests.grid.conftest import SECRET
from xueliang.core.crypto import cipher_for
from xueliang.core.db import make_engine
from xueliang.core.migrate import upgrade
from xueliang.grid.importer import Importer, ImportSummary
from xueliang.grid.loaders_housing import ID_LABEL, ResidentLoader
from xueliang.grid.models import Address, Building, Grid, GridMember, HousingUnit, Resident, ResidentHousing
from xueliang.grid.readers import iter_rows


def _manifest(city: Path) -> dict[str, int]:
    return json.loads((city / "manifest.json").read_text())["counts"]


def _report(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _fresh(backend: str, fresh_database_url: object) -> Engine:
    engine = make_engine(fresh_database_url(backend))  # type: ignore[operator]
    upgrade(engine)
    return engine


def test_import__sim_city_counts(
    city_import: tuple[Engine, ImportSummary], city_db: Session, tiny_city: Path
) -> None:
    _, summary = city_import
    counts = _manifest(tiny_city)
    assert sum(f.rejected for f in summary.files) == 0
    assert summary.coverage_issues == 0
    assert city_db.scalar(select(func.count()).select_from(Grid)) == counts["grids"]
    assert city_db.scalar(select(func.count()).select_from(Building)) == counts["buildings"]
    assert city_db.scalar(select(func.count()).select_from(HousingUnit)) == counts["housing_units"]
    assert city_db.scalar(select(func.count()).select_from(Resident)) == counts["residents"]
    assert city_db.scalar(select(func.count(Building.id)).where(Building.grid_id.is_(None))) == 0
    assert city_db.scalar(select(func.count()).select_from(ResidentHousing)) > counts["residents"] * 0.9
    assert city_db.scalar(select(func.count()).select_from(GridMember)) >= counts["grids"]
    levels = set(city_db.scalars(select(Address.level).distinct()))
    assert {"district", "street", "community", "grid", "estate", "building", "unit", "room"} <= levels


def test_import__identity_encrypted_and_masked(city_db: Session, tiny_city: Path) -> None:
    with (tiny_city / "persons.csv").open(encoding="utf-8") as handle:
        first = next(csv.DictReader(handle))
    resident = city_db.get(Resident, int(first["person_id"]))
    assert resident is not None
    assert first["id_number"] not in (resident.id_no_enc or "")
    assert resident.id_no_masked == first["id_number"][:3] + "*" * 11 + first["id_number"][-4:]
    assert resident.phone_masked is None or resident.phone_masked.count("*") == 4
    cipher = cipher_for(SECRET, ID_LABEL)
    assert cipher.decrypt(resident.id_no_enc or "", context=ID_LABEL) == first["id_number"]
    assert resident.id_no_hmac == cipher.blind_index(first["id_number"])


def _bad_city(src: Path, out: Path) -> Path:
    """The tiny city with damage: a bow-tie grid, a broken line, bad floors, bad IDs and phones."""
    out.mkdir()
    for name in ("admin_areas.geojson", "housing_units.csv", "person_housing.csv", "users.csv"):
        (out / name).write_bytes((src / name).read_bytes())
    grids = (src / "grids.geojson").read_text(encoding="utf-8").splitlines()
    first = json.loads(grids[1].rstrip(","))
    bowtie = dict(first, properties=dict(first["properties"], code=first["properties"]["code"][:-3] + "999"))
    (x0, y0), (x1, y1) = first["geometry"]["coordinates"][0][:2]
    bowtie["geometry"] = {
        "type": "Polygon",
        "coordinates": [[[x0, y0], [x1, y1], [x0, y1], [x1, y0], [x0, y0]]],
    }
    grids.insert(2, json.dumps(bowtie, ensure_ascii=False) + ",")
    (out / "grids.geojson").write_text("\n".join(grids) + "\n", encoding="utf-8")
    lines = (src / "buildings.csv").read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2] + ",extra"
    parts = lines[3].split(",")
    parts[7] = "many"
    lines[3] = ",".join(parts)
    (out / "buildings.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (out / "buildings.geojson").write_bytes((src / "buildings.geojson").read_bytes())
    people = (src / "persons.csv").read_text(encoding="utf-8").splitlines()
    p = people[1].split(",")
    p[4] = p[4][:17] + ("0" if p[4][17] != "0" else "1")
    people[1] = ",".join(p)
    q = people[2].split(",")
    q[5] = "12345"
    people[2] = ",".join(q)
    (out / "persons.csv").write_text("\n".join(people) + "\n", encoding="utf-8")
    return out


def test_import__bad_input_reported(
    backend: str, fresh_database_url: object, tiny_city: Path, tmp_path: Path
) -> None:
    city = _bad_city(tiny_city, tmp_path / "bad")
    engine = _fresh(backend, fresh_database_url)
    summary = Importer(engine, city, SECRET, tmp_path / "r.csv", batch_size=300, progress=False).run()
    rows = _report(tmp_path / "r.csv")
    engine.dispose()
    by = {(r["file"], r["line"], r["field"]): r for r in rows}
    assert by[("buildings.csv", "3", "")]["action"] == "rejected"
    assert "columns" in by[("buildings.csv", "3", "")]["reason"]
    assert by[("buildings.csv", "4", "floors")]["action"] == "rejected"
    assert by[("persons.csv", "2", "id_number")]["action"] == "flagged"
    assert by[("persons.csv", "3", "phone")]["action"] == "field dropped"
    assert by[("grids.geojson", "3", "geometry")]["action"] == "repaired"
    assert any(r["action"] == "overlap" for r in rows)
    assert summary.coverage_issues >= 1
    buildings = next(f for f in summary.files if f.file == "buildings.csv")
    assert buildings.rejected == 2
    assert buildings.imported == buildings.read - 2


def test_import__resumes_after_interruption(
    backend: str, fresh_database_url: object, tiny_city: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = _fresh(backend, fresh_database_url)
    real_flush, calls = ResidentLoader.flush, []

    def failing_flush(self: ResidentLoader, items: list[object], ctx: object) -> None:
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        real_flush(self, items, ctx)  # type: ignore[arg-type]

    monkeypatch.setattr(ResidentLoader, "flush", failing_flush)
    with pytest.raises(KeyboardInterrupt):
        Importer(engine, tiny_city, SECRET, tmp_path / "r.csv", batch_size=400, progress=False).run()
    monkeypatch.setattr(ResidentLoader, "flush", real_flush)
    summary = Importer(engine, tiny_city, SECRET, tmp_path / "r.csv", batch_size=400, progress=False).run()
    with Session(engine) as db:
        residents = db.scalar(select(func.count()).select_from(Resident))
    engine.dispose()
    assert residents == _manifest(tiny_city)["residents"]
    assert [f.file for f in summary.files if f.skipped] == [
        "admin_areas.geojson",
        "grids.geojson",
        "buildings.csv",
        "housing_units.csv",
    ]
    persons = next(f for f in summary.files if f.file == "persons.csv")
    assert persons.rejected == 0
    assert persons.read == residents - 800


def test_readers__xlsx_rows(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["person_id", "name"])
    sheet.append([1, "张三"])
    sheet.append([2, None])
    book.save(tmp_path / "persons.xlsx")
    rows = list(iter_rows(tmp_path / "persons.xlsx"))
    assert [(r.line, r.props) for r in rows] == [
        (2, {"person_id": "1", "name": "张三"}),
        (3, {"person_id": "2", "name": ""}),
    ]


def test_readers__geopackage_rows(tmp_path: Path) -> None:
    import numpy as np
    import shapely
    from pyogrio.raw import write

    path = tmp_path / "grids.gpkg"
    geoms = shapely.to_wkb(np.array([shapely.box(112, 28, 112.01, 28.01)], dtype=object))
    write(
        path,
        geometry=geoms,
        field_data=[np.array(["990101001001001"])],
        fields=["code"],
        geometry_type="Polygon",
        crs="EPSG:4326",
    )
    rows = list(iter_rows(path))
    assert rows[0].props == {"code": "990101001001001"}
    assert rows[0].geom.equals(shapely.box(112, 28, 112.01, 28.01))
