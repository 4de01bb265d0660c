"""GA/T 1400 condition queries: ``<Object>.<Field>=v``, ``<Object>.RecordStartNo`` (1-based),
``<Object>.PageRecordNum``, ``<Object>.<Field>.Order=asc|desc``; our extension for time windows:
``<Object>.<TimeField>.Begin`` / ``.End`` (any accepted time form; End exclusive)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from xueliang.core.exceptions import BadRequestError
from xueliang.viewlib.kinds import Kind
from xueliang.viewlib.sql import RecordQuery
from xueliang.viid.times import BadTime, parse_time, to_sql

MAX_PAGE = 1000
_SPECIAL = {"DeviceID": "device_id", "SourceID": "source_id"}


def _column(kind: Kind, field: str) -> str:
    if field == kind.id_field:
        return "object_id"
    if field in _SPECIAL:
        return _SPECIAL[field]
    col = kind.fields.get(field)
    if col is None:
        raise BadRequestError(f"{kind.query_prefix}.{field} cannot be queried (not an indexed field)")
    return col.name


def _time(value: str, tz: str, name: str) -> str:
    try:
        return to_sql(parse_time(value, tz=tz))
    except BadTime as exc:
        raise BadRequestError(f"{name}: {exc}") from None


def _int(value: str, name: str, lo: int, hi: int) -> int:
    if not value.isdigit() or not lo <= int(value) <= hi:
        raise BadRequestError(f"{name} must be an integer from {lo} to {hi}")
    return int(value)


def parse_query(kind: Kind, params: Mapping[str, str], *, tz: str) -> RecordQuery:
    query = RecordQuery(limit=20)
    prefix = kind.query_prefix + "."
    for key, value in params.items():
        name = key[len(prefix) :] if key.startswith(prefix) else key
        field, _, op = name.partition(".")
        if field == "RecordStartNo":
            query.offset = max(_int(value, key, 0, 10**9) - 1, 0)
        elif field == "PageRecordNum":
            query.limit = _int(value, key, 0, MAX_PAGE)
        elif field in kind.time_fields:
            _time_clause(query, key, value, op, tz)
        elif op == "Order":
            query.order_by, query.descending = _column(kind, field), value.lower() == "desc"
        elif not op and key.startswith(prefix):
            column = _column(kind, field)
            col = kind.fields.get(field)
            query.equals[column] = _int(value, key, -(2**31), 2**31) if col and col.conv == "int" else value
        elif key.startswith(prefix):
            raise BadRequestError(f"unsupported query parameter {key}")
    return query


def _time_clause(query: RecordQuery, key: str, value: str, op: str, tz: str) -> None:
    if op == "Order":
        query.order_by, query.descending = "event_time", value.lower() == "desc"
    elif op == "Begin":
        query.time_from = _time(value, tz, key)
    elif op == "End":
        query.time_to = _time(value, tz, key)
    elif not op:
        try:
            moment = parse_time(value, tz=tz)
        except BadTime as exc:
            raise BadRequestError(f"{key}: {exc}") from None
        query.time_from, query.time_to = to_sql(moment), to_sql(moment + timedelta(seconds=1))
    else:
        raise BadRequestError(f"unsupported query parameter {key}")
