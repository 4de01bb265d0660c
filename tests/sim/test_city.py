from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import orjson
import shapely

from xueliang.sim import idnumbers
from xueliang.sim.city import generate_city
from xueliang.sim.manifest import read_manifest
from xueliang.sim.progress import Steps
from xueliang.sim.targets import targets_for


def _features(path: Path) -> list[dict[str, object]]:
    data: dict[str, list[dict[str, object]]] = orjson.loads(path.read_bytes())
    return data["features"]


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_generate_city__same_seed_same_bytes(tmp_path: Path) -> None:
    for name in ("a", "b"):
        generate_city(tmp_path / name, 11, 0.002, Steps(None))
    assert (tmp_path / "a/manifest.json").read_bytes() == (tmp_path / "b/manifest.json").read_bytes()
    generate_city(tmp_path / "c", 12, 0.002, Steps(None))
    assert (tmp_path / "a/manifest.json").read_bytes() != (tmp_path / "c/manifest.json").read_bytes()


def test_generate_city__manifest_counts_proportional(city_dir: Path) -> None:
    m = read_manifest(city_dir)
    t = targets_for(0.01)
    c = m["counts"]
    assert (c["grids"], c["buildings"], c["housing_units"], c["residents"]) == (
        t.grids,
        t.buildings,
        t.housing_units,
        t.residents,
    )
    rows = {f["path"]: f["rows"] for f in m["files"]}
    assert rows["persons.csv"] == t.residents
    assert rows["buildings.geojson"] == t.buildings


def test_generate_city__written_buildings_inside_written_grids(city_dir: Path) -> None:
    grids = _features(city_dir / "grids.geojson")
    gcode = [str(g["properties"]["code"]) for g in grids]  # type: ignore[index]
    gpoly = shapely.from_geojson([orjson.dumps(g["geometry"]).decode() for g in grids])
    blds = _features(city_dir / "buildings.geojson")
    bpoly = shapely.from_geojson([orjson.dumps(b["geometry"]).decode() for b in blds])
    idx = np.asarray([gcode.index(str(b["properties"]["grid_code"])) for b in blds])  # type: ignore[index]
    assert shapely.within(bpoly, gpoly[idx]).all()


def test_generate_city__grids_inside_communities(city_dir: Path) -> None:
    areas = {str(f["properties"]["code"]): f for f in _features(city_dir / "admin_areas.geojson")}  # type: ignore[index]
    for g in _features(city_dir / "grids.geojson"):
        comm = areas[str(g["properties"]["community_code"])]  # type: ignore[index]
        outer = shapely.from_geojson(orjson.dumps(comm["geometry"]).decode()).buffer(1e-6)
        assert outer.contains(shapely.from_geojson(orjson.dumps(g["geometry"]).decode()))


def test_generate_city__ids_valid_and_reserved(city_dir: Path) -> None:
    rows = _rows(city_dir / "persons.csv")
    assert all(idnumbers.is_valid(r["id_number"]) and idnumbers.is_reserved(r["id_number"]) for r in rows)
    assert len({r["id_number"] for r in rows}) == len(rows)
    assert all(r["phone"] == "" or r["phone"].startswith("100") for r in rows)


def test_generate_city__camera_ids_are_20_digits(city_dir: Path) -> None:
    cams = _rows(city_dir / "cameras.csv")
    assert all(len(c["device_id"]) == 20 and c["device_id"].isdigit() for c in cams)
    assert len({c["device_id"] for c in cams}) == len(cams)
    tollgates = {r["tollgate_id"] for r in _rows(city_dir / "tollgates.csv")}
    assert {c["tollgate_id"] for c in cams if c["kind"] == "checkpoint"} <= tollgates
