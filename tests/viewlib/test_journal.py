"""The ingest journal and the writer that acknowledges on it (viewlib.journal, viewlib.writer)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.viewlib.helpers import chdb_store, motor_vehicle
from xueliang.core.bus.memory import MemoryBus
from xueliang.viewlib import service
from xueliang.viewlib.dependencies import drain_viewlib
from xueliang.viewlib.journal import Journal, entries
from xueliang.viewlib.kinds import MOTOR_VEHICLE, Kind
from xueliang.viewlib.parse import Parsed, ParseOptions, parse_object
from xueliang.viewlib.schemas import RECORDS_MOTOR_VEHICLE, RecordsStored
from xueliang.viewlib.stores.memory_store import MemoryStore
from xueliang.viewlib.writer import BatchWriter, replay

HOUR = 3600.0  # a flush interval no test waits for: only sync(), close() or the row count insert


def _parsed(n: int, start: int = 0) -> list[Parsed]:
    opts = ParseOptions(tz="Asia/Shanghai")
    return [parse_object(MOTOR_VEHICLE, motor_vehicle(i), opts) for i in range(start, start + n)]


def _rows(n: int, start: int = 0) -> list[dict[str, Any]]:
    return [p.row for p in _parsed(n, start)]


class FlakyStore(MemoryStore):
    """Stores half of the first journaled insert, then fails it (as an insert spanning two
    partitions might); later inserts work."""

    def __init__(self) -> None:
        super().__init__()
        self.failures = 0

    def insert_json(self, kind: Kind, body: bytes) -> None:
        rows = orjson.loads(body)
        if self.failures == 0:
            self.failures += 1
            self.insert(kind, rows[: len(rows) // 2])
            raise OSError("disk went away")
        self.insert(kind, rows)


def test_journal__entries_round_trip_and_a_torn_tail_is_skipped(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    journal.append("motor_vehicle", b'[{"a":1}]')
    journal.append("face", b"[]")
    sealed = journal.seal()
    journal.append("motor_vehicle", b'[{"b":2}]')
    assert list(entries(sealed)) == [("motor_vehicle", b'[{"a":1}]'), ("face", b"[]")]
    with open(sealed, "ab") as f:
        f.write(b'motor_vehicle 40\n[{"c":')  # a crash in the middle of an append
    assert list(entries(sealed)) == [("motor_vehicle", b'[{"a":1}]'), ("face", b"[]")]
    assert [p.name for p in journal.segments()] == [sealed.name, journal.segments()[-1].name]
    journal.drop(sealed)
    journal.close()
    assert [list(entries(p)) for p in Journal(tmp_path).segments()[:-1]] == [
        [("motor_vehicle", b'[{"b":2}]')]
    ]


def test_writer__acknowledges_once_journaled_and_stores_on_sync(tmp_path: Path) -> None:
    store = MemoryStore()
    writer = BatchWriter(store, journal=Journal(tmp_path), flush_interval=HOUR)
    job = writer.enqueue(MOTOR_VEHICLE, _rows(30))
    assert len(job.future.result(10)) == 30
    assert store.counts()["motor_vehicle"] == 0 and not job.stored.done()  # acknowledged, not inserted
    retry = writer.enqueue(MOTOR_VEHICLE, _rows(30))  # a retried batch while it is only journaled
    assert retry.future.result(10) == set()
    writer.sync()
    assert store.counts()["motor_vehicle"] == 30 and job.stored.done()
    assert writer.write(MOTOR_VEHICLE, _rows(30)) == set()  # and once it is stored
    writer.close()
    assert store.counts()["motor_vehicle"] == 30


def test_writer__inserts_in_large_groups_at_the_row_count(tmp_path: Path) -> None:
    inserts: list[int] = []

    class Counting(MemoryStore):
        def insert_json(self, kind: Kind, body: bytes) -> None:
            rows = orjson.loads(body)
            inserts.append(len(rows))
            self.insert(kind, rows)

    store = Counting()
    writer = BatchWriter(store, journal=Journal(tmp_path), flush_interval=HOUR, flush_rows=200)
    jobs = [writer.enqueue(MOTOR_VEHICLE, _rows(50, 50 * i)) for i in range(4)]
    for job in jobs:
        job.stored.result(10)  # four uploads of 50: one insert at 200 rows, no sync needed
    assert inserts == [200]
    writer.close()


def test_writer__a_failed_insert_is_retried_without_duplicates(tmp_path: Path) -> None:
    store = FlakyStore()
    writer = BatchWriter(store, journal=Journal(tmp_path), flush_interval=0.05)
    job = writer.enqueue(MOTOR_VEHICLE, _rows(40))
    assert len(job.future.result(10)) == 40
    job.stored.result(10)
    assert store.failures == 1
    assert store.counts()["motor_vehicle"] == 40  # the stored half was not inserted again
    writer.close()
    assert Journal(tmp_path).segments()[:-1] == []  # inserted: nothing left to replay


def test_replay__a_crash_leaves_acknowledged_rows_that_the_next_start_inserts(tmp_path: Path) -> None:
    store = MemoryStore()
    crashed = BatchWriter(store, journal=Journal(tmp_path), flush_interval=HOUR)
    assert len(crashed.write(MOTOR_VEHICLE, _rows(25))) == 25  # acknowledged; then the process dies
    store.insert(MOTOR_VEHICLE, _rows(5))  # as if an insert had begun before the crash
    assert store.counts()["motor_vehicle"] == 5
    writer = BatchWriter(store, journal=Journal(tmp_path), flush_interval=HOUR)  # the next start
    assert store.counts()["motor_vehicle"] == 25  # the 20 missing, none twice
    assert replay(store, Journal(tmp_path / "empty")) == 0
    writer.close()


def test_store_and_publish__publishes_once_the_records_are_readable(tmp_path: Path) -> None:
    store = chdb_store()
    writer = BatchWriter(store, journal=Journal(tmp_path), flush_interval=HOUR)
    bus = MemoryBus()
    readable: list[bool] = []

    async def handler(message: RecordsStored) -> None:
        readable.extend(service.read_stored(store=store, kind=MOTOR_VEHICLE, message=m) is not None
                        for m in message.records)  # fmt: skip

    async def run() -> None:
        await bus.start()
        await bus.subscribe(RECORDS_MOTOR_VEHICLE, durable="t", handler=handler)
        parsed = _parsed(3)
        new = await service.store_and_publish(writer=writer, bus=bus, kind=MOTOR_VEHICLE, parsed=parsed)
        assert len(new) == 3
        await asyncio.sleep(0.05)
        assert readable == []  # acknowledged and answered; not stored, so not published yet
        await asyncio.to_thread(writer.sync)
        await service.drain_publications()
        await asyncio.wait_for(bus.wait_idle(), 5)
        await bus.close()

    try:
        asyncio.run(run())
        assert readable == [True, True, True]
    finally:
        writer.close()
        store.drop_database()


@pytest.mark.parametrize("rows", [0, 7])
def test_writer__sync_returns_at_once_when_nothing_waits(tmp_path: Path, rows: int) -> None:
    store = MemoryStore()
    writer = BatchWriter(store, journal=Journal(tmp_path), flush_interval=HOUR)
    if rows:
        writer.write(MOTOR_VEHICLE, _rows(rows))
    writer.sync(timeout=10)
    writer.sync(timeout=10)
    assert store.counts()["motor_vehicle"] == rows
    writer.close()


def test_writer__a_store_failing_at_shutdown_keeps_the_rows_for_the_next_start(tmp_path: Path) -> None:
    class Down(MemoryStore):
        def insert(self, kind: Kind, rows: list[dict[str, Any]]) -> None:
            raise OSError("store down")

        def insert_json(self, kind: Kind, body: bytes) -> None:
            raise OSError("store down")

    down = Down()
    writer = BatchWriter(down, journal=Journal(tmp_path), flush_interval=0.05)
    job = writer.enqueue(MOTOR_VEHICLE, _rows(12))
    assert len(job.future.result(10)) == 12  # acknowledged: it is in the journal
    with pytest.raises(OSError):
        writer.sync(timeout=10)  # a read barrier reports the failure instead of hanging
    state = type("State", (), {})()
    state.viewlib = type("Lib", (), {"writer": writer})()
    asyncio.run(drain_viewlib(state))  # the shutdown goes on
    writer.close()
    assert isinstance(job.stored.exception(10), OSError)
    store = MemoryStore()
    BatchWriter(store, journal=Journal(tmp_path), flush_interval=HOUR).close()  # the next start
    assert store.counts()["motor_vehicle"] == 12
