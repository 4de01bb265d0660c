"""Read-only record-store queries for investigation: feature search with facets, trajectories,
multi-dimensional searches, vehicle analytics and embedding read-back.

Same SQL on chdb and a ClickHouse server (``rows`` runs it); the memory store has no SQL and is
refused. Values travel as query parameters; lists as one hex string decoded in SQL (chdb mis-encodes
non-ASCII Array(String) parameters, see ``sql.hex_list``). Only column names from the fixed set below
and the validated database name are spliced into the text (hence ``noqa: S608``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from xueliang.core.exceptions import ConfigurationError
from xueliang.viewlib.kinds import MOTOR_VEHICLE, Kind
from xueliang.viewlib.sql import hex_list, table
from xueliang.viewlib.stores.base import RecordStore

FILTER_COLUMNS = frozenset(
    {
        "plate_color",
        "vehicle_color",
        "vehicle_class",
        "vehicle_brand",
        "direction",
        "tollgate_id",
        "device_id",
    }
)
FACET_COLUMNS = ("plate_color", "vehicle_color", "vehicle_class", "vehicle_brand", "tollgate_id")
PASS_SORTS = {"event_time", "plate_no", "tollgate_id", "speed"}
T64 = "DateTime64(3, 'UTC')"


@dataclass
class PassFilter:
    """Conditions on motor-vehicle passes. ``None`` for visibility = every device."""

    plate_exact: str | None = None
    plate_prefix: str | None = None  # literal prefix: a primary-key range
    plate_regex: str | None = None  # re2, anchored
    any_of: dict[str, list[str]] = field(default_factory=dict)  # column → accepted values
    time_from: str | None = None  # to_sql() form, inclusive
    time_to: str | None = None  # exclusive
    visible_devices: list[str] | None = None
    visible_tollgates: list[str] | None = None
    object_ids: list[str] | None = None  # only these records (e.g. the captures similar to a probe)


def rows(store: RecordStore, text: str, params: dict[str, Any]) -> list[list[Any]]:
    """Run a SELECT on a ClickHouse-SQL store; each row as a list."""
    if store.type == "chdb":
        return list(store._query(text, params)["data"])  # type: ignore[attr-defined]
    if store.type == "clickhouse":
        return [list(r) for r in store.client.query(text, parameters=params).result_rows]  # type: ignore[attr-defined]
    raise ConfigurationError(
        f"record store {store.type!r} has no SQL: investigation needs chdb or clickhouse"
    )


def database_of(store: RecordStore) -> str:
    return str(getattr(store, "database", "viewlib"))


def in_list(param: str) -> str:
    return _decoded(f"{{{param}:String}}")


def pass_where(f: PassFilter, prefix: str = "") -> tuple[str, dict[str, Any]]:
    """WHERE body (without the keyword) and parameters; ``prefix`` keeps parameter names apart."""
    clauses, params = ["1"], {}

    def add(clause: str, name: str, typ: str, value: Any) -> None:
        clauses.append(clause.format(p=f"{{{prefix}{name}:{typ}}}"))
        params[f"{prefix}{name}"] = value

    if f.plate_exact is not None:
        add("plate_no = {p}", "plate", "String", f.plate_exact)
    if f.plate_prefix:
        add("plate_no >= {p}", "pfrom", "String", f.plate_prefix)
        add("plate_no < {p}", "pto", "String", prefix_end(f.plate_prefix))
    if f.plate_regex:
        add("match(plate_no, {p})", "pregex", "String", f.plate_regex)
    for column, values in sorted(f.any_of.items()):
        if column not in FILTER_COLUMNS:
            raise ValueError(f"cannot filter on {column}")
        if values:
            add(column + " IN " + _decoded("{p}"), f"in_{column}", "String", hex_list(values))
    if f.object_ids is not None:
        add("object_id IN " + _decoded("{p}"), "ids", "String", hex_list(f.object_ids or [""]))
    if f.time_from is not None:
        add("event_time >= {p}", "tfrom", T64, f.time_from)
    if f.time_to is not None:
        add("event_time < {p}", "tto", T64, f.time_to)
    if f.visible_devices is not None or f.visible_tollgates is not None:
        add("(device_id IN " + _decoded("{p}"), "vd", "String", hex_list(f.visible_devices or [""]))
        add("tollgate_id IN " + _decoded("{p}") + ")", "vt", "String", hex_list(f.visible_tollgates or [""]))
        clauses[-2:] = [clauses[-2] + " OR " + clauses[-1]]
    return " AND ".join(clauses), params


def prefix_end(prefix: str) -> str:
    """The first string after every string starting with ``prefix`` (bytewise UTF-8 order is code
    point order): ``湘A`` → ``湘B``, so a prefix is a primary-key range, not a LIKE."""
    return prefix[:-1] + chr(min(ord(prefix[-1]) + 1, 0x10FFFF))


def _decoded(param: str) -> str:
    return f"(SELECT arrayJoin(arrayMap(x -> unhex(x), splitByChar(',', {param}))))"


def search_passes(
    store: RecordStore, f: PassFilter, *, order_by: str, descending: bool, offset: int, limit: int
) -> tuple[list[str], int]:
    """(raw JSON of one page, total matching), in two queries: the page's keys with the total (a
    window count over the filtered narrow columns, which the time projection serves), then ``raw`` of
    those keys by primary key. Reading ``raw`` in the filtered query itself would read every granule
    of the window's base range (plates come first in the key); a separate count, or the keys as a
    subquery of the ``raw`` query, would filter the window two or three times (at 100M passes:
    count 69 + keys 78 + raw-with-subquery 157 ms at p50)."""
    if order_by not in PASS_SORTS:
        raise ValueError(f"cannot order by {order_by}")
    where, params = pass_where(f)
    t = table(MOTOR_VEHICLE, database_of(store))
    direction = "DESC" if descending else "ASC"
    order = f"ORDER BY {order_by} {direction}, object_id {direction}"
    keys = (
        []
        if limit <= 0
        else rows(
            store,
            f"SELECT plate_no, object_id, toString(event_time), count() OVER () FROM {t} WHERE {where}"  # noqa: S608
            f" {order} LIMIT {int(limit)} OFFSET {int(offset)}",
            params,
        )
    )
    if not keys:  # no page asked, or past the end: the total alone
        return [], int(rows(store, f"SELECT count() FROM {t} WHERE {where}", params)[0][0])  # noqa: S608
    times = sorted(str(k[2]) for k in keys)
    text = (
        f"SELECT raw FROM {t} WHERE plate_no IN {_decoded('{kp:String}')}"  # noqa: S608
        f" AND event_time >= {{klo:{T64}}} AND event_time <= {{khi:{T64}}}"
        f" AND object_id IN {_decoded('{ki:String}')} {order} LIMIT 1 BY object_id"
    )
    key_params = {
        "kp": hex_list(sorted({str(k[0]) for k in keys})),
        "ki": hex_list([str(k[1]) for k in keys]),
        "klo": times[0],
        "khi": times[-1],
    }
    return [r[0] for r in rows(store, text, key_params)], int(keys[0][3])


def facet_counts(store: RecordStore, f: PassFilter, *, top: int = 20) -> dict[str, list[tuple[str, int]]]:
    """Counts per value of each facet column, in one scan (GROUPING SETS); the ``top`` largest each."""
    where, params = pass_where(f)
    cols = ", ".join(FACET_COLUMNS)
    sets = ", ".join(f"({c})" for c in FACET_COLUMNS)
    groups = ", ".join(f"grouping({c})" for c in FACET_COLUMNS)
    text = (
        f"SELECT {cols}, {groups}, count() FROM {table(MOTOR_VEHICLE, database_of(store))}"  # noqa: S608
        f" WHERE {where} GROUP BY GROUPING SETS ({sets})"
    )
    n = len(FACET_COLUMNS)
    out: dict[str, list[tuple[str, int]]] = {c: [] for c in FACET_COLUMNS}
    for row in rows(store, text, params):
        flags = row[n : 2 * n]
        i = next((k for k, g in enumerate(flags) if int(g) == 0), None)  # grouping() 0 = grouped by it
        if i is not None:
            out[FACET_COLUMNS[i]].append((str(row[i]), int(row[-1])))
    return {c: sorted(v, key=lambda p: -p[1])[:top] for c, v in out.items()}


def plate_passes(store: RecordStore, f: PassFilter, *, limit: int = 10_000) -> list[list[Any]]:
    """Time-ordered passes: object_id, event_time, tollgate_id, device_id, direction, speed, plate_color."""
    where, params = pass_where(f)
    text = (
        "SELECT object_id, toString(event_time), tollgate_id, device_id, direction, speed, plate_color"  # noqa: S608
        f" FROM {table(MOTOR_VEHICLE, database_of(store))} WHERE {where}"
        f" ORDER BY event_time, object_id LIMIT {int(limit)}"
    )
    return rows(store, text, params)


def raw_by_ids(store: RecordStore, kind: Kind, ids: list[str]) -> dict[str, str]:
    if not ids:
        return {}
    text = f"SELECT object_id, raw FROM {table(kind, database_of(store))} WHERE object_id IN {in_list('ids')}"  # noqa: S608
    return {r[0]: r[1] for r in rows(store, text, {"ids": hex_list(ids)})}


def features(
    store: RecordStore, kind: Kind, *, time_from: str | None = None, after_id: str = "", limit: int = 100_000
) -> list[list[Any]]:
    """Stored embeddings (FeatureInfoObject.FeatureData): object_id, epoch s, device_id, base64 —
    ordered by object id, from ``after_id`` on (for paging a backfill)."""
    params: dict[str, Any] = {"after": after_id}
    since = ""
    if time_from is not None:
        since, params["tfrom"] = f" AND event_time >= {{tfrom:{T64}}}", time_from
    text = (
        "SELECT object_id, toUnixTimestamp(event_time), device_id,"  # noqa: S608
        " JSONExtractString(raw, 'FeatureInfoObject', 'FeatureData') AS fd"
        f" FROM {table(kind, database_of(store))}"
        f" WHERE object_id > {{after:String}}{since} AND fd != '' ORDER BY object_id LIMIT {int(limit)}"
    )
    return rows(store, text, params)


# -- multi-dimensional searches ------------------------------------------------------------------
def a_then_b(
    store: RecordStore, a: PassFilter, b: PassFilter, *, within_s: int, limit: int
) -> list[list[Any]]:
    """Plates seen by filter ``a`` and then by ``b`` within ``within_s`` seconds: plate_no,
    plate_color, time at A, time at B (text), object id at A, object id at B — first pair per plate."""
    wa, pa = pass_where(a, "a_")
    wb, pb = pass_where(b, "b_")
    t = table(MOTOR_VEHICLE, database_of(store))
    text = (
        "SELECT plate_no, plate_color, toString(min(ta)), toString(argMin(tb, ta)),"  # noqa: S608
        " argMin(ida, ta), argMin(idb, ta) FROM ("
        " SELECT x.plate_no AS plate_no, x.plate_color AS plate_color,"
        " x.event_time AS ta, y.event_time AS tb, x.object_id AS ida, y.object_id AS idb"
        f" FROM (SELECT plate_no, plate_color, event_time, object_id FROM {t} WHERE {wa}) AS x"
        f" INNER JOIN (SELECT plate_no, plate_color, event_time, object_id FROM {t} WHERE {wb}) AS y"
        " ON x.plate_no = y.plate_no AND x.plate_color = y.plate_color"
        " WHERE y.event_time > x.event_time"
        f" AND y.event_time <= x.event_time + toIntervalSecond({int(within_s)}))"
        f" GROUP BY plate_no, plate_color ORDER BY plate_no LIMIT {int(limit)}"
    )
    return rows(store, text, pa | pb)


def area_collision(store: RecordStore, areas: list[PassFilter], *, limit: int) -> list[list[Any]]:
    """Plates seen in every one of ``areas`` (each a place and time window): plate_no, plate_color, passes."""
    conds: list[str] = []
    params: dict[str, Any] = {}
    for i, area in enumerate(areas):
        where, p = pass_where(area, f"z{i}_")
        conds.append(f"({where})")
        params |= p
    which = "multiIf(" + ", ".join(f"{c}, {i}" for i, c in enumerate(conds)) + ", -1)"
    text = (
        f"SELECT plate_no, plate_color, count() FROM (SELECT plate_no, plate_color, {which} AS area"  # noqa: S608
        f" FROM {table(MOTOR_VEHICLE, database_of(store))} WHERE {' OR '.join(conds)})"
        f" GROUP BY plate_no, plate_color HAVING uniqExact(area) = {len(areas)}"
        f" ORDER BY plate_no LIMIT {int(limit)}"
    )
    return rows(store, text, params)


# -- vehicle analytics ---------------------------------------------------------------------------
def consecutive_moves(store: RecordStore, f: PassFilter, *, max_gap_s: int) -> list[list[Any]]:
    """Consecutive passes of one plate at two different checkpoints less than ``max_gap_s`` apart:
    plate_no, plate_color, tollgate from, tollgate to, seconds between, object id from, object id to."""
    where, params = pass_where(f)
    text = (
        "SELECT plate_no, plate_color, prev_tg, tollgate_id, (ms - prev_ms) / 1000, prev_id, object_id FROM ("  # noqa: S608
        " SELECT plate_no, plate_color, tollgate_id, object_id, toUnixTimestamp64Milli(event_time) AS ms,"
        " lagInFrame(tollgate_id) OVER w AS prev_tg,"
        " lagInFrame(toUnixTimestamp64Milli(event_time)) OVER w AS prev_ms,"
        " lagInFrame(object_id) OVER w AS prev_id, row_number() OVER w AS rn"
        f" FROM {table(MOTOR_VEHICLE, database_of(store))} WHERE {where} AND plate_no != ''"
        " WINDOW w AS (PARTITION BY plate_no, plate_color ORDER BY event_time"
        " ROWS BETWEEN 1 PRECEDING AND CURRENT ROW))"
        f" WHERE rn > 1 AND prev_tg != tollgate_id AND ms - prev_ms < {int(max_gap_s) * 1000}"
    )
    return rows(store, text, params)


def attribute_conflicts(store: RecordStore, f: PassFilter) -> list[list[Any]]:
    """Plates seen with more than one brand or vehicle class: plate_no, plate_color, brands, classes."""
    where, params = pass_where(f)
    text = (
        "SELECT plate_no, plate_color, groupUniqArray(vehicle_brand), groupUniqArray(vehicle_class)"  # noqa: S608
        f" FROM {table(MOTOR_VEHICLE, database_of(store))} WHERE {where} AND plate_no != ''"
        " AND vehicle_brand != '' GROUP BY plate_no, plate_color"
        " HAVING uniqExact(vehicle_brand) > 1 OR uniqExact(vehicle_class) > 1"
    )
    return rows(store, text, params)


def first_seen_after(store: RecordStore, f: PassFilter, *, since: str) -> list[list[Any]]:
    """Plates whose first pass within ``f``'s window is at or after ``since``: plate, colour, first time."""
    where, params = pass_where(f)
    text = (
        "SELECT plate_no, plate_color, toString(min(event_time)) AS first"  # noqa: S608
        f" FROM {table(MOTOR_VEHICLE, database_of(store))} WHERE {where} AND plate_no != ''"
        f" GROUP BY plate_no, plate_color HAVING min(event_time) >= {{since:{T64}}} ORDER BY first"
    )
    return rows(store, text, params | {"since": since})


def frequent(
    store: RecordStore, f: PassFilter, *, min_count: int, night: tuple[int, int] | None = None,
    tz: str = "UTC", per_tollgate: bool = False,
) -> list[list[Any]]:  # fmt: skip
    """Plates with at least ``min_count`` passes (at night only: hours [from, to) local, wrapping
    midnight; per checkpoint): plate_no, plate_color, tollgate ('' unless per checkpoint), count."""
    where, params = pass_where(f)
    if night is not None:
        hour = "toHour(toTimeZone(event_time, {tz:String}))"
        where += f" AND ({hour} >= {int(night[0])} OR {hour} < {int(night[1])})"
        params["tz"] = tz
    gate = "tollgate_id" if per_tollgate else "''"
    text = (
        f"SELECT plate_no, plate_color, {gate} AS gate, count() AS n"  # noqa: S608
        f" FROM {table(MOTOR_VEHICLE, database_of(store))} WHERE {where} AND plate_no != ''"
        f" GROUP BY plate_no, plate_color, gate HAVING n >= {int(min_count)} ORDER BY n DESC"
    )
    return rows(store, text, params)
