"""View-library ingest and queries. Keyword-only; no HTTP here.

Ingest = parse each object (refusing bad ones individually) → write the good ones through the
single writer (dedupe by object id, insert, durable on return) → publish the new ones on the bus.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

import orjson

from xueliang.core.blobs import BlobStore
from xueliang.core.bus import Bus
from xueliang.viewlib.kinds import RECORD_KINDS, Kind
from xueliang.viewlib.parse import (
    BLOB_KEY,
    COMPLETED_FIELDS,
    Parsed,
    ParseOptions,
    Refused,
    incomplete,
    object_id_of,
    parse_object,
    restore_images,
)
from xueliang.viewlib.publication import Ledger
from xueliang.viewlib.schemas import TOPICS, RecordsStored, RecordStored
from xueliang.viewlib.sql import RecordQuery
from xueliang.viewlib.stores.base import RecordStore
from xueliang.viewlib.writer import BatchWriter
from xueliang.viid.times import from_sql, to_sql

logger = logging.getLogger(__name__)


@dataclass
class ParsedBatch:
    """The objects of one upload, in order: each is either parsed or refused with a reason."""

    ids: list[str] = field(default_factory=list)
    parsed: list[Parsed] = field(default_factory=list)
    refused: dict[int, str] = field(default_factory=dict)  # index → reason
    dropped_identity: int = 0


def parse_batch(*, kind: Kind, objects: list[Any], opts: ParseOptions) -> ParsedBatch:
    batch = ParsedBatch()
    for index, obj in enumerate(objects):
        batch.ids.append(object_id_of(kind, obj))
        try:
            parsed = parse_object(kind, obj, opts)
        except Refused as exc:
            batch.refused[index] = str(exc)
            continue
        batch.parsed.append(parsed)
        batch.dropped_identity += parsed.dropped_identity
    if batch.dropped_identity:
        logger.info("%s: dropped %s identity fields on ingest", kind.name, batch.dropped_identity)
    return batch


async def store_batch_async(*, writer: BatchWriter, kind: Kind, parsed: list[Parsed]) -> set[str]:
    """Write without publishing (durable on return); returns the ids that were new."""
    return await asyncio.wrap_future(writer.submit(kind, [p.row for p in parsed]))


def stored_message(kind: Kind, parsed: list[Parsed]) -> RecordsStored:
    """The bus message of newly stored records, built unvalidated: every field comes from
    ``parse_object``'s own output (validation was ~10 % of the upload path in py-spy)."""
    name = kind.name
    records = tuple(
        RecordStored(
            name,
            p.object_id,
            p.device_id,
            p.event_time,
            str(p.row.get("plate_no", "")),
            str(p.row.get("tollgate_id", "")),
            tuple(p.images),
            p.has_feature,
            p.completable,
        )
        for p in parsed
    )
    return RecordsStored.model_construct(kind=name, records=records)


async def publish_new(*, bus: Bus, kind: Kind, parsed: list[Parsed], new_ids: set[str]) -> None:
    """Publish the newly stored records as one message (after the write, so consumers can read them)."""
    topic = TOPICS.get(kind.name)
    if topic is None or not new_ids:
        return
    await bus.publish(topic, stored_message(kind, [p for p in parsed if p.object_id in new_ids]))


async def store_and_publish(
    *, writer: BatchWriter, bus: Bus, kind: Kind, parsed: list[Parsed], ledger: Ledger | None = None
) -> set[str]:
    """Write (durable on return), then publish the new records once they are in the store; returns
    the new ids. Without a journal the records are stored when the write returns and the publication
    happens before this returns; with one it follows the next insert, in a task of its own, so the
    upload is answered first (``drain_publications`` awaits those tasks). The ledger's ticket is
    given back only once both are done: a batch that failed in between stays due for
    republication at the next start (``viewlib.publication``)."""
    ticket = ledger.take() if ledger is not None else None
    job = writer.enqueue(kind, [p.row for p in parsed])
    new_ids = await asyncio.wrap_future(job.future)
    publication = _publish_once_stored(job.stored, bus, kind, parsed, new_ids, ledger, ticket)
    if job.stored.done():
        await publication
    else:
        task = asyncio.ensure_future(publication)
        _publishing.add(task)
        task.add_done_callback(_published)
    return new_ids


