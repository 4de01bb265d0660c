"""GA/T 1400 MotorVehicleObject / FaceObject NDJSON lines (one object per line)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

_MV = (
    '{"MotorVehicleID":"%s02%05d","InfoKind":1,"SourceID":"%s","DeviceID":"%s","TollgateID":"%s",'
    '"LaneNo":%d,"PassTime":"%s","HasPlate":true,"PlateClass":"%s","PlateColor":"%d","PlateNo":"%s",'
    '"VehicleClass":"%s","VehicleBrand":"%d","VehicleColor":"%d","Speed":%d,"Direction":"%d",'
    '"NameOfPassedRoad":"%s"}'
)
_FACE = (
    '{"FaceID":"%s06%05d","InfoKind":1,"SourceID":"%s","DeviceID":"%s","ShotTime":"%s",'
    '"LocationMarkTime":"%s","FaceAppearTime":"%s","FaceDisAppearTime":"%s","GenderCode":"%d",'
    '"AgeLowerLimit":%d,"AgeUpLimit":%d,"FeatureInfoObject":{"Vendor":"xueliang-sim",'
    '"AlgorithmVersion":"sim-128-f16","FeatureData":"%s"}}'
)


def stamp_table(start: np.datetime64, seconds: int) -> list[str]:
    """yyyyMMddHHmmss for each second of a window starting at `start`."""
    t = start + np.arange(seconds).astype("timedelta64[s]")
    return [s.replace("-", "").replace("T", "").replace(":", "") for s in t.astype(str).tolist()]


def source_ids(device: list[str], stamp: list[str], serial: NDArray[np.int64]) -> list[str]:
    """41 digits: DeviceID + 02 (image) + time + 5-digit serial."""
    return [f"{d}02{s}{k:05d}" for d, s, k in zip(device, stamp, serial.tolist(), strict=True)]


def motor_vehicle_lines(cols: Mapping[str, Sequence[Any]]) -> list[str]:
    keys = ("source", "serial", "source", "device", "tollgate", "lane", "stamp", "pclass", "pcolor", "plate")
    keys2 = ("vclass", "brand", "colour", "speed", "direction", "road")
    rows = zip(*(cols[k] for k in keys + keys2), strict=True)
    return [_MV % r for r in rows]


def face_lines(cols: Mapping[str, Sequence[Any]]) -> list[str]:
    keys = (
        "source",
        "serial",
        "source",
        "device",
        "stamp",
        "stamp",
        "stamp",
        "stamp",
        "gender",
        "age_lo",
        "age_hi",
    )
    rows = zip(*(cols[k] for k in (*keys, "feature")), strict=True)
    return [_FACE % r for r in rows]
