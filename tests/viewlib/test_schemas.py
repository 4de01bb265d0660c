"""Bus messages of the view library: what the publisher builds unvalidated survives the wire."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson

from tests.viewlib.helpers import motor_vehicle
from xueliang.viewlib.kinds import MOTOR_VEHICLE
from xueliang.viewlib.parse import ParseOptions, parse_object
from xueliang.viewlib.schemas import RECORDS_MOTOR_VEHICLE, RecordsStored, RecordStored
from xueliang.viewlib.service import stored_message


def test_stored_message__round_trips_through_the_topic_encoding() -> None:
    opts = ParseOptions(tz="Asia/Shanghai")
    parsed = [parse_object(MOTOR_VEHICLE, motor_vehicle(i), opts) for i in range(3)]
    parsed[1].images, parsed[1].completable = ["ab" * 32], True
    message = stored_message(MOTOR_VEHICLE, parsed)
    decoded = RECORDS_MOTOR_VEHICLE.decode(RECORDS_MOTOR_VEHICLE.encode(message))
    assert decoded == message
    assert isinstance(decoded.records[1], RecordStored)
    assert decoded.records[1].images == ("ab" * 32,)
    assert decoded.records[1].event_time == parsed[1].event_time
    assert [r.object_id for r in decoded.records] == [p.object_id for p in parsed]


def test_records_stored__decodes_records_encoded_as_objects_by_earlier_versions() -> None:
    at = datetime(2026, 11, 1, 12, tzinfo=UTC)
    old = {
        "kind": "motor_vehicle",
        "records": [
            {"kind": "motor_vehicle", "object_id": "1" * 48, "device_id": "2" * 20,
             "event_time": at.isoformat(), "plate_no": "湘A12345", "images": ["cd" * 32]},
        ],
    }  # fmt: skip
    decoded = RECORDS_MOTOR_VEHICLE.decode(orjson.dumps(old))
    assert decoded == RecordsStored(
        kind="motor_vehicle",
        records=(
            RecordStored("motor_vehicle", "1" * 48, "2" * 20, at, "湘A12345", "", ("cd" * 32,), None, None),
        ),
    )
