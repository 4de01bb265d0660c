"""The durable outbox of subscription notifications, in the relational database.

Enqueue: in the upload's transaction, committed *before* the records are written and the upload is
acknowledged, one entry per (subscription, batch) with the batch's matching objects. A crash between
the two leaves a notification whose records the client will upload again (at-least-once: receivers
must be idempotent by object id), never a stored record without its notification.

Deliver: per subscription, strictly in id order; a failed POST leaves the entry at the head with a
growing back-off (``BACKOFF`` seconds), so a receiver that is down gets everything, in order, when
it returns. Entries of cancelled or expired subscriptions are dropped by the cascade/cleanup.
The back-off is capped by ``XUELIANG_VIID_OUTBOX_MAX_BACKOFF_SECONDS``.

Images: an entry keeps the stored objects as they are in the record store (``BlobSha256`` in place
of base64 ``Data``), so the outbox stays small; at send time ``with_images`` puts ``Data`` back from
the blob store, at most ``XUELIANG_VIID_NOTIFICATION_IMAGE_BYTES`` of base64 per notification
(the rest go without ``Data``, their ids and ``StoragePath`` kept).
"""

from __future__ import annotations

import base64
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
import orjson
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from xueliang.core.blobs import BlobStore
from xueliang.core.db import session_scope, utcnow
from xueliang.viewlib.kinds import ALL_KINDS, Kind
from xueliang.viewlib.parse import BLOB_KEY, Parsed
from xueliang.viid import subscriptions
from xueliang.viid.models import OutboxEntry, Subscription
from xueliang.viid.times import format_time

logger = logging.getLogger(__name__)
BACKOFF = (1, 2, 5, 10, 30, 60, 120, 300)
_SHA_RE = re.compile(r"[0-9a-f]{64}")


def backoff(attempts: int, *, cap: int = BACKOFF[-1]) -> timedelta:
    return timedelta(seconds=min(cap, BACKOFF[min(attempts, len(BACKOFF)) - 1]))


@dataclass(frozen=True, slots=True)
class Delivery:
    """How notifications are sent: where images come from, how many bytes of them, the back-off cap."""

    server_id: str
    blobs: BlobStore | None = None
    image_bytes: int = 0
    max_backoff: int = BACKOFF[-1]


def notification(
    *, sub: Subscription, kind: Kind, objects: list[dict[str, Any]], seq: int, server_id: str, tz: str
) -> dict[str, Any]:
    now = utcnow()
    stamp = format_time(now, tz=tz)
    ids = [
        o.get(kind.nested, o).get(kind.id_field, "") if kind.nested else o.get(kind.id_field, "")
        for o in objects
    ]
    return {
        "NotificationID": f"{server_id}04{stamp}{seq % 100000:05d}",
        "SubscribeID": sub.subscribe_id,
        "Title": sub.title,
        "TriggerTime": stamp,
        "InfoIDs": ",".join(ids),
        "ExecuteOperation": 1,
        kind.notification_key: {kind.object_key: objects},
    }


def enqueue(
    *, db: Session, kind: Kind, parsed: list[Parsed], server_id: str, tz: str, exclude: str = ""
) -> int:
    """Add outbox entries for the active subscriptions that take any of these records.

    ``exclude``: a subscriber that sent the records itself gets no echo."""
    subs = subscriptions.all_active(db=db)
    found = entries(subs=subs, kind=kind, parsed=parsed, server_id=server_id, tz=tz, exclude=exclude)
    db.add_all(found)
    return len(found)


def entries(
    *,
    subs: list[Subscription],
    kind: Kind,
    parsed: list[Parsed],
    server_id: str,
    tz: str,
    exclude: str = "",
) -> list[OutboxEntry]:
    """The outbox entries (not yet added to a session) of those of ``subs`` that take these records."""
    found: list[OutboxEntry] = []
    for sub in subscriptions.matching(subs, code=kind.subscribe_code):
        if exclude and sub.subscriber_device_id == exclude:
            continue
        wants = subscriptions.declared(sub)
        objects = [
            shaped(p.raw, wants)
            for p in parsed
            if subscriptions.covers(
                sub, device_id=p.device_id, tollgate_id=str(p.row.get("tollgate_id", "")), server_id=server_id
            )
        ]
        if not objects:
            continue
        body = {
            "SubscribeNotificationListObject": {
                "SubscribeNotificationObject": [
                    notification(
                        sub=sub, kind=kind, objects=objects, seq=len(found), server_id=server_id, tz=tz
                    )
                ]
            }
        }
        found.append(
            OutboxEntry(
                subscription_pk=sub.id, payload=orjson.dumps(body).decode(), object_count=len(objects)
            )
        )
    return found


