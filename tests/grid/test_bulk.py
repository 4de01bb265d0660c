"""Bulk loading: batches atomic with their checkpoint, a refused batch replayed row by row, and the
plain indexes of the big tables built once after a large SQLite import (also after a resume)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, inspect, select
from sqlalchemy.orm import Session

from tests.grid.conftest import SECRET
from xueliang.core.db import make_engine
from xueliang.core.migrate import upgrade
from xueliang.grid import importer as importer_module
from xueliang.grid.bulk import secondary_indexes
from xueliang.grid.importer import Importer
from xueliang.grid.loaders_housing import ResidentLoader
from xueliang.grid.models import HousingUnit, Resident


def _fresh(backend: str, fresh_database_url: object) -> Engine:
    engine = make_engine(fresh_database_url(backend))  # type: ignore[operator]
    upgrade(engine)
    return engine


def _counts(city: Path) -> dict[str, int]:
    return json.loads((city / "manifest.json").read_text())["counts"]


def _index_names(engine: Engine) -> set[str]:
    inspector = inspect(engine)
    tables = {i.table.name for i in secondary_indexes()}  # type: ignore[union-attr]
    return {str(i["name"]) for t in tables for i in inspector.get_indexes(t)}


def _copy_city(src: Path, out: Path) -> Path:
    out.mkdir()
    for path in src.iterdir():
        if path.is_file() and path.name != "import-report.csv":
            (out / path.name).write_bytes(path.read_bytes())
    return out


def test_bulk__refused_batch_replayed_row_by_row(
    backend: str, fresh_database_url: object, tiny_city: Path, tmp_path: Path
) -> None:
    city = _copy_city(tiny_city, tmp_path / "city")
    with (city / "housing_units.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    code_at = rows[0].index("address_code")
    rows[5][code_at] = "9" * 19 + rows[5][code_at][19:]  # its building's address does not exist
    with (city / "housing_units.csv").open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    engine = _fresh(backend, fresh_database_url)
    summary = Importer(engine, city, SECRET, tmp_path / "r.csv", batch_size=300, progress=False).run()
    with Session(engine) as db:
        units = db.scalar(select(func.count()).select_from(HousingUnit))
    engine.dispose()
    with (tmp_path / "r.csv").open(encoding="utf-8") as handle:
        report = [r for r in csv.DictReader(handle) if r["file"] == "housing_units.csv"]
    assert [(r["line"], r["action"]) for r in report] == [("6", "rejected")]  # only that row
    assert "refused by the database" in report[0]["reason"]
    assert units == _counts(city)["housing_units"] - 1
    assert next(f for f in summary.files if f.file == "housing_units.csv").rejected == 1


def test_bulk__large_sqlite_import_builds_indexes_after_the_load(
    backend: str, fresh_database_url: object, tiny_city: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importer_module, "DEFER_INDEX_BYTES", 0)  # the tiny city counts as large
    engine = _fresh(backend, fresh_database_url)
    expected = {str(i.name) for i in secondary_indexes()}
    real_flush, calls = ResidentLoader.flush, []

    def failing_flush(self: ResidentLoader, items: list[object], ctx: object) -> None:
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        real_flush(self, items, ctx)  # type: ignore[arg-type]

    monkeypatch.setattr(ResidentLoader, "flush", failing_flush)
    with pytest.raises(KeyboardInterrupt):
        Importer(engine, tiny_city, SECRET, tmp_path / "r.csv", batch_size=500, progress=False).run()
    interrupted = _index_names(engine)
    monkeypatch.setattr(ResidentLoader, "flush", real_flush)
    summary = Importer(engine, tiny_city, SECRET, tmp_path / "r.csv", batch_size=500, progress=False).run()
    resumed = _index_names(engine)
    with Session(engine) as db:
        residents = db.scalar(select(func.count()).select_from(Resident))
    engine.dispose()
    assert residents == _counts(tiny_city)["residents"]
    assert expected <= resumed
    if backend == "sqlite":
        assert not expected & interrupted  # dropped while loading, rebuilt at the end of the resumed run
        assert summary.indexes_built == len(expected)
    else:
        assert expected <= interrupted  # PostgreSQL (COPY) keeps its indexes
