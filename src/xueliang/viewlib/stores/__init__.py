"""Record stores keyed by ``type``: ``chdb`` (embedded ClickHouse, default), ``clickhouse`` (a
server, via clickhouse-connect) and ``memory`` (a fake for unit tests). Same interface, same SQL."""

from __future__ import annotations

from pathlib import Path

from xueliang.core.exceptions import ConfigurationError
from xueliang.viewlib.stores.base import RecordStore


def open_store(*, type: str, url: str, data_dir: Path, database: str = "viewlib") -> RecordStore:
    """Open (and create the tables of) the record store named by ``type``."""
    store: RecordStore
    if type == "chdb":
        from xueliang.viewlib.stores.chdb_store import ChdbStore

        store = ChdbStore(path=Path(url) if url else data_dir / "records", database=database)
    elif type == "clickhouse":
        from xueliang.viewlib.stores.clickhouse_store import ClickHouseStore

        store = ClickHouseStore(url=url, database=database)
    elif type == "memory":
        from xueliang.viewlib.stores.memory_store import MemoryStore

        store = MemoryStore()
    else:
        raise ConfigurationError(f"unknown record store type {type!r} (chdb, clickhouse, memory)")
    store.ensure_schema()
    return store


__all__ = ["RecordStore", "open_store"]
