"""Record stores: the clickhouse backend's SQL (through a fake client — no server here), the
memory fake, the writer's dedupe, and the blob store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.viewlib.helpers import motor_vehicle
from xueliang.core.blobs import BlobStore
from xueliang.viewlib.kinds import MOTOR_VEHICLE, Kind
from xueliang.viewlib.parse import ParseOptions, parse_object
from xueliang.viewlib.sql import LAYOUT, RecordQuery
from xueliang.viewlib.stores.clickhouse_store import ClickHouseStore
from xueliang.viewlib.stores.memory_store import MemoryStore
from xueliang.viewlib.writer import BatchWriter, RecentIds


class FakeClient:
    def __init__(self, tables: list[list[str]] | None = None) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.tables = tables or []  # system.tables rows: name, comment

    def command(self, sql: str) -> None:
        self.calls.append(("command", sql))

    def query(self, sql: str, parameters: dict[str, Any]) -> Any:
        self.calls.append(("query", (sql, parameters)))
        return type("R", (), {"result_rows": self.tables if "system.tables" in sql else [[0]]})()

    def insert(
        self, table: str, data: list[list[Any]], column_names: list[str], settings: dict[str, Any]
    ) -> None:
        self.calls.append(("insert", (table, column_names, len(data))))


def _rows(n: int) -> list[dict[str, Any]]:
    return [
        parse_object(MOTOR_VEHICLE, motor_vehicle(i), ParseOptions(tz="Asia/Shanghai")).row for i in range(n)
    ]


def test_clickhouse_store__ddl_orders_by_plate_partitions_by_month_with_time_projection() -> None:
    client = FakeClient()
    ClickHouseStore(client=client).ensure_schema()
    ddl = next(sql for kind, sql in client.calls if kind == "command" and "motor_vehicle" in sql)
    assert "ReplacingMergeTree" in ddl and "PARTITION BY toYYYYMM(event_time)" in ddl
    assert (
        "ORDER BY (plate_no, event_time, object_id)" in ddl
        and "index_granularity = 1024, min_compress_block_size = 16384" in ddl
    )
    assert (
        "PROJECTION p_time (SELECT event_time, object_id, plate_no" in ddl and "ORDER BY event_time)" in ddl
    )
    assert "lightweight_mutation_projection_mode = 'rebuild'" in ddl and f"COMMENT '{LAYOUT}'" in ddl
    face = next(sql for kind, sql in client.calls if kind == "command" and ".face (" in sql)
    assert "PROJECTION" not in face and "ORDER BY (device_id, event_time, object_id)" in face


def test_clickhouse_store__older_layout_is_logged_not_migrated(caplog: pytest.LogCaptureFixture) -> None:
    client = FakeClient(tables=[["motor_vehicle", ""], ["face", LAYOUT]])
    ClickHouseStore(client=client).ensure_schema()
    commands = [sql for kind, sql in client.calls if kind == "command"]
    assert not any("INSERT" in c or "RENAME" in c for c in commands)
    assert "viewlib.motor_vehicle has an older layout" in caplog.text and "RENAME TABLE" in caplog.text
    assert "viewlib.face has an older layout" not in caplog.text


def test_clickhouse_store__queries_use_parameters_not_values() -> None:
    client = FakeClient()
    store = ClickHouseStore(client=client)
    store.page(MOTOR_VEHICLE, RecordQuery(equals={"plate_no": "湘A1'; DROP"}, limit=0))
    store.insert(MOTOR_VEHICLE, _rows(3))
    sql, params = client.calls[0][1]
    assert "DROP" not in sql and params == {"p0": "湘A1'; DROP"}
    assert client.calls[1] == ("insert", ("viewlib.motor_vehicle", list(_rows(1)[0]), 3))


def test_writer__dedupes_within_and_across_batches() -> None:
    store = MemoryStore()
    writer = BatchWriter(store)
    rows = _rows(5)
    assert len(writer.write(MOTOR_VEHICLE, rows + rows[:2])) == 5
    assert writer.write(MOTOR_VEHICLE, rows) == set()
    writer.close()
    assert store.page(MOTOR_VEHICLE, RecordQuery())[1] == 5


class CountingStore(MemoryStore):
    """Counts how many ids the writer had to ask the store about."""

    def __init__(self) -> None:
        super().__init__()
        self.asked = 0

    def existing_ids(self, kind: Kind, *, keys: list[str], lo: str, hi: str, ids: list[str]) -> set[str]:
        self.asked += len(ids)
        return super().existing_ids(kind, keys=keys, lo=lo, hi=hi, ids=ids)


def test_writer__decides_new_ids_locally_and_stays_exact_across_restarts() -> None:
    store = CountingStore()
    writer = BatchWriter(store)
    rows = _rows(5)
    assert len(writer.write(MOTOR_VEHICLE, rows[:3])) == 3
    assert writer.write(MOTOR_VEHICLE, rows[:3]) == set()  # a retry: known locally, not inserted
    assert store.asked == 0  # the empty store's ids were all decided without a query
    writer.close()
    restarted = BatchWriter(store)  # a new process: the stored rows lie at or below its floor
    assert restarted.write(MOTOR_VEHICLE, rows) == {r["object_id"] for r in rows[3:]}
    assert store.asked == 5
    restarted.close()
    assert store.page(MOTOR_VEHICLE, RecordQuery())[1] == 5


def test_writer__shared_store_always_asks() -> None:
    store = CountingStore()
    store.single_writer = False  # type: ignore[misc]
    writer = BatchWriter(store)
    writer.write(MOTOR_VEHICLE, _rows(4))
    writer.close()
    assert store.asked == 4


def test_recent_ids__window_future_clocks_and_failed_writes() -> None:
    recent = RecentIds(floor="2026-11-01 00:00:00.000", window_minutes=2)
    recent.start_group()
    assert not recent.decidable("2026-11-01 00:00:00.000")  # at the floor: ask the store
    assert not recent.decidable("2999-01-01 00:00:00.000")  # a clock far ahead: ask the store
    rows = [{"object_id": f"id{m}", "event_time": f"2026-11-01 00:0{m}:30.000"} for m in (1, 2, 3)]
    recent.add(rows)
    assert ("id3", "2026-11-01 00:03:30.000") in recent
    assert not recent.decidable("2026-11-01 00:01:30.000")  # evicted minute: ask the store
    recent.poison([{"object_id": "x", "event_time": "2026-11-01 00:05:00.000"}])
    assert not recent.decidable("2026-11-01 00:04:00.000")


def test_blob_store__content_addressed_and_idempotent(tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path)
    sha = blobs.put(b"abc")
    assert blobs.put(b"abc") == sha and blobs.get(sha) == b"abc"
    assert blobs.path_of(sha).parent.name == sha[2:4]


class InsertLog(MemoryStore):
    """Records the size of each insert (each one is a part for ClickHouse to merge)."""

    def __init__(self) -> None:
        super().__init__()
        self.inserts: list[int] = []

    def insert(self, kind: Kind, rows: list[dict[str, Any]]) -> None:
        self.inserts.append(len(rows))
        super().insert(kind, rows)


def test_writer__linger_joins_uploads_that_arrive_close_together() -> None:
    store = InsertLog()
    writer = BatchWriter(store, linger=2.0, linger_rows=15)
    rows = _rows(20)
    first = writer.submit(MOTOR_VEHICLE, rows[:5])
    second = writer.submit(MOTOR_VEHICLE, rows[5:10])
    third = writer.submit(MOTOR_VEHICLE, rows[10:20])  # 20 rows ≥ 15: the group goes at once
    assert len(first.result(10) | second.result(10) | third.result(10)) == 20
    writer.close()
    assert store.inserts == [20]


def test_writer__without_linger_each_upload_may_go_alone() -> None:
    store = InsertLog()
    writer = BatchWriter(store)
    rows = _rows(10)
    writer.write(MOTOR_VEHICLE, rows[:5])
    writer.write(MOTOR_VEHICLE, rows[5:])
    writer.close()
    assert store.inserts == [5, 5]


def test_writer__linger_ends_when_uploads_stop_arriving() -> None:
    store = InsertLog()
    writer = BatchWriter(store, linger=30.0, linger_rows=1000, linger_gap=0.05)
    rows = _rows(10)
    first = writer.submit(MOTOR_VEHICLE, rows[:5])
    assert len(first.result(10)) == 5  # after the 50 ms gap, not the 30 s linger
    writer.write(MOTOR_VEHICLE, rows[5:])
    writer.close()
    assert store.inserts == [5, 5]
