"""Fast bulk inserts on the caller's connection and transaction: ``executemany`` on SQLite, ``COPY``
(psycopg 3 ``cursor.copy``) on PostgreSQL. Values must already be in stored form (geometry as WKB
on SQLite / hex EWKB on PostgreSQL, dates as ISO text, booleans as bool)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection


class BulkWriter:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.postgres = conn.dialect.name == "postgresql"

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        names = ", ".join(columns)
        raw: Any = self.conn.connection.driver_connection
        if self.postgres:
            with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join("?" * len(columns))
        raw.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)  # noqa: S608
