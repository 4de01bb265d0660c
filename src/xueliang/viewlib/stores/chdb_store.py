"""Embedded ClickHouse (chdb): one session per process, on DATA_DIR/records.

chdb allows one embedded server per process; a second path in the same process is refused. The
session runs concurrent queries, but query *parameters* are session state in chdb 4.4: two threads
running parameterised queries at once can lose each other's (``Substitution `keys` is not set``, seen
as HTTP 500s from the ingest writer while the investigation consumer read records). So every query
on a session goes through one lock (``_LockedSession``); queries are short and the ingest writer
serialises writes anyway.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from pathlib import Path
from typing import Any, ClassVar

import orjson

from xueliang.viewlib import sql
from xueliang.viewlib.kinds import ALL_KINDS, Kind
from xueliang.viewlib.sql import RecordQuery
from xueliang.viewlib.stores.base import RecordStore, Stored

log = logging.getLogger(__name__)
_sessions: dict[Path, Any] = {}
_sessions_lock = threading.Lock()


class _LockedSession:
    """A chdb session whose queries run one at a time (parameters are per-session state)."""

    def __init__(self, session: Any) -> None:
        self._session, self._lock = session, threading.Lock()

    def query(self, text: str, fmt: str = "CSV", params: dict[str, Any] | None = None) -> Any:
        with self._lock:
            return self._session.query(text, fmt, params=params or {})

    def close(self) -> None:
        with self._lock:
            self._session.close()


def _close_all() -> None:
    """Close every session before the interpreter tears down: chdb's embedded server crashes
    (SIGSEGV in its global shutdown) when a session is still open at process exit."""
    with _sessions_lock:
        sessions = list(_sessions.values())
        _sessions.clear()
    for session in sessions:
        try:
            session.close()
        except Exception:  # exit must go on; the data is already durable
            log.warning("closing a chdb session at exit failed", exc_info=True)


atexit.register(_close_all)


def _session_for(path: Path) -> Any:
    """The process's chdb session on ``path`` (stores of several databases share it)."""
    from chdb import session as chdb_session

    with _sessions_lock:
        if path not in _sessions:
            _sessions[path] = _LockedSession(chdb_session.Session(str(path)))  # type: ignore[no-untyped-call]
        return _sessions[path]


class ChdbStore(RecordStore):
    type: ClassVar[str] = "chdb"
    single_writer: ClassVar[bool] = True  # one embedded server per directory

    def __init__(self, *, path: Path, database: str = "viewlib") -> None:
        path.mkdir(parents=True, exist_ok=True)
        self.path, self.database = path, database
        self._session = _session_for(path)

    def _query(self, text: str, params: dict[str, Any] | None = None, fmt: str = "JSONCompact") -> Any:
        result = self._session.query(text, fmt, params=params or {})
        return orjson.loads(result.bytes()) if fmt == "JSONCompact" else result

    def ensure_schema(self) -> None:
        """Create missing tables; copy tables of an older layout into the current one (``sql.LAYOUT``)."""
        self._query(f"CREATE DATABASE IF NOT EXISTS {self.database}", fmt="CSV")
        found = {r[0]: r[1] for r in self._query(sql.layouts(self.database), {"db": self.database})["data"]}
        for kind in ALL_KINDS:
            if kind.name in found and found[kind.name] != sql.LAYOUT:
                self._migrate(kind)
            self._query(sql.create_table(kind, self.database), fmt="CSV")
            if f"{kind.name}__old_layout" in found:
                self._query(sql.cleanup_statement(kind, self.database), fmt="CSV")

    def _migrate(self, kind: Kind) -> None:
        t0 = time.perf_counter()
        for statement in sql.migrate_statements(kind, self.database):
            self._query(statement, fmt="CSV")
        log.warning(
            "record store %s.%s migrated to %r in %.1f s",
            self.database, kind.name, sql.LAYOUT, time.perf_counter() - t0,
        )  # fmt: skip

    def existing_ids(self, kind: Kind, *, keys: list[str], lo: str, hi: str, ids: list[str]) -> set[str]:
        params = sql.existing_params(keys=keys, lo=lo, hi=hi, ids=ids)
        rows = self._query(sql.existing_ids(kind, self.database), params)["data"]
        return {r[0] for r in rows}

    def max_event_time(self, kind: Kind) -> str | None:
        rows = self._query(sql.max_event_time(kind, self.database))["data"]
        return str(rows[0][0]) if rows and rows[0][0] is not None else None

    def insert(self, kind: Kind, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        # JSONEachRow also reads one JSON array of rows: one orjson call (2.5 µs/row) instead of one per
        # row joined by newlines (7 µs/row), Python time that holds the GIL; ClickHouse's work is equal.
        body = orjson.dumps(rows).decode()
        self._session.query(sql.insert_prefix(kind, self.database) + body, "CSV")

    def insert_json(self, kind: Kind, body: bytes) -> None:
        self._session.query(sql.insert_prefix(kind, self.database) + body.decode(), "CSV")

    def page(self, kind: Kind, query: RecordQuery) -> tuple[list[str], int]:
        text, params = sql.count(kind, self.database, query)
        total = int(self._query(text, params)["data"][0][0])
        if query.limit <= 0 or total == 0:
            return [], total
        text, params = sql.select_page(kind, self.database, query)
        return [r[0] for r in self._query(text, params)["data"]], total

    def get(self, kind: Kind, object_id: str, *, key: str | None = None, at: str | None = None) -> str | None:
        keyed = key is not None and at is not None
        params = {"id": object_id, **({"key": key, "at": at} if keyed else {})}
        rows = self._query(sql.get_one(kind, self.database, keyed=keyed), params)["data"]
        return str(rows[0][0]) if rows else None

    def ingested_since(self, kind: Kind, since: str, *, offset: int, limit: int) -> list[Stored]:
        params = {"since": since, "offset": offset, "limit": limit}
        rows = self._query(sql.ingested_since(kind, self.database), params)["data"]
        return [(str(r[0]), list(r[1]), str(r[2])) for r in rows]

    def drop_database(self) -> None:
        self._query(f"DROP DATABASE IF EXISTS {self.database}", fmt="CSV")

    def close(self) -> None:
        with _sessions_lock:
            if _sessions.pop(self.path, None) is not None:
                self._session.close()
