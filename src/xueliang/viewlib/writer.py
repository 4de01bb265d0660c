"""The ingest writer: one thread owns the record store's writes (group commit).

Requests hand in their rows and wait on a future; the thread takes everything queued (up to
``max_rows``), checks which ids are already stored, inserts the new rows in one statement per kind,
and resolves every waiting future with the set of ids it stored. One insert of 1,000 rows costs about
as much as one of 100 (platform-notes.md), so concurrent requests share the cost; and because one
thread checks and inserts, a retried batch racing its original cannot create duplicates.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections import defaultdict
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from xueliang.viewlib.kinds import Kind
from xueliang.viewlib.stores.base import RecordStore

logger = logging.getLogger(__name__)


@dataclass
class _Job:
    kind: Kind
    rows: list[dict[str, Any]]
    future: Future[set[str]] = field(default_factory=Future)


class BatchWriter:
    def __init__(self, store: RecordStore, *, max_rows: int = 5000) -> None:
        self.store, self.max_rows = store, max_rows
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
            while size < self.max_rows:
                try:
                    nxt = self._queue.get_nowait()
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

    def _write_kind(self, kind: Kind, rows: list[dict[str, Any]]) -> set[str]:
        ids = [r["object_id"] for r in rows]
        times = [r["event_time"] for r in rows]
        keys = sorted({str(r[kind.order_key]) for r in rows})
        stored = self.store.existing_ids(kind, keys=keys, lo=min(times), hi=max(times), ids=ids)
        fresh: dict[str, dict[str, Any]] = {}
        for row in rows:
            if row["object_id"] not in stored:
                fresh.setdefault(row["object_id"], row)
        self.store.insert(kind, list(fresh.values()))
        return set(fresh)
