"""The record tables' layout on chdb: migration of day-partitioned tables on open, the time
projection chosen for window searches, and the replace path (lightweight DELETE) with it."""

from __future__ import annotations

import orjson

from tests.viewlib.helpers import chdb_store, motor_vehicle
from xueliang.viewlib import search, sql
from xueliang.viewlib.amend import replace_record
from xueliang.viewlib.kinds import MOTOR_VEHICLE
from xueliang.viewlib.parse import ParseOptions, parse_object
from xueliang.viewlib.search import PassFilter
from xueliang.viewlib.stores.chdb_store import ChdbStore

OPTS = ParseOptions(tz="Asia/Shanghai")
LEGACY_SUFFIX = " ENGINE = ReplacingMergeTree PARTITION BY toYYYYMMDD(event_time)"


def _rows(n: int, **extra: str) -> list[dict[str, object]]:
    return [parse_object(MOTOR_VEHICLE, motor_vehicle(i, **extra), OPTS).row for i in range(n)]


def _layouts(store: ChdbStore) -> dict[str, str]:
    return {r[0]: r[1] for r in store._query(sql.layouts(store.database), {"db": store.database})["data"]}


def test_chdb_store__day_partitioned_table_is_migrated_on_open() -> None:
    store = chdb_store()
    store._query(f"DROP TABLE {sql.table(MOTOR_VEHICLE, store.database)}", fmt="CSV")
    ddl = sql.create_table(MOTOR_VEHICLE, store.database)
    legacy = (
        ddl[: ddl.index(",\n  PROJECTION")]
        + "\n)"
        + LEGACY_SUFFIX
        + " ORDER BY (plate_no, event_time, object_id)"
    )
    store._query(legacy, fmt="CSV")
    store.insert(MOTOR_VEHICLE, _rows(5))
    assert _layouts(store)["motor_vehicle"] == ""
    reopened = ChdbStore(path=store.path, database=store.database)
    reopened.ensure_schema()
    tables = _layouts(reopened)
    assert tables["motor_vehicle"] == sql.LAYOUT and len(tables) == 5 and "__" not in "".join(tables)
    assert reopened.counts()["motor_vehicle"] == 5
    reopened.ensure_schema()  # current layout: nothing to do
    assert reopened.counts()["motor_vehicle"] == 5


def test_chdb_store__layout_2_table_is_migrated_to_small_granules() -> None:
    store = chdb_store()
    store._query(f"DROP TABLE {sql.table(MOTOR_VEHICLE, store.database)}", fmt="CSV")
    ddl = sql.create_table(MOTOR_VEHICLE, store.database).replace(
        "index_granularity = 1024, min_compress_block_size = 16384", sql.LAYOUT_2_SETTINGS
    )
    store._query(ddl.replace(sql.LAYOUT, "viewlib layout 2: month partitions, 2048-row granules"), fmt="CSV")
    store.insert(MOTOR_VEHICLE, _rows(7))
    reopened = ChdbStore(path=store.path, database=store.database)
    reopened.ensure_schema()
    assert _layouts(reopened)["motor_vehicle"] == sql.LAYOUT and reopened.counts()["motor_vehicle"] == 7
    create = reopened._query(
        "SELECT create_table_query FROM system.tables"
        " WHERE database = {db:String} AND name = 'motor_vehicle'",
        {"db": store.database},
    )["data"][0][0]
    assert "index_granularity = 1024" in create and "PROJECTION p_time" in create


def test_search_passes__window_reads_the_time_projection_and_pages_by_key() -> None:
    store = chdb_store()
    store.insert(
        MOTOR_VEHICLE, _rows(30, plate="湘AB1234") + _rows(3, plate="湘BC1234", stamp="20261101000020")
    )
    f = PassFilter(plate_prefix="湘A", time_from="2026-10-31 16:00:00.000", time_to="2026-10-31 17:00:00.000")
    raws, total = search.search_passes(store, f, order_by="event_time", descending=True, offset=5, limit=10)
    assert total == 30 and len(raws) == 10 and all(orjson.loads(r)["PlateNo"] == "湘AB1234" for r in raws)
    where, params = search.pass_where(f)
    plan = store._query(
        f"EXPLAIN indexes = 1 SELECT count() FROM {store.database}.motor_vehicle WHERE {where}"
        " SETTINGS optimize_use_projections = 1, force_optimize_projection = 1", params, fmt="CSV"
    ).bytes().decode()  # fmt: skip
    assert "p_time" in plan and "plate_no >= " in where and search.prefix_end("湘A") == "湘B"


def test_replace_record__works_with_the_time_projection() -> None:
    store = chdb_store()
    old = _rows(1, plate="")[0]
    store.insert(MOTOR_VEHICLE, [old, *_rows(3, plate="湘AC0001", stamp="20261101000030")[1:]])
    new = parse_object(MOTOR_VEHICLE, motor_vehicle(0, plate="湘AZ9999"), OPTS).row
    replace_record(store, MOTOR_VEHICLE, new, str(old["raw"]))
    assert store.counts()["motor_vehicle"] == 3
    f = PassFilter(time_from="2026-10-31 16:00:00.000", time_to="2026-10-31 17:00:00.000")
    assert search.search_passes(store, f, order_by="plate_no", descending=False, offset=0, limit=5)[1] == 3
    assert orjson.loads(store.get(MOTOR_VEHICLE, str(new["object_id"])) or "{}")["PlateNo"] == "湘AZ9999"
