from __future__ import annotations

from pathlib import Path

import numpy as np
import orjson
import pytest

from xueliang.sim.city import Network
from xueliang.sim.faces import decode_feature
from xueliang.sim.manifest import read_manifest
from xueliang.sim.progress import Steps
from xueliang.sim.routes import build_routes, direction_code
from xueliang.sim.traffic import generate_traffic
from xueliang.viewlib.kinds import FACE, MOTOR_VEHICLE, Kind
from xueliang.viewlib.parse import ParseOptions, parse_object


@pytest.fixture(scope="module")
def traffic_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("traffic")
    generate_traffic(out, 7, 0.01, "2026-11-01T00:00", 24, Steps(None))
    return out


def _records(folder: Path) -> list[dict[str, object]]:
    return [
        orjson.loads(line) for f in sorted(folder.glob("*.ndjson")) for line in f.read_bytes().splitlines()
    ]


def test_generate_traffic__same_seed_same_bytes(tmp_path: Path) -> None:
    for name in ("a", "b"):
        generate_traffic(tmp_path / name, 3, 0.003, "2026-11-01T06:00", 4, Steps(None))
    assert (tmp_path / "a/manifest.json").read_bytes() == (tmp_path / "b/manifest.json").read_bytes()


def test_generate_traffic__passes_physically_possible_except_clones(
    traffic_dir: Path, network: Network
) -> None:
    recs = _records(traffic_dir / "motor_vehicles")
    assert len(recs) > 50_000
    truth = orjson.loads((traffic_dir / "truth.json").read_bytes())
    cloned = {c["plate_no"] for c in truth["cloned_plates"]}
    tg = {tid: i for i, tid in enumerate(network.tollgates.tollgate_id)}
    xy = network.roads.node_xy[network.tollgates.node]
    plate = np.asarray([str(r["PlateNo"]) for r in recs])
    t = np.asarray(
        [
            int(str(r["PassTime"])[8:10]) * 3600
            + int(str(r["PassTime"])[10:12]) * 60
            + int(str(r["PassTime"])[12:])
            for r in recs
        ]
    )
    where = xy[np.asarray([tg[str(r["TollgateID"])] for r in recs])]
    order = np.lexsort((t, plate))
    same = plate[order][1:] == plate[order][:-1]
    d = np.hypot(*(where[order][1:] - where[order][:-1]).T)
    kmh = d / (t[order][1:] - t[order][:-1] + 1) * 3.6
    bad = set(plate[order][1:][same & (kmh > 150)].tolist())
    assert bad <= cloned


def test_generate_traffic__records_are_gat1400_shaped(traffic_dir: Path) -> None:
    rec = _records(traffic_dir / "motor_vehicles")[0]
    assert len(str(rec["MotorVehicleID"])) == 48 and len(str(rec["SourceID"])) == 41
    assert str(rec["MotorVehicleID"]).startswith(str(rec["SourceID"]))
    assert rec["PlateColor"] in {"5", "6", "9"}
    face = _records(traffic_dir / "faces")[0]
    assert len(str(face["FaceID"])) == 48 and "IDNumber" not in face


def test_generate_traffic__same_identity_features_match(traffic_dir: Path) -> None:
    faces = _records(traffic_dir / "faces")[:3000]
    ids = [
        line.split(",")
        for f in sorted((traffic_dir / "faces").glob("*.identity.csv"))
        for line in f.read_text().splitlines()[1:]
    ]
    who = dict(ids)
    feats = np.stack([decode_feature(str(f["FeatureInfoObject"]["FeatureData"])) for f in faces])  # type: ignore[index]
    ident = np.asarray([int(who[str(f["FaceID"])]) for f in faces])
    sim = feats @ feats.T
    same = ident[:, None] == ident[None, :]
    np.fill_diagonal(same, False)
    diff = ident[:, None] != ident[None, :]
    assert sim[same].min() > 0.5
    assert sim[diff].max() < 0.5


def test_generate_traffic__truth_and_manifest(traffic_dir: Path) -> None:
    truth = orjson.loads((traffic_dir / "truth.json").read_bytes())
    assert {
        "cloned_plates",
        "watchlist_plates",
        "watchlist_identities",
        "first_appearance",
        "frequent_night",
    } <= set(truth)
    assert all(len(c["vehicles"]) == 2 for c in truth["cloned_plates"])
    assert any(v["injected"] for v in truth["frequent_night"]["vehicles"])
    m = read_manifest(traffic_dir)
    assert m["counts"]["passes"] == sum(
        f["rows"] for f in m["files"] if f["path"].startswith("motor_vehicles")
    )


def test_direction_code__compass_sectors() -> None:
    dx = np.array([1.0, -1.0, 0.0, 0.0, 1.0])
    dy = np.array([0.0, 0.0, 1.0, -1.0, 1.0])
    assert direction_code(dx, dy).tolist() == [2, 1, 3, 4, 8]


def test_build_routes__offsets_cover_all_pairs(network: Network) -> None:
    r = build_routes(network, 7, n_zones=20)
    assert len(r.offsets) == r.n_zones**2 + 1
    assert r.offsets[-1] == len(r.tollgate)


@pytest.mark.parametrize(("folder", "kind"), [("motor_vehicles", MOTOR_VEHICLE), ("faces", FACE)])
def test_generate_traffic__round_trips_view_library_parser(
    traffic_dir: Path, folder: str, kind: Kind
) -> None:
    """Every simulated object is accepted by the view library's GA/T 1400 parser, losslessly."""
    recs = _records(traffic_dir / folder)
    assert recs
    opts = ParseOptions(tz="Asia/Shanghai")
    for rec in recs[:500]:
        parsed = parse_object(kind, rec, opts)
        assert parsed.raw == rec
        assert parsed.object_id == rec[kind.id_field]
        if kind is MOTOR_VEHICLE:
            assert parsed.row["plate_no"] == rec["PlateNo"]


def test_generate_traffic__multi_day_window_keeps_every_day(tmp_path: Path) -> None:
    """Each simulated day writes only its own hourly files (a later day once emptied earlier ones)."""
    generate_traffic(tmp_path, 3, 0.003, "2026-11-01T00:00", 48, Steps(None))
    files = sorted((tmp_path / "motor_vehicles").glob("*.ndjson"))
    assert len(files) == 48
    per_day = [sum(len(f.read_bytes().splitlines()) for f in files[d * 24 : (d + 1) * 24]) for d in (0, 1)]
    assert min(per_day) > 0.5 * max(per_day) > 0
    manifest = read_manifest(tmp_path)
    assert manifest["counts"]["passes"] == sum(per_day)
