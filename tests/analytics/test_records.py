from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from tests.analytics.plates import CAR, car_with_plate
from xueliang.analytics.extractors import Extractor, make_extractors
from xueliang.analytics.ingest import KINDS, ingest_objects
from xueliang.analytics.records import Shot, describe
from xueliang.core.blobs import BlobStore
from xueliang.core.bus import MemoryBus
from xueliang.viewlib.schemas import RECORDS_MOTOR_VEHICLE, RecordsStored, RecordStored
from xueliang.viewlib.sql import RecordQuery
from xueliang.viewlib.stores.memory_store import MemoryStore
from xueliang.viewlib.writer import BatchWriter

DEVICE = "43010000001320000001"
WHEN = datetime(2026, 11, 28, 8, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def extractors() -> list[Extractor]:
    return make_extractors(["plate", "vehicle_colour", "vehicle", "clothing_colour", "face"])


def _ingest(
    by_kind: dict[str, Any], tmp_path: Path
) -> tuple[MemoryStore, list[RecordStored], dict[str, set[str]]]:
    store, bus, seen = MemoryStore(), MemoryBus(), list[RecordStored]()

    async def go() -> dict[str, set[str]]:
        await bus.start()

        async def handler(message: RecordsStored) -> None:
            seen.extend(message.records)

        await bus.subscribe(RECORDS_MOTOR_VEHICLE, durable="t", handler=handler)
        writer = BatchWriter(store)
        try:
            stored = await ingest_objects(
                writer=writer,
                blobs=BlobStore(tmp_path / "blobs"),
                bus=bus,
                tz="Asia/Shanghai",
                by_kind=by_kind,
            )
            await bus.wait_idle()
            return stored
        finally:
            writer.close()
            await bus.close()

    return store, seen, asyncio.run(go())


def test_describe__car_becomes_motor_vehicle_record_through_viewlib(
    extractors: list[Extractor], tmp_path: Path
) -> None:
    frame = car_with_plate("京A12345", "blue")
    shot = Shot(DEVICE, frame, np.array([0, 20, 600, 460], np.float32), 2, WHEN)
    by_kind = describe(shot, extractors)
    (obj,) = by_kind["motor_vehicle"]
    assert obj["InfoKind"] == 1
    assert obj["PlateNo"] == "京A12345"
    assert obj["PlateColor"] == "5"
    assert obj["VehicleColor"] == "3"
    assert len(obj["MotorVehicleID"]) == 48
    images = obj["SubImageList"]["SubImageInfoObject"]
    assert [i["Type"] for i in images] == ["01", "09"]
    assert len(images[1]["FeatureInfoObject"]["FeatureData"]) > 1000
    store, seen, stored = _ingest(by_kind, tmp_path)
    assert stored["motor_vehicle"] == {obj["MotorVehicleID"]}
    _, total = store.page(KINDS["motor_vehicle"], RecordQuery(equals={"plate_no": "京A12345"}))
    assert total == 1
    assert [m.object_id for m in seen] == [obj["MotorVehicleID"]]
    assert len(seen[0].images) == 2


def test_describe__person_gives_person_and_face(extractors: list[Extractor], skimage_data: Path) -> None:
    frame = cv2.imread(str(skimage_data / "astronaut.png"))
    by_kind = describe(Shot(DEVICE, frame, np.array([60, 0, 460, 512], np.float32), 0, WHEN), extractors)
    assert set(by_kind) == {"person", "face"}
    assert "CoatColor" in by_kind["person"][0]
    face = by_kind["face"][0]
    assert len(face["FaceID"]) == 48
    assert 150 < face["LeftTopX"] < 250


def test_describe__unknown_class_and_tiny_vehicle_yield_no_plate(extractors: list[Extractor]) -> None:
    frame = cv2.imread(str(CAR))
    assert describe(Shot(DEVICE, frame, np.array([0, 0, 50, 50], np.float32), 44, WHEN), extractors) == {}
    small = cv2.resize(car_with_plate("京A12345", "blue"), None, fx=0.25, fy=0.25)
    by_kind = describe(Shot(DEVICE, small, np.array([0, 5, 150, 115], np.float32), 2, WHEN), extractors)
    assert "PlateNo" not in by_kind["motor_vehicle"][0]
