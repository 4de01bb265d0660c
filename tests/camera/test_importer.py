from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.camera.conftest import CHECKPOINT, FACE, LEGACY, SOCIAL, TOLLGATE
from xueliang.auth.principal import Principal
from xueliang.camera import service
from xueliang.camera.enums import Admission
from xueliang.camera.exporter import iter_csv, iter_json, iter_records
from xueliang.camera.importer import Options, dvr_id
from xueliang.camera.models import Channel, Lane
from xueliang.camera.readers import iter_rows
from xueliang.camera.sim_import import import_path

KEY = "k" * 64


def test_import_path__sim_folder_with_rejected_rows_named(db: Session, city_dir: Path) -> None:
    stats = import_path(db=db, path=city_dir, options=Options(key=KEY))
    assert stats.inserted == {"departments": 4, "tollgates": 1, "devices": 5, "channels": 5, "lanes": 2}
    reasons = {(r.file, r.line, r.field) for r in stats.rejected}
    assert reasons == {
        ("cameras.csv", 7, "device_id"),
        ("cameras.csv", 8, "lon"),
        ("lanes.csv", 4, "tollgate_id"),
    }
    assert "20 digits" in next(r.reason for r in stats.rejected if r.line == 7)
    legacy = service.get_channel(db=db, channel_id=LEGACY)
    assert legacy is not None and legacy.device_pk is not None
    assert service.get_device(db=db, device_id=dvr_id(LEGACY, "990101001202")) is not None
    checkpoint = service.get_channel(db=db, channel_id=CHECKPOINT)
    assert (
        checkpoint is not None and checkpoint.tollgate_pk is not None and checkpoint.org_unit_id is not None
    )
    assert service.get_tollgate(db=db, tollgate_id=TOLLGATE) is not None
    assert db.scalar(select(func.count()).select_from(Lane)) == 2


def test_import_path__idempotent_and_admits_with_derived_secret(db: Session, city_dir: Path) -> None:
    import_path(db=db, path=city_dir, options=Options(key=KEY))
    again = import_path(db=db, path=city_dir, options=Options(key=KEY, admit=True))
    assert again.inserted == {} and again.updated["channels"] == 5 and again.admitted == 5
    assert db.scalar(select(func.count()).select_from(Channel)) == 5
    device = service.get_device(db=db, device_id=FACE)
    assert device is not None and device.admission == Admission.admitted
    assert service.device_secret(device=device, key=KEY) == service.derived_device_secret(
        key=KEY, device_id=FACE
    )


def test_import_path__stream_template_encrypted(db: Session, city_dir: Path) -> None:
    template = "rtsp://127.0.0.1:8554/cam{index}"
    import_path(db=db, path=city_dir, options=Options(key=KEY, stream_template=template, stream_count=2))
    channel = service.get_channel(db=db, channel_id=SOCIAL)
    assert channel is not None and channel.owner == "social"
    assert service.stream_url(channel=channel, key=KEY, which="main") == "rtsp://127.0.0.1:8554/cam0"
    assert "rtsp" not in (channel.main_stream_enc or "")


def test_export__round_trips_through_generic_import(db: Session, city_dir: Path, tmp_path: Path) -> None:
    import_path(db=db, path=city_dir, options=Options(key=KEY))
    text = "".join(iter_json(iter_records(db=db, principal=Principal.system())))
    rows = json.loads(text)
    assert len(rows) == 5 and {"main_stream_url", "secret"}.isdisjoint(rows[0])
    exported = tmp_path / "cameras.csv"
    exported.write_text(
        "".join(iter_csv(iter_records(db=db, principal=Principal.system()))), encoding="utf-8"
    )
    stats = import_path(db=db, path=exported, options=Options(key=KEY))
    assert stats.rejected == [] and stats.updated == {"channels": 5}


def test_iter_rows__json_array_streamed_with_lines(tmp_path: Path) -> None:
    path = tmp_path / "cams.json"
    path.write_text('[\n {"channel_id": "1"},\n {"channel_id": "2", "name": null}\n]\n', encoding="utf-8")
    assert list(iter_rows(path)) == [(2, {"channel_id": "1"}), (3, {"channel_id": "2", "name": ""})]


def test_import_path__generic_json_rejects_unknown_kind(db: Session, tmp_path: Path) -> None:
    path = tmp_path / "cams.json"
    rows = [
        {"channel_id": "43010200001320000001", "name": "东门", "kind": "drone"},
        {"channel_id": "43010200001320000002", "name": "西门", "main_stream_url": "rtsp://h/1"},
    ]
    path.write_text(json.dumps(rows), encoding="utf-8")
    stats = import_path(db=db, path=path, options=Options(key=KEY))
    assert [(r.field, "unknown kind" in r.reason) for r in stats.rejected] == [("kind", True)]
    assert stats.inserted["channels"] == 1
