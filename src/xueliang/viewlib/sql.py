"""ClickHouse SQL for the record store, shared by the chdb and clickhouse backends.

Tables: one per kind, ``ReplacingMergeTree`` partitioned by day, ordered by the kind's look-up key
(plate for motor vehicles, device otherwise), then event time, then object id — so a plate's
trajectory or a device-hour is a range read. The ORDER BY key contains the object id, so a duplicate
that slipped past the ingest check (two writers racing on a cluster) is collapsed by merges; the
ingest check (``existing_ids``) makes duplicates impossible within one writer.
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


def create_table(kind: Kind, database: str) -> str:
    cols = [*COMMON_COLUMNS, *((c.name, c.sql_type) for c in kind.columns), *TAIL_COLUMNS]
    body = ",\n  ".join(f"{name} {typ}" for name, typ in cols)
    return (
        f"CREATE TABLE IF NOT EXISTS {table(kind, database)} (\n  {body},\n"
        f"  INDEX ix_object_id object_id TYPE bloom_filter(0.001) GRANULARITY 1\n)"
        f" ENGINE = ReplacingMergeTree"
        f" PARTITION BY toYYYYMMDD(event_time)"
        f" ORDER BY ({kind.order_key}, event_time, object_id)"
    )


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


def get_one(kind: Kind, database: str) -> str:
    return f"SELECT raw FROM {table(kind, database)} WHERE object_id = {{id:String}} LIMIT 1"  # noqa: S608
