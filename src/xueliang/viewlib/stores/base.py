"""The record store interface. Implementations run the SQL of ``viewlib.sql`` (or emulate it)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

import orjson

from xueliang.viewlib.kinds import ALL_KINDS, Kind
from xueliang.viewlib.sql import RecordQuery

Stored = tuple[str, list[str], str]
"""A stored record as replayed: its raw JSON, image blob ids and event time (``to_sql`` text)."""


class RecordStore(ABC):
    type: ClassVar[str]
    single_writer: ClassVar[bool] = False
    """True when only this process can write the store (embedded): the writer may then decide new
    ids from what it stored itself (``writer.RecentIds``)."""

    @abstractmethod
    def ensure_schema(self) -> None:
        """Create the database and one table per kind if missing."""

    @abstractmethod
    def existing_ids(self, kind: Kind, *, keys: list[str], lo: str, hi: str, ids: list[str]) -> set[str]:
        """Which of ``ids`` (whose look-up keys and event times lie in keys / [lo, hi]) are stored."""

    def max_event_time(self, kind: Kind) -> str | None:
        """The latest event time stored (``to_sql`` form), None when empty or unknown."""
        return None

    @abstractmethod
    def insert(self, kind: Kind, rows: list[dict[str, Any]]) -> None:
        """Append rows; returns once they are durable (acknowledged by the engine)."""

    def insert_json(self, kind: Kind, body: bytes) -> None:
        """``insert`` of rows already encoded as one JSON array (the ingest journal's form)."""
        self.insert(kind, orjson.loads(body))

    @abstractmethod
    def page(self, kind: Kind, query: RecordQuery) -> tuple[list[str], int]:
        """(raw JSON of the page's records, total count matching)."""

    @abstractmethod
    def get(self, kind: Kind, object_id: str, *, key: str | None = None, at: str | None = None) -> str | None:
        """One record's raw JSON. ``key`` (the value of ``kind.order_key``) and ``at`` (its event time,
        ``to_sql`` text), when the caller knows them (a bus message does), make it a key look-up."""

    @abstractmethod
    def ingested_since(self, kind: Kind, since: str, *, offset: int, limit: int) -> list[Stored]:
        """The records stored at or after ``since`` (``to_sql`` text), in storing order, one page."""

    @abstractmethod
    def close(self) -> None: ...

    def counts(self) -> dict[str, int]:
        return {k.name: self.page(k, RecordQuery(limit=0))[1] for k in ALL_KINDS}
