"""What parsing tells the record's consumers (so that they need not read it back)."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from xueliang.core.blobs import BlobStore
from xueliang.viewlib.kinds import MOTOR_VEHICLE
from xueliang.viewlib.parse import ParseOptions, parse_object

PICTURE = base64.b64encode(b"\xff\xd8 not really a jpeg").decode()


def _vehicle(**extra: Any) -> dict[str, Any]:
    source = "43010000001320000001" + "02" + "20261128083000" + "00001"
    return {
        "MotorVehicleID": source + "02" + "00001",
        "InfoKind": 1,
        "SourceID": source,
        "DeviceID": "43010000001320000001",
        "PassTime": "20261128083000",
        **extra,
    }


def _images(*images: dict[str, Any]) -> dict[str, Any]:
    return {"SubImageList": {"SubImageInfoObject": list(images)}}


def test_parse__hints_tell_feature_and_completability(tmp_path: Path) -> None:
    opts = ParseOptions(tz="Asia/Shanghai", blobs=BlobStore(tmp_path))
    complete = {"PlateNo": "湘A12345", "VehicleColor": "1", "VehicleClass": "K33"}
    feature = {"FeatureInfoObject": {"FeatureData": "AAAA"}}

    plain = parse_object(MOTOR_VEHICLE, _vehicle(**complete), opts)
    assert (plain.has_feature, plain.completable) == (False, False)  # nothing to index, no picture

    bare = parse_object(MOTOR_VEHICLE, _vehicle(**_images({"Type": "01", "Data": PICTURE})), opts)
    assert (bare.has_feature, bare.completable) == (False, True)  # a picture to complete it from

    done = parse_object(
        MOTOR_VEHICLE, _vehicle(**complete, **_images({"Type": "01", "Data": PICTURE, **feature})), opts
    )
    assert (done.has_feature, done.completable) == (True, False)

    no_plate = parse_object(
        MOTOR_VEHICLE, _vehicle(VehicleColor="1", **_images({"Type": "01", "Data": PICTURE, **feature})), opts
    )
    assert no_plate.completable  # the plate is still missing

    top = parse_object(MOTOR_VEHICLE, _vehicle(**complete, **feature), opts)
    assert (top.has_feature, top.completable) == (True, False)

    path_only = parse_object(MOTOR_VEHICLE, _vehicle(**_images({"Type": "01", "StoragePath": "x"})), opts)
    assert not path_only.completable  # no stored picture: nothing to complete it from


def test_parse__a_senders_own_blob_key_is_dropped(tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path)
    secret = blobs.put(b"someone else's picture")
    forged = {"Type": "01", "BlobSha256": secret, "StoragePath": "x"}
    opts = ParseOptions(tz="Asia/Shanghai", blobs=blobs)
    parsed = parse_object(MOTOR_VEHICLE, _vehicle(**_images(forged)), opts)
    assert parsed.images == []
    assert "BlobSha256" not in parsed.raw["SubImageList"]["SubImageInfoObject"][0]
    assert "BlobSha256" not in parsed.row["raw"]  # so a query never restores that blob's Data
