"""A ClickHouse server through clickhouse-connect: the same tables and SQL as chdb.

No ClickHouse server runs on the development machines, so this backend is tested through a fake
client that records the SQL it is given (tests/viewlib/test_stores.py), not against a server.
``url``: ``http://user:password@host:8123`` (the database is the store's own).
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar

from xueliang.viewlib import sql
from xueliang.viewlib.kinds import ALL_KINDS, Kind
from xueliang.viewlib.sql import RecordQuery
from xueliang.viewlib.stores.base import RecordStore, Stored

log = logging.getLogger(__name__)


class ClickHouseStore(RecordStore):
    type: ClassVar[str] = "clickhouse"

    def __init__(self, *, url: str = "", database: str = "viewlib", client: Any = None) -> None:
        if client is None:
            import clickhouse_connect

            client = clickhouse_connect.get_client(dsn=url)
        self.client, self.database = client, database

    def ensure_schema(self) -> None:
        """Create missing tables. Tables of an older layout keep working (same SQL, slower); their
        migration is logged, not run: copying a cluster's table is an operator's decision."""
        self.client.command(f"CREATE DATABASE IF NOT EXISTS {self.database}")
        rows = self.client.query(sql.layouts(self.database), parameters={"db": self.database}).result_rows
        found = {str(r[0]): str(r[1]) for r in rows}
        for kind in ALL_KINDS:
            if kind.name in found and found[kind.name] != sql.LAYOUT:
                steps = "; ".join(sql.migrate_statements(kind, self.database))
                log.warning(
                    "record table %s.%s has an older layout (%r); to migrate, with writers stopped: %s",
                    self.database, kind.name, found[kind.name], steps,
                )  # fmt: skip
            self.client.command(sql.create_table(kind, self.database))

    def existing_ids(self, kind: Kind, *, keys: list[str], lo: str, hi: str, ids: list[str]) -> set[str]:
        params = sql.existing_params(keys=keys, lo=lo, hi=hi, ids=ids)
        result = self.client.query(sql.existing_ids(kind, self.database), parameters=params)
        return {row[0] for row in result.result_rows}

    def insert(self, kind: Kind, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        names = list(rows[0])
        data = [[r[n] for n in names] for r in rows]
        self.client.insert(
            sql.table(kind, self.database),
            data,
            column_names=names,
            settings={"wait_for_async_insert": 1},
        )

    def page(self, kind: Kind, query: RecordQuery) -> tuple[list[str], int]:
        text, params = sql.count(kind, self.database, query)
        total = int(self.client.query(text, parameters=params).result_rows[0][0])
        if query.limit <= 0 or total == 0:
            return [], total
        text, params = sql.select_page(kind, self.database, query)
        return [r[0] for r in self.client.query(text, parameters=params).result_rows], total

    def get(self, kind: Kind, object_id: str, *, key: str | None = None, at: str | None = None) -> str | None:
        keyed = key is not None and at is not None
        params = {"id": object_id, **({"key": key, "at": at} if keyed else {})}
        rows = self.client.query(sql.get_one(kind, self.database, keyed=keyed), parameters=params).result_rows
        return str(rows[0][0]) if rows else None

    def ingested_since(self, kind: Kind, since: str, *, offset: int, limit: int) -> list[Stored]:
        params = {"since": since, "offset": offset, "limit": limit}
        rows = self.client.query(sql.ingested_since(kind, self.database), parameters=params).result_rows
        return [(str(r[0]), list(r[1]), str(r[2])) for r in rows]

    def close(self) -> None:
        self.client.close()