_publishing: set[asyncio.Future[None]] = set()


def _published(task: asyncio.Future[None]) -> None:
    _publishing.discard(task)
    if not task.cancelled() and task.exception() is not None:
        logger.error("a batch was not published (it stays due for republication): %s", task.exception())


async def _publish_once_stored(
    stored: Future[None],
    bus: Bus,
    kind: Kind,
    parsed: list[Parsed],
    new_ids: set[str],
    ledger: Ledger | None,
    ticket: int | None,
) -> None:
    await asyncio.wrap_future(stored)
    await publish_new(bus=bus, kind=kind, parsed=parsed, new_ids=new_ids)
    if ledger is not None and ticket is not None:
        ledger.give_back(ticket)


async def drain_publications() -> None:
    """Wait for the publications still waiting on an insert (call after ``writer.sync()``)."""
    while _publishing:
        await asyncio.gather(*list(_publishing), return_exceptions=True)


def _restored(kind: Kind, raw: str, images: list[str], event_time: str, tz: str) -> Parsed | None:
    """A stored record as ``parse_object`` saw it at ingest (images and event time from the row)."""
    obj = orjson.loads(raw)
    try:
        parsed = parse_object(kind, obj, ParseOptions(tz=tz, received_at=from_sql(event_time)))
    except Refused:  # stored by an older version under other rules: republish nothing rather than fail
        logger.warning("%s %s no longer parses; not republished", kind.name, object_id_of(kind, obj))
        return None
    parsed.event_time, parsed.images = from_sql(event_time), images
    parsed.completable = bool(images) and kind.name in COMPLETED_FIELDS and incomplete(kind.name, obj)
    return parsed


async def republish(*, store: RecordStore, bus: Bus, ledger: Ledger, tz: str, page: int = 2000) -> int:
    """Publish again what the store took since the ledger's watermark (after an unclean stop)."""
    since = ledger.since_text()
    count = 0
    for kind in RECORD_KINDS:
        if since is None or kind.name not in TOPICS:
            continue
        offset = 0
        while rows := await asyncio.to_thread(store.ingested_since, kind, since, offset=offset, limit=page):
            offset += len(rows)
            parsed = [p for raw, images, at in rows if (p := _restored(kind, raw, images, at, tz))]
            for i in range(0, len(parsed), 100):
                chunk = parsed[i : i + 100]
                await publish_new(bus=bus, kind=kind, parsed=chunk, new_ids={p.object_id for p in chunk})
            count += len(parsed)
    if since is not None:
        logger.warning("republished %s records stored since %s (the last stop was not clean)", count, since)
    ledger.replayed()
    return count


def read_stored(*, store: RecordStore, kind: Kind, message: RecordStored) -> str | None:
    """The raw JSON of a record named by a bus message, looked up by its sort key (cheap), not by
    id alone (a scan of the kind's table)."""
    key = message.plate_no if kind.order_key == "plate_no" else message.device_id
    return store.get(kind, message.object_id, key=key, at=to_sql(message.event_time))


def query_page(
    *, store: RecordStore, kind: Kind, query: RecordQuery, blobs: BlobStore
) -> tuple[list[Any], int]:
    raws, total = store.page(kind, query)
    return [restore_images(orjson.loads(r), blobs) for r in raws], total


def get_record(*, store: RecordStore, kind: Kind, object_id: str, blobs: BlobStore) -> Any | None:
    raw = store.get(kind, object_id)
    return None if raw is None else restore_images(orjson.loads(raw), blobs)


def image_blob(raw: str) -> str:
    """The blob of a stored ImageObject, or ''."""
    obj = orjson.loads(raw)
    return str(obj.get(BLOB_KEY, "")) if isinstance(obj, dict) else ""
