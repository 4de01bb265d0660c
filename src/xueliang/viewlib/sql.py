"""ClickHouse SQL for the record store, shared by the chdb and clickhouse backends.

Tables: one per kind, ``ReplacingMergeTree`` partitioned by **month**, ordered by the kind's look-up
key (plate for motor vehicles, device otherwise), then event time, then object id, with 1,024-row
granules and 16 KiB compression blocks — so a plate's trajectory or a device-hour is a range read of
one small granule in each of a handful of parts (daily partitions made a 30-day trajectory read one
granule in each of ~150 parts; 2,048-row granules and 64 KiB blocks read 2.5 × the bytes).
Motor vehicles also carry a **projection ordered by event time** (``p_time``: the filterable columns,
not ``raw``) that ClickHouse picks by itself for searches in a time window (feature search, facets,
window analytics); ``search.search_passes`` reads the page's ids there and their ``raw`` by primary key.
The ORDER BY key contains the object id, so a duplicate that slipped past the ingest check (two
writers racing on a cluster) is collapsed by merges (projections are rebuilt from the merged rows:
``deduplicate_merge_projection_mode``); the ingest check (``existing_ids``) makes duplicates
impossible within one writer. ``amend`` deletes replaced rows with a lightweight ``DELETE``, which
rebuilds the projection of the touched part (``lightweight_mutation_projection_mode``).

Layout versions: each table's COMMENT names its layout (``LAYOUT``). Tables of an older layout (day
partitions, no projection — created before 2026-11-28) keep working with the same SQL, only slower;
``migrate_statements`` copies one into the current layout and swaps it in (the chdb store runs them
on open; on a ClickHouse server they are logged, to be run by an operator).
Values are passed as ClickHouse query parameters (``{name:Type}``), never spliced into the SQL; only
identifiers from ``kinds`` and the validated database name are (hence the ``noqa: S608``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from xueliang.viewlib.kinds import Kind

COMMON_COLUMNS = (
    ("object_id", "String"),
    ("device_id", "LowCardinality(String)"),
    ("source_id", "String"),
    ("event_time", "DateTime64(3, 'UTC')"),
    ("info_kind", "Int8"),
)
TAIL_COLUMNS = (
    ("images", "Array(String)"),
    ("raw", "String CODEC(ZSTD(3))"),
    ("ingested_at", "DateTime64(3, 'UTC') DEFAULT now64(3)"),
)
SORTABLE = {"event_time", "object_id", "device_id", "ingested_at"}


@dataclass
class RecordQuery:
    """Equality filters on indexed columns, a time window, paging and order."""

    equals: dict[str, str | int | float] = field(default_factory=dict)
    time_from: str | None = None  # to_sql() form, inclusive
    time_to: str | None = None  # exclusive
    offset: int = 0
    limit: int = 100
    order_by: str = "event_time"
    descending: bool = False


def table(kind: Kind, database: str) -> str:
    return f"{database}.{kind.name}"


LAYOUT = "viewlib layout 3: month partitions, 1024-row granules, 16 KiB blocks, time projection"
LAYOUT_2_SETTINGS = "index_granularity = 2048"  # layout 2 (2026-11-28): same table, larger granules
TIME_PROJECTION_COLUMNS = (
    "event_time", "object_id", "plate_no", "plate_color", "vehicle_color", "vehicle_class",
    "vehicle_brand", "direction", "tollgate_id", "device_id", "speed",
)  # fmt: skip
# 1,024-row granules and 16 KiB minimum compression blocks (default 64 KiB): a trajectory reads one
# granule per part, and each narrow column's smallest readable unit is a compression block.
TABLE_SETTINGS = (
    "index_granularity = 1024, min_compress_block_size = 16384,"
    " deduplicate_merge_projection_mode = 'rebuild', lightweight_mutation_projection_mode = 'rebuild'"
)


def column_names(kind: Kind) -> list[str]:
    return [n for n, _ in COMMON_COLUMNS] + [c.name for c in kind.columns] + [n for n, _ in TAIL_COLUMNS]


def create_table(kind: Kind, database: str, name: str | None = None) -> str:
    cols = [*COMMON_COLUMNS, *((c.name, c.sql_type) for c in kind.columns), *TAIL_COLUMNS]
    body = ",\n  ".join(f"{col} {typ}" for col, typ in cols)
    projection = ""
    if kind.order_key == "plate_no":
        projection = (
            f",\n  PROJECTION p_time (SELECT {', '.join(TIME_PROJECTION_COLUMNS)} ORDER BY event_time)"
        )
    return (
        f"CREATE TABLE IF NOT EXISTS {database}.{name or kind.name} (\n  {body},\n"
        f"  INDEX ix_object_id object_id TYPE bloom_filter(0.001) GRANULARITY 1{projection}\n)"
        f" ENGINE = ReplacingMergeTree"
        f" PARTITION BY toYYYYMM(event_time)"
        f" ORDER BY ({kind.order_key}, event_time, object_id)"
        f" SETTINGS {TABLE_SETTINGS}"
        f" COMMENT '{LAYOUT}'"
    )


def layouts(database: str) -> str:
    """Table name → layout comment of the store's tables (``{db:String}``)."""
    return "SELECT name, comment FROM system.tables WHERE database = {db:String}"


