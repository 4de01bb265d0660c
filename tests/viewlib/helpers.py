"""Shared test helpers: one chdb session per test process (chdb allows one path per process),
one database per test, records built like the simulator's."""

from __future__ import annotations

import secrets
import tempfile
from pathlib import Path
from typing import Any

from xueliang.viewlib.stores.chdb_store import ChdbStore

_ROOT: Path | None = None
DEVICE = "99010100051320100009"
TOLLGATE = "99010100051210000005"


def chdb_store() -> ChdbStore:
    """A fresh database on the process's shared chdb path."""
    global _ROOT
    if _ROOT is None:
        _ROOT = Path(tempfile.mkdtemp(prefix="xl-chdb-"))
    store = ChdbStore(path=_ROOT, database=f"t_{secrets.token_hex(4)}")
    store.ensure_schema()
    return store


def motor_vehicle(
    serial: int, *, device: str = DEVICE, plate: str = "湘AM7389", stamp: str = "20261101000015", **extra: Any
) -> dict[str, Any]:
    source = f"{device}02{stamp}{serial:05d}"
    return {
        "MotorVehicleID": f"{source}02{serial:05d}",
        "InfoKind": 1,
        "SourceID": source,
        "DeviceID": device,
        "TollgateID": TOLLGATE,
        "LaneNo": 2,
        "PassTime": stamp,
        "HasPlate": True,
        "PlateClass": "01",
        "PlateColor": "6",
        "PlateNo": plate,
        "VehicleClass": "H11",
        "VehicleColor": "2",
        "Speed": 41,
        **extra,
    }


def face(serial: int, *, device: str = DEVICE, stamp: str = "20261101000015", **extra: Any) -> dict[str, Any]:
    source = f"{device}02{stamp}{serial:05d}"
    return {
        "FaceID": f"{source}06{serial:05d}",
        "SourceID": source,
        "DeviceID": device,
        "ShotTime": stamp,
        "GenderCode": "1",
        **extra,
    }
