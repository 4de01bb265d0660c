"""An in-memory fake of the record store for unit tests: same interface, no SQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from xueliang.viewlib.kinds import Kind
from xueliang.viewlib.sql import SORTABLE, RecordQuery
from xueliang.viewlib.stores.base import RecordStore, Stored
from xueliang.viid.times import to_sql


class MemoryStore(RecordStore):
    type: ClassVar[str] = "memory"
    single_writer: ClassVar[bool] = True

    def __init__(self) -> None:
        self.tables: dict[str, dict[str, dict[str, Any]]] = {}

    def ensure_schema(self) -> None:
        pass

    def existing_ids(self, kind: Kind, *, keys: list[str], lo: str, hi: str, ids: list[str]) -> set[str]:
        table = self.tables.get(kind.name, {})
        return {i for i in ids if i in table}

    def max_event_time(self, kind: Kind) -> str | None:
        return max((r["event_time"] for r in self.tables.get(kind.name, {}).values()), default=None)

    def insert(self, kind: Kind, rows: list[dict[str, Any]]) -> None:
        table = self.tables.setdefault(kind.name, {})
        stamp = to_sql(datetime.now(UTC))
        for row in rows:
            table[row["object_id"]] = {**row, "ingested_at": stamp}

    def ingested_since(self, kind: Kind, since: str, *, offset: int, limit: int) -> list[Stored]:
        rows = sorted(
            (r for r in self.tables.get(kind.name, {}).values() if r["ingested_at"] >= since),
            key=lambda r: (r["ingested_at"], r["object_id"]),
        )
        return [
            (str(r["raw"]), list(r.get("images", [])), str(r["event_time"]))
            for r in rows[offset : offset + limit]
        ]

    def _matches(self, row: dict[str, Any], query: RecordQuery) -> bool:
        if any(str(row.get(k)) != str(v) for k, v in query.equals.items()):
            return False
        if query.time_from is not None and row["event_time"] < query.time_from:
            return False
        return query.time_to is None or row["event_time"] < query.time_to

    def page(self, kind: Kind, query: RecordQuery) -> tuple[list[str], int]:
        if query.order_by not in SORTABLE:
            raise ValueError(f"cannot order by {query.order_by}")
        rows = [r for r in self.tables.get(kind.name, {}).values() if self._matches(r, query)]
        rows.sort(key=lambda r: (r.get(query.order_by, ""), r["object_id"]), reverse=query.descending)
        return [r["raw"] for r in rows[query.offset : query.offset + max(query.limit, 0)]], len(rows)

    def get(self, kind: Kind, object_id: str, *, key: str | None = None, at: str | None = None) -> str | None:
        row = self.tables.get(kind.name, {}).get(object_id)
        if row is None:
            return None
        if key is not None and at is not None and (row[kind.order_key], row["event_time"]) != (key, at):
            return None  # as the SQL stores: a key look-up finds only the row stored under that key
        return str(row["raw"])

    def close(self) -> None:
        self.tables.clear()