def shaped(obj: dict[str, Any], wants: subscriptions.Declared) -> dict[str, Any]:
    """The object as the subscriber declared it wants it: only the declared image types in its
    ``SubImageList`` (none for "-1"; the list goes when empty), and no ``FeatureInfoObject``
    anywhere for ``ResultFeatureDeclare`` -1. ``obj`` itself is not changed (other subscriptions
    share it). An ImageObject (kind ``Image``) is the image itself and is not filtered by type."""
    if wants.images is None and wants.features:
        return obj
    out = dict(obj)
    sub = out.get("SubImageList")
    items = sub.get("SubImageInfoObject") if isinstance(sub, dict) else None
    if isinstance(sub, dict) and isinstance(items, list):
        kept = [
            _featureless(i) if not wants.features else i
            for i in items
            if wants.images is None or (isinstance(i, dict) and str(i.get("Type", "")) in wants.images)
        ]
        if kept:
            out["SubImageList"] = {**sub, "SubImageInfoObject": kept}
        else:
            del out["SubImageList"]
    if not wants.features:
        out.pop("FeatureInfoObject", None)
    return out


def _featureless(item: Any) -> Any:
    return {k: v for k, v in item.items() if k != "FeatureInfoObject"} if isinstance(item, dict) else item


def pending_heads(*, db: Session, now: datetime) -> list[OutboxEntry]:
    """The oldest undelivered entry of each active subscription, if due."""
    heads = (
        select(func.min(OutboxEntry.id))
        .join(Subscription, Subscription.id == OutboxEntry.subscription_pk)
        .where(OutboxEntry.delivered_at.is_(None), Subscription.status == subscriptions.ACTIVE)
        .group_by(OutboxEntry.subscription_pk)
    )
    entries = db.scalars(select(OutboxEntry).where(OutboxEntry.id.in_(heads))).all()
    return [e for e in entries if e.next_attempt_at <= now]


def _image_holders(doc: Any) -> list[dict[str, Any]]:
    """The dicts of a notification payload that may carry ``BlobSha256`` (objects, SubImageList items)."""
    holders: list[dict[str, Any]] = []
    for note in doc["SubscribeNotificationListObject"]["SubscribeNotificationObject"]:
        for kind in ALL_KINDS:
            if kind.notification_key in note:
                holders += note[kind.notification_key][kind.object_key]
    for obj in list(holders):
        sub = obj.get("SubImageList")
        items = sub.get("SubImageInfoObject") if isinstance(sub, dict) else None
        holders += [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []
    return holders


def with_images(payload: str, *, blobs: BlobStore | None, budget: int) -> str:
    """``payload`` with image ``Data`` restored from ``blobs``, in order, while the base64 total stays
    within ``budget``; an image that does not fit (or whose blob is gone) goes without ``Data``."""
    if BLOB_KEY not in payload:
        return payload
    doc = orjson.loads(payload)
    left = budget
    for holder in _image_holders(doc):
        sha = holder.pop(BLOB_KEY, None)
        if not isinstance(sha, str) or not _SHA_RE.fullmatch(sha) or blobs is None or not blobs.exists(sha):
            continue  # a malformed name (a sender may put the key in its object) must not block the outbox
        size = 4 * ((blobs.path_of(sha).stat().st_size + 2) // 3)
        if size <= left:
            holder["Data"] = base64.b64encode(blobs.get(sha)).decode()
            left -= size
    return orjson.dumps(doc).decode()


def _post(client: httpx.Client, url: str, payload: str, server_id: str) -> str:
    """'' on success, else a short error."""
    try:
        response = client.post(
            url,
            content=payload,
            headers={"Content-Type": "application/VIID+JSON;charset=UTF-8", "User-Identify": server_id},
        )
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {str(exc)[:200]}"
    return "" if response.is_success else f"HTTP {response.status_code}"


def deliver_due(
    *,
    factory: sessionmaker[Session],
    client: httpx.Client,
    server_id: str,
    max_per_run: int = 200,
    delivery: Delivery | None = None,
) -> int:
    """Send due notifications, each subscription's in order; returns how many were delivered."""
    how = delivery or Delivery(server_id=server_id)
    delivered = 0
    while delivered < max_per_run:
        with session_scope(factory) as db:
            heads = pending_heads(db=db, now=utcnow())
            if not heads:
                return delivered
            progressed = False
            for entry in heads:
                sub = db.get(Subscription, entry.subscription_pk)
                assert sub is not None
                payload = with_images(entry.payload, blobs=how.blobs, budget=how.image_bytes)
                error = _post(client, sub.receive_addr, payload, server_id)
                _settle(entry, error, cap=how.max_backoff)
                delivered += not error
                progressed = progressed or not error
        if not progressed:
            return delivered
    return delivered


def _settle(entry: OutboxEntry, error: str, *, cap: int) -> None:
    now = utcnow()
    entry.attempts += 1
    if not error:
        entry.delivered_at = now
        return
    entry.last_error, entry.next_attempt_at = error[:300], now + backoff(entry.attempts, cap=cap)
    logger.warning(
        "viid outbox: entry %s to subscription %s failed (attempt %s): %s",
        entry.id,
        entry.subscription_pk,
        entry.attempts,
        error,
    )


def backlog(*, db: Session) -> int:
    return int(
        db.scalar(select(func.count()).select_from(OutboxEntry).where(OutboxEntry.delivered_at.is_(None)))
        or 0
    )
