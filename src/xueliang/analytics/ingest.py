"""Records of the analytics pipeline enter the view library by the same path as devices' uploads:
``viewlib.service.parse_batch`` → ``store_and_publish`` (the single writer, durable on return, then
bus ``records.*``)."""

from __future__ import annotations

from typing import Any

from xueliang.core.blobs import BlobStore
from xueliang.core.bus import Bus
from xueliang.core.db import utcnow
from xueliang.viewlib import service as viewlib_service
from xueliang.viewlib.kinds import RECORD_KINDS
from xueliang.viewlib.parse import ParseOptions
from xueliang.viewlib.publication import Ledger
from xueliang.viewlib.writer import BatchWriter

KINDS = {k.name: k for k in RECORD_KINDS}


async def ingest_objects(
    *,
    writer: BatchWriter,
    blobs: BlobStore,
    bus: Bus,
    tz: str,
    by_kind: dict[str, list[dict[str, Any]]],
    ledger: Ledger | None = None,
) -> dict[str, set[str]]:
    """Store the objects of each kind; returns the ids stored anew per kind (retries store nothing)."""
    stored: dict[str, set[str]] = {}
    for name, objects in by_kind.items():
        kind = KINDS[name]
        opts = ParseOptions(tz=tz, blobs=blobs, received_at=utcnow())
        batch = viewlib_service.parse_batch(kind=kind, objects=objects, opts=opts)
        if batch.refused:
            raise ValueError(f"analytics built invalid {name} objects: {sorted(batch.refused.values())}")
        stored[name] = await viewlib_service.store_and_publish(
            writer=writer, bus=bus, kind=kind, parsed=batch.parsed, ledger=ledger
        )
    return stored
