"""Image structurization: a checkpoint's record without plate, colour or embedding is completed from
its own picture by a bus consumer separate from ingest, and published again."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import orjson

from tests.analytics.plates import car_with_plate
from xueliang.analytics.completion import DURABLE, Completer, subscribe
from xueliang.analytics.extractors import make_extractors
from xueliang.analytics.ingest import KINDS, ingest_objects
from xueliang.analytics.records import Shot, build
from xueliang.core.blobs import BlobStore
from xueliang.core.bus import MemoryBus
from xueliang.viewlib.schemas import RECORDS_MOTOR_VEHICLE, RecordsStored, RecordStored
from xueliang.viewlib.stores.memory_store import MemoryStore
from xueliang.viewlib.writer import BatchWriter

DEVICE = "43010000001320000001"
WHEN = datetime(2026, 11, 28, 8, 30, tzinfo=UTC)


def test_completion__fills_plate_colour_and_embedding_without_touching_ingest(tmp_path: Path) -> None:
    frame = car_with_plate("京A12345", "blue")
    bare = build("motor_vehicle", Shot(DEVICE, frame, np.array([0, 20, 600, 460], np.float32), 2, WHEN), {})
    bare["VehicleColor"] = "2"  # sent by the device: kept as it is
    store, blobs, bus = MemoryStore(), BlobStore(tmp_path / "blobs"), MemoryBus()
    seen: list[RecordStored] = []

    async def go() -> Completer:
        await bus.start()
        names = ["plate", "vehicle_colour", "vehicle"]
        completer = Completer(
            store=store, blobs=blobs, bus=bus, tz="Asia/Shanghai", make=lambda: make_extractors(names)
        )
        await subscribe(bus, completer)

        async def watch(message: RecordsStored) -> None:
            seen.extend(message.records)

        await bus.subscribe(RECORDS_MOTOR_VEHICLE, durable="watch", handler=watch)
        writer = BatchWriter(store)
        try:
            stored = await ingest_objects(writer=writer, blobs=blobs, bus=bus, tz="Asia/Shanghai",
                                          by_kind={"motor_vehicle": [bare]})  # fmt: skip
            assert stored["motor_vehicle"] == {bare["MotorVehicleID"]}  # ingest returned at once
            async with asyncio.timeout(60):
                await bus.wait_idle()
        finally:
            writer.close()
            await bus.close()
        return completer

    completer = asyncio.run(go())
    raw = store.get(KINDS["motor_vehicle"], bare["MotorVehicleID"])
    assert raw is not None
    record = orjson.loads(raw)
    assert record["PlateNo"] == "京A12345"
    assert record["PlateColor"] == "5"
    assert record["VehicleColor"] == "2"
    assert record["VehicleClass"]
    assert any("FeatureInfoObject" in i for i in record["SubImageList"]["SubImageInfoObject"])
    assert store.tables["motor_vehicle"][bare["MotorVehicleID"]]["plate_no"] == "京A12345"
    assert completer.completed == 1
    assert completer.skipped == 1  # its own republication, already complete
    assert [m.plate_no for m in seen] == ["", "京A12345"]  # stored, then completed
    assert DURABLE == "analytics_completion"
