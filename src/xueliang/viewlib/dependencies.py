"""The view library of a running app: record store, its single writer, and the blob store.

Opened on first use (so apps that never touch records never open chdb) and closed with the app.
Tests put their own ``ViewLibrary`` on ``app.state.viewlib`` beforehand.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request

from xueliang.core.blobs import BlobStore
from xueliang.core.bus import Bus
from xueliang.core.config import Settings
from xueliang.viewlib import service
from xueliang.viewlib.journal import Journal
from xueliang.viewlib.publication import Ledger
from xueliang.viewlib.stores import RecordStore, open_store
from xueliang.viewlib.writer import BatchWriter

logger = logging.getLogger(__name__)
_open_lock = threading.Lock()


@dataclass
class ViewLibrary:
    store: RecordStore
    writer: BatchWriter
    blobs: BlobStore
    ledger: Ledger | None = None  # publications due after a crash (None in tests that need none)

    @classmethod
    def open(cls, settings: Settings, *, ledger: bool = True) -> ViewLibrary:
        """``ledger``: keep the publication ledger and the ingest journal of this data directory
        (the app does; a separate analytics worker does not, as two processes would share the
        files). The journal is kept for an embedded store only (``viewlib.writer``)."""
        store = open_store(
            type=settings.record_store_type,
            url=settings.record_store_url,
            data_dir=settings.data_dir,
            database=settings.record_store_database,
        )
        journal = None
        if ledger and store.single_writer and settings.record_store_flush_ms > 0:
            journal = Journal(settings.data_dir / "records" / "journal")
        writer = BatchWriter(
            store,
            linger=settings.record_store_linger_ms / 1000,
            journal=journal,
            flush_interval=settings.record_store_flush_ms / 1000,
        )
        kept = Ledger(ledger_path(settings)) if ledger else None
        return cls(store=store, writer=writer, blobs=BlobStore(settings.data_dir / "blobs"), ledger=kept)

    def close(self) -> None:
        self.writer.close()
        if self.ledger is not None:
            self.ledger.close()
        self.store.close()


def ledger_path(settings: Settings) -> Path:
    return settings.data_dir / "records" / "publication.json"


async def republish_due(state: Any, bus: Bus) -> int:
    """At start: if the last run stopped uncleanly with records stored since its publication
    watermark, open the view library and publish them again (``viewlib.publication``)."""
    if not Ledger.due(ledger_path(state.settings)):
        return 0
    lib = viewlib_of(state)
    if lib.ledger is None:
        return 0
    tz = state.settings.timezone
    return await service.republish(store=lib.store, bus=bus, ledger=lib.ledger, tz=tz)


def viewlib_of(state: Any) -> ViewLibrary:
    """The app's view library, opened on first use."""
    lib: ViewLibrary | None = getattr(state, "viewlib", None)
    if lib is None:
        with _open_lock:
            lib = getattr(state, "viewlib", None)
            if lib is None:
                lib = ViewLibrary.open(state.settings)
                state.viewlib = lib
    return lib


def close_viewlib(state: Any) -> None:
    lib: ViewLibrary | None = getattr(state, "viewlib", None)
    if lib is not None and not getattr(state, "viewlib_external", False):
        lib.close()
        state.viewlib = None


DRAIN_SECONDS = 60.0


async def drain_viewlib(state: Any) -> None:
    """At shutdown, before the bus closes: insert what is journaled and publish what waits on it.
    A failing store does not hold the shutdown up: its rows stay in the journal for the next start,
    and the unpublished batches stay due in the publication ledger."""
    lib: ViewLibrary | None = getattr(state, "viewlib", None)
    if lib is None:
        return
    try:
        await asyncio.to_thread(lib.writer.sync, DRAIN_SECONDS)
        await asyncio.wait_for(service.drain_publications(), DRAIN_SECONDS)
    except Exception as exc:  # shutting down: report, and let the rest of the shutdown run
        logger.error("view library not drained at shutdown (%s); the journal and ledger keep it", exc)


def get_viewlib(request: Request) -> ViewLibrary:
    """The view library for an API request, once every upload acknowledged before the request
    is in the store (``BatchWriter.sync``: a query sees what was acknowledged)."""
    lib = viewlib_of(request.app.state)
    lib.writer.sync()
    return lib


ViewLibDep = Annotated[ViewLibrary, Depends(get_viewlib)]
