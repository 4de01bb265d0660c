"""The ingest writer: one thread owns the record store's writes (group commit).

Requests hand in their rows and wait on a future; the thread takes everything queued (up to
``max_rows``), checks which ids are already stored, inserts the new rows in one statement per kind,
and resolves every waiting future with the set of ids it stored. One insert of 1,000 rows costs about
as much as one of 100 (platform-notes.md), so concurrent requests share the cost; and because one
thread checks and inserts, a retried batch racing its original cannot create duplicates.

A group is also held back for up to ``linger`` seconds while it has fewer than ``linger_rows`` rows,
as long as uploads keep arriving (no gap longer than ``linger_gap``): each insert makes a part that
ClickHouse later merges, and under a steady stream of 100-object uploads the groups were one or two
uploads each (the next ones arrive while an insert runs), so the store spent more CPU merging parts
than inserting them (bench/viid_ingest.py prints both). Inserting 1,000 rows at a time cost chdb
~40 µs of CPU per row with the merges it causes, 5,000 at a time ~20 µs; but larger groups are not
better overall: ``linger_rows`` 4,000 cut the store's CPU by a third at 64 concurrent uploads and
cost a quarter of the throughput at 16, where every upload in flight then waited on the same insert
with nothing left to parse meanwhile. The gap ends the wait when no one else is coming (a quiet
hour), so a lone upload waits ``linger_gap``, not ``linger``.

The duplicate check is answered locally when it can be, exactly (``RecentIds``): on a store only this
process writes (chdb), a row whose event time is later than every event time the store held when the
writer started (``floor``) can only have been stored by this writer, so the set of ids it stored
decides it. Only that set's newest ``window`` of event time is kept (memory); older rows, rows at or
below the floor (retries after a restart, late uploads) and every row on a shared store (ClickHouse
cluster) are checked with the ``existing_ids`` query as before.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import defaultdict
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from xueliang.viewlib.kinds import Kind
from xueliang.viewlib.stores.base import RecordStore
from xueliang.viid.times import to_sql

logger = logging.getLogger(__name__)
RECENT_MINUTES = 15  # event minutes of stored ids kept for the local duplicate check
FUTURE_SKEW = timedelta(minutes=10)  # a clock this far ahead does not push the window forward


class RecentIds:
    """The ids this writer stored for one kind, by event minute, newer than ``floor`` (exact).

    Event times are the store's text form (``to_sql``), which sorts like the times themselves.
    """

    def __init__(self, floor: str | None, window_minutes: int) -> None:
        self.floor = floor or ""  # '' = empty store: every row is decidable
        self.window = window_minutes
        self.horizon = ""  # minutes below this were evicted: not decidable any more
        self._minutes: dict[str, set[str]] = {}

        self.limit = ""  # rows later than this (wall clock + FUTURE_SKEW) are never decidable

    def start_group(self) -> None:
        self.limit = to_sql(datetime.now(UTC) + FUTURE_SKEW)

    def decidable(self, event_time: str) -> bool:
        return self.floor < event_time <= self.limit and event_time[:16] >= self.horizon

    def __contains__(self, object_id_and_time: tuple[str, str]) -> bool:
        object_id, event_time = object_id_and_time
        return object_id in self._minutes.get(event_time[:16], ())

    def add(self, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            t = row["event_time"]
            if self.decidable(t):
                self._minutes.setdefault(t[:16], set()).add(row["object_id"])
        if len(self._minutes) > self.window:
            keep = sorted(self._minutes)[-self.window :]
            self.horizon = keep[0]
            self._minutes = {m: self._minutes[m] for m in keep}

    def poison(self, rows: list[dict[str, Any]]) -> None:
        """A write failed part-way perhaps: its rows (and all before them) go back to the query."""
        self.floor = max([self.floor, *(r["event_time"] for r in rows)])


@dataclass
class _Job:
    kind: Kind
    rows: list[dict[str, Any]]
    future: Future[set[str]] = field(default_factory=Future)


class BatchWriter:
    def __init__(
        self,
        store: RecordStore,
        *,
        max_rows: int = 5000,
        recent_minutes: int = RECENT_MINUTES,
        linger: float = 0.0,
        linger_rows: int = 1000,
        linger_gap: float = 0.005,
    ) -> None:
        self.store, self.max_rows = store, max_rows
        self.linger, self.linger_rows, self.linger_gap = linger, linger_rows, linger_gap
        self.recent_minutes = recent_minutes if store.single_writer else 0
        self._recent: dict[str, RecentIds] = {}
        self._queue: queue.Queue[_Job | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="viewlib-writer", daemon=True)
        self._thread.start()

    def submit(self, kind: Kind, rows: list[dict[str, Any]]) -> Future[set[str]]:
        """Queue rows; the future gives the ids that were new (the others were already stored)."""
        job = _Job(kind, rows)
        if not rows:
            job.future.set_result(set())
        else:
            self._queue.put(job)
        return job.future

    def write(self, kind: Kind, rows: list[dict[str, Any]]) -> set[str]:
        return self.submit(kind, rows).result()

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            jobs, size = [job], len(job.rows)
            deadline = time.monotonic() + self.linger
            while size < self.max_rows:
                wait = min(deadline - time.monotonic(), self.linger_gap) if size < self.linger_rows else 0.0
                try:
                    nxt = self._queue.get(timeout=wait) if wait > 0 else self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    self._queue.put(None)
                    break
                jobs.append(nxt)
                size += len(nxt.rows)
            self._write_group(jobs)

    def _write_group(self, jobs: list[_Job]) -> None:
        by_kind: dict[str, list[_Job]] = defaultdict(list)
        for job in jobs:
            by_kind[job.kind.name].append(job)
        for group in by_kind.values():
            try:
                new = self._write_kind(group[0].kind, [r for j in group for r in j.rows])
            except Exception as exc:
                logger.exception("record store write failed (%s rows)", sum(len(j.rows) for j in group))
                for job in group:
                    job.future.set_exception(exc)
                continue
            claimed: set[str] = set()  # an id in two jobs (a batch and its retry) is new only once
            for job in group:
                mine = {r["object_id"] for r in job.rows} & new - claimed
                claimed |= mine
                job.future.set_result(mine)

    def _recent_of(self, kind: Kind) -> RecentIds | None:
        if not self.recent_minutes:
            return None
        recent = self._recent.get(kind.name)
        if recent is None:
            recent = RecentIds(self.store.max_event_time(kind), self.recent_minutes)
            self._recent[kind.name] = recent
        return recent

    def _write_kind(self, kind: Kind, rows: list[dict[str, Any]]) -> set[str]:
        recent = self._recent_of(kind)
        stored: set[str] = set()
        ask = rows
        if recent is not None:
            recent.start_group()
            ask = []
            for r in rows:
                if not recent.decidable(r["event_time"]):
                    ask.append(r)
                elif (r["object_id"], r["event_time"]) in recent:
                    stored.add(r["object_id"])
        if ask:
            ids = [r["object_id"] for r in ask]
            times = [r["event_time"] for r in ask]
            keys = sorted({str(r[kind.order_key]) for r in ask})
            stored |= self.store.existing_ids(kind, keys=keys, lo=min(times), hi=max(times), ids=ids)
        fresh: dict[str, dict[str, Any]] = {}
        for row in rows:
            if row["object_id"] not in stored:
                fresh.setdefault(row["object_id"], row)
        new_rows = list(fresh.values())
        try:
            self.store.insert(kind, new_rows)
        except BaseException:
            if recent is not None:
                recent.poison(new_rows)
            raise
        if recent is not None:
            recent.add(new_rows)
        return set(fresh)
