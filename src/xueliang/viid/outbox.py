"""The durable outbox of subscription notifications, in the relational database.

Enqueue: in the upload's transaction, committed *before* the records are written and the upload is
acknowledged, one entry per (subscription, batch) with the batch's matching objects. A crash between
the two leaves a notification whose records the client will upload again (at-least-once: receivers
must be idempotent by object id), never a stored record without its notification.

Deliver: per subscription, strictly in id order; a failed POST leaves the entry at the head with a
growing back-off (``BACKOFF`` seconds), so a receiver that is down gets everything, in order, when
it returns. Entries of cancelled or expired subscriptions are dropped by the cascade/cleanup.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

import httpx
import orjson
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from xueliang.core.db import session_scope, utcnow
from xueliang.viewlib.kinds import Kind
from xueliang.viewlib.parse import Parsed
from xueliang.viid import subscriptions
from xueliang.viid.models import OutboxEntry, Subscription
from xueliang.viid.times import format_time

logger = logging.getLogger(__name__)
BACKOFF = (1, 2, 5, 10, 30, 60, 120, 300)


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=BACKOFF[min(attempts, len(BACKOFF)) - 1])


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
        objects = [
            p.raw
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
    *, factory: sessionmaker[Session], client: httpx.Client, server_id: str, max_per_run: int = 200
) -> int:
    """Send due notifications, each subscription's in order; returns how many were delivered."""
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
                error = _post(client, sub.receive_addr, entry.payload, server_id)
                _settle(entry, error)
                delivered += not error
                progressed = progressed or not error
        if not progressed:
            return delivered
    return delivered


def _settle(entry: OutboxEntry, error: str) -> None:
    now = utcnow()
    entry.attempts += 1
    if not error:
        entry.delivered_at = now
        return
    entry.last_error, entry.next_attempt_at = error[:300], now + backoff(entry.attempts)
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
