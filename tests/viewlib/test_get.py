"""Reading one record back: by id, or by id plus its sort key (what a bus message carries), on the
embedded ClickHouse store and the memory fake alike."""

from __future__ import annotations

import pytest

from tests.viewlib.helpers import chdb_store, motor_vehicle
from xueliang.viewlib.kinds import MOTOR_VEHICLE
from xueliang.viewlib.parse import ParseOptions, parse_object
from xueliang.viewlib.schemas import RecordStored
from xueliang.viewlib.service import read_stored
from xueliang.viewlib.stores.base import RecordStore
from xueliang.viewlib.stores.memory_store import MemoryStore


@pytest.mark.parametrize("make", [chdb_store, MemoryStore], ids=["chdb", "memory"])
def test_store_get__by_sort_key_finds_only_the_row_stored_under_it(make: type[RecordStore]) -> None:
    store = make()
    parsed = [
        parse_object(MOTOR_VEHICLE, motor_vehicle(i, plate=plate), ParseOptions(tz="Asia/Shanghai"))
        for i, plate in enumerate(["湘AM7389", "湘B12345"])
    ]
    store.insert(MOTOR_VEHICLE, [p.row for p in parsed])
    first = parsed[0]
    message = RecordStored(kind="motor_vehicle", object_id=first.object_id, device_id=first.device_id,
                           event_time=first.event_time, plate_no="湘AM7389")  # fmt: skip
    assert read_stored(store=store, kind=MOTOR_VEHICLE, message=message) == first.row["raw"]
    assert store.get(MOTOR_VEHICLE, first.object_id) == first.row["raw"]  # by id alone: a scan
    wrong = message._replace(plate_no="湘B12345")
    assert read_stored(store=store, kind=MOTOR_VEHICLE, message=wrong) is None
