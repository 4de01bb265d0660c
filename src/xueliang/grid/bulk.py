"""Fast bulk inserts on the caller's connection and transaction: ``executemany`` on SQLite, ``COPY``
(psycopg 3 ``cursor.copy``) on PostgreSQL. Values must already be in stored form (geometry as WKB
on SQLite / hex EWKB on PostgreSQL, dates as ISO text, booleans as bool).

The rows go to the driver connection directly, so the SQLAlchemy transaction is begun first: the
SQLite driver runs in autocommit mode (``core.db`` lets SQLAlchemy emit ``BEGIN``), and without it
every row would be its own transaction — slow, and not atomic with the import checkpoint.

``drop_secondary_indexes`` / ``create_secondary_indexes``: a large SQLite import drops the plain
(non-unique) indexes of the big tables and builds them once at the end — one sort per index instead
of millions of random B-tree inserts. Primary keys, unique constraints and foreign keys stay, so
duplicates and unknown parents are still refused row by row."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Index
from sqlalchemy.exc import DBAPIError

from xueliang.grid.models import Address, Building, HousingUnit, Resident, ResidentHousing

BIG_TABLES = (Address, Building, HousingUnit, Resident, ResidentHousing)


class BulkWriter:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.postgres = conn.dialect.name == "postgresql"

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Raises SQLAlchemy's ``IntegrityError``/``DBAPIError`` (not the driver's), so the importer
        can roll the batch back and replay it row by row."""
        if not rows:
            return
        if not self.conn.in_transaction():
            self.conn.begin()
        names = ", ".join(columns)
        dbapi: Any = self.conn.dialect.loaded_dbapi
        if self.postgres:
            statement = f"COPY {table} ({names}) FROM STDIN"
        else:
            statement = f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))})"  # noqa: S608
        try:
            self._write(statement, rows)
        except dbapi.Error as exc:
            raise DBAPIError.instance(statement, None, exc, dbapi.Error, dialect=self.conn.dialect) from exc

    def _write(self, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        raw: Any = self.conn.connection.driver_connection
        if not self.postgres:
            raw.executemany(statement, rows)
            return
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)


def secondary_indexes() -> list[Index]:
    """The plain indexes of the big registry tables (as the models declare them)."""
    return [i for model in BIG_TABLES for i in model.__table__.indexes if not i.unique]  # type: ignore[attr-defined]


def drop_secondary_indexes(conn: Connection) -> None:
    for index in secondary_indexes():
        conn.exec_driver_sql(f"DROP INDEX IF EXISTS {index.name}")
    conn.commit()


def create_secondary_indexes(conn: Connection) -> int:
    """Creates those of the indexes that are missing; returns how many were created."""
    existing = {
        name for (name,) in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'index'")
    }
    missing = [i for i in secondary_indexes() if i.name not in existing]
    for index in missing:
        index.create(conn)
    conn.commit()
    return len(missing)