def migrate_statements(kind: Kind, database: str) -> list[str]:
    """Copy an older-layout table into the current layout and swap it in. Idempotent when rerun after
    an interruption: a leftover copy is dropped first, a leftover old table after the swap is dropped
    by ``cleanup_statement``. Rows keep their ``ingested_at``; nothing may write meanwhile."""
    copy, old = f"{database}.{kind.name}__migrating", f"{database}.{kind.name}__old_layout"
    cols = ", ".join(column_names(kind))
    return [
        f"DROP TABLE IF EXISTS {copy}",
        create_table(kind, database, f"{kind.name}__migrating"),
        f"INSERT INTO {copy} ({cols}) SELECT {cols} FROM {table(kind, database)}",  # noqa: S608
        f"RENAME TABLE {table(kind, database)} TO {old}, {copy} TO {table(kind, database)}",
        cleanup_statement(kind, database),
    ]


def cleanup_statement(kind: Kind, database: str) -> str:
    return f"DROP TABLE IF EXISTS {database}.{kind.name}__old_layout"


def insert_prefix(kind: Kind, database: str) -> str:
    return f"INSERT INTO {table(kind, database)} FORMAT JSONEachRow\n"


def hex_list(values: list[str]) -> str:
    """A list parameter as comma-separated hex: chdb mis-encodes Array(String) parameters holding
    non-ASCII text (plates), so lists travel as one String and are decoded in SQL (``_LIST``)."""
    return ",".join(v.encode().hex() for v in values)


def _list(param: str) -> str:
    return f"(SELECT arrayJoin(arrayMap(x -> unhex(x), splitByChar(',', {{{param}:String}}))))"


def existing_ids(kind: Kind, database: str) -> str:
    """Ids of a batch already stored; keys, ids (``hex_list``) and the time window are parameters."""
    return (
        f"SELECT object_id FROM {table(kind, database)}"  # noqa: S608
        f" WHERE {kind.order_key} IN {_list('keys')}"
        f" AND event_time >= {{lo:DateTime64(3, 'UTC')}} AND event_time <= {{hi:DateTime64(3, 'UTC')}}"
        f" AND object_id IN {_list('ids')}"
    )


def max_event_time(kind: Kind, database: str) -> str:
    """The latest event time, as text (empty table: NULL). Reads the partitions' min-max indices."""
    return f"SELECT if(count() = 0, NULL, toString(max(event_time))) FROM {table(kind, database)}"  # noqa: S608


def existing_params(*, keys: list[str], lo: str, hi: str, ids: list[str]) -> dict[str, str]:
    return {"keys": hex_list(keys), "lo": lo, "hi": hi, "ids": hex_list(ids)}


def _where(kind: Kind, query: RecordQuery) -> tuple[str, dict[str, Any]]:
    columns = {c.name: c for c in kind.columns}
    clauses, params = [], {}
    for i, (name, value) in enumerate(sorted(query.equals.items())):
        if name not in columns and name not in {"object_id", "device_id", "source_id"}:
            raise ValueError(f"{name} is not an indexed column of {kind.name}")
        sql_type = {"int": "Int64", "float": "Float64"}.get(
            columns[name].conv if name in columns else "", "String"
        )
        clauses.append(f"{name} = {{p{i}:{sql_type}}}")
        params[f"p{i}"] = value
    if query.time_from is not None:
        clauses.append("event_time >= {tfrom:DateTime64(3, 'UTC')}")
        params["tfrom"] = query.time_from
    if query.time_to is not None:
        clauses.append("event_time < {tto:DateTime64(3, 'UTC')}")
        params["tto"] = query.time_to
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def select_page(kind: Kind, database: str, query: RecordQuery) -> tuple[str, dict[str, Any]]:
    if query.order_by not in SORTABLE:
        raise ValueError(f"cannot order by {query.order_by}")
    where, params = _where(kind, query)
    direction = "DESC" if query.descending else "ASC"
    sql = (
        f"SELECT raw FROM {table(kind, database)}{where}"  # noqa: S608
        f" ORDER BY {query.order_by} {direction}, object_id {direction}"
        f" LIMIT {int(query.limit)} OFFSET {int(query.offset)}"
    )
    return sql, params


def count(kind: Kind, database: str, query: RecordQuery) -> tuple[str, dict[str, Any]]:
    where, params = _where(kind, query)
    return f"SELECT count() FROM {table(kind, database)}{where}", params  # noqa: S608


def ingested_since(kind: Kind, database: str) -> str:
    """Records stored at or after ``since`` (the store's clock), a page at a time: the replay of
    publications a crash may have lost (``viewlib.publication``). Reads the whole ``ingested_at``
    column (not in the key): run once, after an unclean stop."""
    return (
        f"SELECT raw, images, toString(event_time) FROM {table(kind, database)}"  # noqa: S608
        " WHERE ingested_at >= {since:DateTime64(3, 'UTC')}"
        " ORDER BY ingested_at, object_id LIMIT {limit:UInt32} OFFSET {offset:UInt32}"
    )


def get_one(kind: Kind, database: str, *, keyed: bool = False) -> str:
    """One record's raw JSON by id. ``keyed``: the sort key's first two columns are parameters too
    (``key``, ``at``), so ClickHouse reads one granule; by id alone it reads the whole table."""
    where = "object_id = {id:String}"
    if keyed:
        where = f"{kind.order_key} = {{key:String}} AND event_time = {{at:DateTime64(3, 'UTC')}} AND {where}"
    return f"SELECT raw FROM {table(kind, database)} WHERE {where} LIMIT 1"  # noqa: S608
