"""Uploads: identify → parse each object → outbox → durable write → publish → per-object status."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import Request
from starlette.concurrency import run_in_threadpool

from xueliang.camera.models import Device
from xueliang.core.config import Settings
from xueliang.core.db import session_scope, utcnow
from xueliang.core.exceptions import BadRequestError
from xueliang.viewlib import service as viewlib_service
from xueliang.viewlib.dependencies import viewlib_of
from xueliang.viewlib.kinds import Kind
from xueliang.viewlib.parse import ParseOptions, has_pictures
from xueliang.viewlib.service import ParsedBatch
from xueliang.viid import envelopes, outbox, service
from xueliang.viid.cache import cache_of
from xueliang.viid.envelopes import Status
from xueliang.viid.exceptions import BatchTooLargeError
from xueliang.viid.models import OutboxEntry


def decode_objects(kind: Kind, body: bytes, *, limit: int) -> list[Any]:
    """The objects of an upload body; vendors omit the ListObject wrapper or send one object."""
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise BadRequestError("the body is not valid JSON") from None
    if isinstance(doc, dict) and isinstance(doc.get(kind.list_key), dict):
        doc = doc[kind.list_key]
    items = doc.get(kind.object_key) if isinstance(doc, dict) else None
    if isinstance(items, dict):
        items = [items]
    if not isinstance(items, list):
        raise BadRequestError(f"expected {kind.list_key}.{kind.object_key} as a list")
    if len(items) > limit:
        raise BatchTooLargeError(f"{len(items)} objects in one batch; at most {limit} are accepted")
    return items


def _sender(request: Request, device_id: str | None) -> Device:
    """The uploading device, from the cache when it was looked up lately (see ``cache``)."""
    settings: Settings = request.app.state.settings
    client = request.client.host if request.client else None
    timeout = settings.viid_keepalive_timeout_seconds
    cache = cache_of(request.app.state)
    cached = cache.device(device_id) if device_id else None
    if cached is not None:
        return service.require_live(device=cached, client_ip=client, timeout=timeout)
    with session_scope(request.app.state.sessionmaker) as db:
        device = service.identify(db=db, device_id=device_id, client_ip=client, timeout=timeout)
        cache.keep_device(db, device)
    return device


def _parse(request: Request, kind: Kind, objects: list[Any], device: Device) -> ParsedBatch:
    settings: Settings = request.app.state.settings
    opts = ParseOptions(
        tz=settings.timezone,
        blobs=viewlib_of(request.app.state).blobs,
        received_at=utcnow(),
        keep_identity=settings.viid_keep_identity and device.may_send_identity,
    )
    return viewlib_service.parse_batch(kind=kind, objects=objects, opts=opts)


def _outbox_entries(
    request: Request, kind: Kind, batch: ParsedBatch, device: Device, *, inbound: bool
) -> list[OutboxEntry]:
    """The outbox entries of this batch (not yet committed); may load the subscriptions."""
    if not batch.parsed:
        return []
    settings: Settings = request.app.state.settings
    return outbox.entries(
        subs=cache_of(request.app.state).active_subscriptions(request.app.state.sessionmaker),
        kind=kind,
        parsed=batch.parsed,
        server_id=settings.viid_server_id,
        tz=settings.timezone,
        exclude=device.device_id if inbound else "",
    )


def _commit(request: Request, found: list[OutboxEntry]) -> None:
    if found:
        with session_scope(request.app.state.sessionmaker) as db:
            db.add_all(found)


def _prepare(
    request: Request, kind: Kind, objects: list[Any], device_id: str | None, *, inbound: bool = False
) -> ParsedBatch:
    """Identify the sender, parse, and commit the outbox entries — before the write (see outbox)."""
    device = _sender(request, device_id)
    batch = _parse(request, kind, objects, device)
    _commit(request, _outbox_entries(request, kind, batch, device, inbound=inbound))
    return batch


async def _prepare_inline(
    request: Request, kind: Kind, objects: list[Any], device: Device, *, inbound: bool
) -> ParsedBatch:
    """``_prepare`` on the event loop, for a batch whose work is all CPU (no picture to write, the
    sender and the subscriptions cached): a worker thread buys no parallelism under the GIL, and
    each hand-off to one and back cost more than parsing a few objects (py-spy: the loop waited
    for the GIL at every hand-off). Only the outbox commit, when a subscription takes the
    records, goes to a thread."""
    batch = _parse(request, kind, objects, device)
    found = _outbox_entries(request, kind, batch, device, inbound=inbound)
    if found:
        await run_in_threadpool(_commit, request, found)
    return batch


def _cached_sender(request: Request, device_id: str | None) -> Device | None:
    """The sender when neither it nor the subscriptions need a database look-up, else None."""
    cache = cache_of(request.app.state)
    if not device_id or cache.device(device_id) is None or not cache.subscriptions_fresh():
        return None
    return _sender(request, device_id)


async def ingest(
    request: Request, kind: Kind, objects: list[Any], *, inbound: bool = False, pictures: bool = True
) -> list[Status]:
    """Store the valid objects of one upload; one Status per object, in order. ``pictures``: the
    objects may carry image data (written to the blob store: file I/O, so done in a thread)."""
    device_id = request.headers.get("User-Identify")
    sender = None if pictures else _cached_sender(request, device_id)
    if sender is not None:
        batch = await _prepare_inline(request, kind, objects, sender, inbound=inbound)
    else:
        batch = await run_in_threadpool(_prepare, request, kind, objects, device_id, inbound=inbound)
    lib = viewlib_of(request.app.state)
    await viewlib_service.store_and_publish(
        writer=lib.writer, bus=request.app.state.bus, kind=kind, parsed=batch.parsed, ledger=lib.ledger
    )
    refused = batch.refused
    return [
        Status(oid, envelopes.INVALID_CONTENT, refused[i]) if i in refused else Status(oid)
        for i, oid in enumerate(batch.ids)
    ]


async def upload(request: Request, kind: Kind) -> list[Status]:
    limit = request.app.state.settings.viid_max_batch_objects
    body = await request.body()
    objects = decode_objects(kind, body, limit=limit)
    return await ingest(request, kind, objects, pictures=has_pictures(kind, objects))
