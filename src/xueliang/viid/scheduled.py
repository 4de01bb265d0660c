"""Periodic viid jobs: keepalive expiry (devices go offline) and outbox delivery."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

import httpx
from sqlalchemy.orm import Session, sessionmaker

from xueliang.core.blobs import BlobStore
from xueliang.core.config import Settings, get_settings
from xueliang.core.db import session_scope, utcnow
from xueliang.core.scheduler import Scheduler
from xueliang.viid import outbox, service

DELIVERY_TIMEOUT = 10.0


def expire_keepalives(factory: sessionmaker[Session], *, timeout: int) -> str:
    with session_scope(factory) as db:
        count = service.expire_registrations(db=db, timeout=timeout)
    return f"{count} devices went offline"


def delivery_of(settings: Settings) -> outbox.Delivery:
    """Outbound notifications carry images from the view library's blob store (same directory)."""
    return outbox.Delivery(
        server_id=settings.viid_server_id,
        blobs=BlobStore(settings.data_dir / "blobs"),
        image_bytes=settings.viid_notification_image_bytes,
        max_backoff=settings.viid_outbox_max_backoff_seconds,
    )


def deliver_outbox(factory: sessionmaker[Session], *, delivery: outbox.Delivery) -> str:
    with session_scope(factory) as db:
        due = bool(outbox.pending_heads(db=db, now=utcnow()))
    if not due:  # the usual case; an httpx client (its TLS context) costs ~10 ms of CPU to make
        return "0 notifications delivered"
    with httpx.Client(timeout=DELIVERY_TIMEOUT) as client:
        sent = outbox.deliver_due(
            factory=factory, client=client, server_id=delivery.server_id, delivery=delivery
        )
    return f"{sent} notifications delivered"


def register(scheduler: Scheduler, *, factory: sessionmaker[Session]) -> None:
    settings = get_settings()
    timeout = settings.viid_keepalive_timeout_seconds
    scheduler.register(
        "viid.keepalive_expiry",
        partial(expire_keepalives, factory, timeout=timeout),
        every=timedelta(seconds=max(timeout // 3, 10)),
    )
    scheduler.register(
        "viid.outbox",
        partial(deliver_outbox, factory, delivery=delivery_of(settings)),
        every=timedelta(seconds=settings.viid_outbox_interval_seconds),
    )
