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

With a ``Journal`` (the app's embedded store, ``XUELIANG_RECORD_STORE_FLUSH_MS`` > 0) an upload is
acknowledged once its new rows are appended to the journal, and a second thread (``_Materializer``)
inserts what was journaled every ``flush_interval`` seconds or ``flush_rows`` rows, in one insert per
kind: the upload no longer waits for an insert, and parts are ~5,000 rows instead of ~1,000 (chdb's
CPU per row about halves, merges included). Each job's ``stored`` future resolves once its rows are
in the store; publication waits for it (consumers read records back), and ``sync()`` waits for
everything acknowledged before it (the API's reads call it, so a query sees every acknowledged
upload). Rows journaled but not yet inserted count as stored for the duplicate check. At start the
writer first inserts what a crash left in the journal (checked against the store by id).

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
from pathlib import Path
from typing import Any

import orjson

from xueliang.viewlib.journal import Journal, entries
from xueliang.viewlib.kinds import BY_NAME, Kind
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
    future: Future[set[str]] = field(default_factory=Future)  # acknowledged (durable): the new ids
    stored: Future[None] = field(default_factory=Future)  # in the record store (readable)


@dataclass
class _Sync:
    """A read barrier in the writer's queue: done once everything queued before it is stored."""

    done: Future[None] = field(default_factory=Future)


@dataclass
class _Pending:
    """Journaled rows of one kind, acknowledged, waiting for the materializer's next insert."""

    kind: Kind
    rows: list[dict[str, Any]]
    body: bytes
    jobs: list[_Job]


class _Materializer:
    """The thread that moves journaled rows into the store in large inserts (see the module doc)."""

    def __init__(self, store: RecordStore, journal: Journal, *, interval: float, rows: int) -> None:
        self.store, self.journal, self.interval, self.rows = store, journal, interval, rows
        self.pending_ids: dict[str, set[str]] = defaultdict(set)  # journaled, not yet inserted
        self._cond = threading.Condition()
        self._pending: list[_Pending] = []
        self._count, self._oldest = 0, 0.0
        self._syncs: list[_Sync] = []
        self._busy = False  # an insert is running (its rows are no longer in _pending)
        self._retry: tuple[list[_Pending], list[Path]] | None = None  # a failed insert, kept for the next
        self._closing = False
        self._thread = threading.Thread(target=self._run, name="viewlib-materializer", daemon=True)
        self._thread.start()

    def append(self, pending: _Pending) -> None:
        """Journal the rows and queue them, atomically with respect to ``seal`` (so a sealed file
        never holds rows that its insert did not take)."""
        with self._cond:
            self.journal.append(pending.kind.name, pending.body)
            self.pending_ids[pending.kind.name].update(r["object_id"] for r in pending.rows)
            first = not self._pending
            if first:
                self._oldest = time.monotonic()
            self._pending.append(pending)
            self._count += len(pending.rows)
            if first or self._count >= self.rows:
                self._cond.notify()  # first: the thread sleeps without a deadline until now

    def holding(self) -> bool:
        """Whether some acknowledged rows are not in the store yet."""
        with self._cond:
            return bool(self._pending or self._busy or self._retry)

    def sync(self, barrier: _Sync) -> None:
        with self._cond:
            self._syncs.append(barrier)
            self._cond.notify()

    def close(self) -> None:
        with self._cond:
            self._closing = True
            self._cond.notify()
        self._thread.join(timeout=60)
        self.journal.close()

    def _due(self) -> bool:
        if self._closing or self._syncs or self._count >= self.rows:
            return True
        return bool(self._pending) and time.monotonic() - self._oldest >= self.interval

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._due():
                    left = self._oldest + self.interval - time.monotonic() if self._pending else None
                    self._cond.wait(left if self._retry is None else self.interval)
                    if self._retry is not None and not self._pending:
                        break  # retry a failed insert after an interval even with nothing new
                batch, self._pending, self._count = self._pending, [], 0
                syncs, self._syncs = self._syncs, []
                closing = self._closing
                sealed = [self.journal.seal()] if batch else []
                retried = self._retry is not None
                if self._retry is not None:
                    batch, sealed = self._retry[0] + batch, self._retry[1] + sealed
                    self._retry = None
                self._busy = bool(batch)
            error = self._insert(batch, retried=retried) if batch else None
            with self._cond:
                self._busy = False
                if error is not None:
                    self._retry = (batch, sealed)
                else:
                    for p in batch:
                        self.pending_ids[p.kind.name].difference_update(r["object_id"] for r in p.rows)
            if error is None:
                for path in sealed:
                    self.journal.drop(path)
                for p in batch:
                    for job in p.jobs:
                        if not job.stored.done():
                            job.stored.set_result(None)
            for barrier in syncs:
                if error is None:
                    barrier.done.set_result(None)
                else:
                    barrier.done.set_exception(error)
            if closing:
                with self._cond:
                    if self._pending and error is None:
                        continue  # appended while this insert ran: one more round
                if error is not None:  # the store is failing at shutdown: the journal keeps the rows
                    with self._cond:
                        unwritten, self._pending = self._pending, []
                    for p in batch + unwritten:
                        for job in p.jobs:
                            if not job.stored.done():
                                job.stored.set_exception(error)
                return

    def _insert(self, batch: list[_Pending], *, retried: bool) -> Exception | None:
        by_kind: dict[str, list[_Pending]] = defaultdict(list)
        for p in batch:
            by_kind[p.kind.name].append(p)
        try:
            for group in by_kind.values():
                kind = group[0].kind
                if retried:  # a failed insert may have stored part of its rows
                    rows = _not_stored(self.store, kind, [r for p in group for r in p.rows])
                    self.store.insert(kind, rows)
                else:
                    bodies = [p.body[1:-1] for p in group if len(p.body) > 2]
                    self.store.insert_json(kind, b"[" + b",".join(bodies) + b"]")
        except Exception as exc:
            logger.exception(
                "record store insert of %s journaled rows failed; retrying", sum(len(p.rows) for p in batch)
            )
            return exc
        return None


def _not_stored(store: RecordStore, kind: Kind, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Those of ``rows`` whose object id the store does not hold yet."""
    out: list[dict[str, Any]] = []
    for i in range(0, len(rows), 5000):
        chunk = rows[i : i + 5000]
        times = [r["event_time"] for r in chunk]
        keys = sorted({str(r[kind.order_key]) for r in chunk})
        ids = [r["object_id"] for r in chunk]
        have = store.existing_ids(kind, keys=keys, lo=min(times), hi=max(times), ids=ids)
        out += [r for r in chunk if r["object_id"] not in have]
    return out


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
        journal: Journal | None = None,
        flush_interval: float = 0.5,
        flush_rows: int = 5000,
    ) -> None:
        self.store, self.max_rows = store, max_rows
        self.linger = linger if journal is None else 0.0  # acknowledging is cheap: nothing to wait for
        self.linger_rows, self.linger_gap = linger_rows, linger_gap
        self.recent_minutes = recent_minutes if store.single_writer else 0
        self._recent: dict[str, RecentIds] = {}
        self._materializer: _Materializer | None = None
        if journal is not None:
            replay(store, journal)
            self._materializer = _Materializer(store, journal, interval=flush_interval, rows=flush_rows)
        self._queue: queue.Queue[_Job | _Sync | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="viewlib-writer", daemon=True)
        self._thread.start()

    def enqueue(self, kind: Kind, rows: list[dict[str, Any]]) -> _Job:
        """Queue rows: ``job.future`` gives the ids that were new (the others were already stored)
        once they are durable, ``job.stored`` resolves once they are in the store."""
        job = _Job(kind, rows)
        if not rows:
            job.future.set_result(set())
            job.stored.set_result(None)
        else:
            self._queue.put(job)
        return job

    def submit(self, kind: Kind, rows: list[dict[str, Any]]) -> Future[set[str]]:
        return self.enqueue(kind, rows).future

    def write(self, kind: Kind, rows: list[dict[str, Any]]) -> set[str]:
        return self.submit(kind, rows).result()

    def sync(self, timeout: float | None = 60.0) -> None:
        """Return once every upload acknowledged before this call is in the store (a read barrier;
        at once without a journal, where acknowledging meant inserting)."""
        if self._materializer is None or (self._queue.empty() and not self._materializer.holding()):
            return
        barrier = _Sync()
        self._queue.put(barrier)
        barrier.done.result(timeout)

    def close(self) -> None:
        """Write what is queued, insert what is journaled, and stop."""
        self._queue.put(None)
        self._thread.join(timeout=60)
        if self._materializer is not None:
            self._materializer.close()

    def _run(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            if isinstance(job, _Sync):
                self._pass_barrier(job)
                continue
            jobs, size, barrier = [job], len(job.rows), None
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
                if isinstance(nxt, _Sync):
                    barrier = nxt
                    break
                jobs.append(nxt)
                size += len(nxt.rows)
            self._write_group(jobs)
            if barrier is not None:
                self._pass_barrier(barrier)

    def _pass_barrier(self, barrier: _Sync) -> None:
        """Everything queued before the barrier is written: stored, or journaled and then stored
        by the materializer before it lets the barrier through."""
        if self._materializer is None:
            barrier.done.set_result(None)
        else:
            self._materializer.sync(barrier)

    def _write_group(self, jobs: list[_Job]) -> None:
        by_kind: dict[str, list[_Job]] = defaultdict(list)
        for job in jobs:
            by_kind[job.kind.name].append(job)
        for group in by_kind.values():
            try:
                new = self._write_kind(group[0].kind, [r for j in group for r in j.rows], group)
            except Exception as exc:
                logger.exception("record store write failed (%s rows)", sum(len(j.rows) for j in group))
                for job in group:
                    job.future.set_exception(exc)
                    job.stored.set_exception(exc)
                continue
            claimed: set[str] = set()  # an id in two jobs (a batch and its retry) is new only once
            for job in group:
                mine = {r["object_id"] for r in job.rows} & new - claimed
                claimed |= mine
                job.future.set_result(mine)
                if self._materializer is None:
                    job.stored.set_result(None)

    def _recent_of(self, kind: Kind) -> RecentIds | None:
        if not self.recent_minutes:
            return None
        recent = self._recent.get(kind.name)
        if recent is None:
            recent = RecentIds(self.store.max_event_time(kind), self.recent_minutes)
            self._recent[kind.name] = recent
        return recent

    def _write_kind(self, kind: Kind, rows: list[dict[str, Any]], jobs: list[_Job]) -> set[str]:
        recent = self._recent_of(kind)
        stored: set[str] = set()
        if self._materializer is not None:  # journaled, not inserted yet: the store cannot tell
            journaled = self._materializer.pending_ids[kind.name]
            stored = {r["object_id"] for r in rows if r["object_id"] in journaled}
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
        if self._materializer is not None:
            if new_rows:
                self._materializer.append(_Pending(kind, new_rows, orjson.dumps(new_rows), jobs))
            else:  # nothing new: nothing to wait for
                for job in jobs:
                    job.stored.set_result(None)
            if recent is not None:
                recent.add(new_rows)
            return set(fresh)
        try:
            self.store.insert(kind, new_rows)
        except BaseException:
            if recent is not None:
                recent.poison(new_rows)
            raise
        if recent is not None:
            recent.add(new_rows)
        return set(fresh)


def replay(store: RecordStore, journal: Journal) -> int:
    """Insert what the journal still holds (rows acknowledged before a crash), skipping those the
    store has; then drop the journal's old files. Returns how many rows were inserted."""
    inserted = 0
    current = journal.segments()[-1]  # the file this run appends to (new, empty)
    for path in journal.segments():
        if path == current:
            continue
        by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for kind_name, body in entries(path):
            by_kind[kind_name].extend(orjson.loads(body))
        for kind_name, rows in by_kind.items():
            kind = BY_NAME[kind_name]
            fresh = _not_stored(store, kind, rows)
            for i in range(0, len(fresh), 5000):
                store.insert(kind, fresh[i : i + 5000])
            inserted += len(fresh)
        journal.drop(path)
    if inserted:
        logger.warning(
            "inserted %s acknowledged rows the journal held (the last stop was not clean)", inserted
        )
    return inserted
