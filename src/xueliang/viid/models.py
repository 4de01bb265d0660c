"""Subscriptions made to this view library, and the outbox of notifications to their receivers.

Device registration and liveness live on ``camera.models.Device`` (registered_at,
last_keepalive_at, status); this domain only reads and updates them through its service.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from xueliang.core.db import Base, utcnow


class Subscription(Base):
    """A SubscribeObject received on POST /VIID/Subscribes: what to send to ``receive_addr``."""

    __tablename__ = "viid_subscription"

    id: Mapped[int] = mapped_column(primary_key=True)
    subscribe_id: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    detail: Mapped[str] = mapped_column(String(100))  # SubscribeDetail codes, comma-separated
    resource_uri: Mapped[str] = mapped_column(String(400), default="")
    resource_class: Mapped[str] = mapped_column(String(4), default="")
    receive_addr: Mapped[str] = mapped_column(String(400))
    begin_at: Mapped[datetime | None]
    end_at: Mapped[datetime | None]
    status: Mapped[int] = mapped_column(Integer, default=0)  # 0 active, 1 cancelled, 2 expired
    subscriber_device_id: Mapped[str] = mapped_column(String(20))  # the User-Identify that made it
    raw: Mapped[str] = mapped_column(Text)  # the SubscribeObject as received (lossless)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class OutboxEntry(Base):
    """One SubscribeNotificationListObject waiting for (or done with) delivery to one subscription.

    Delivery is in ``id`` order per subscription: the sender only ever tries a subscription's oldest
    undelivered entry, so a receiver that is down delays, and never reorders or loses, what follows.
    """

    __tablename__ = "viid_outbox"
    __table_args__ = (Index("ix_viid_outbox_pending", "subscription_pk", "delivered_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_pk: Mapped[int] = mapped_column(ForeignKey("viid_subscription.id", ondelete="CASCADE"))
    payload: Mapped[str] = mapped_column(Text)  # the JSON body to POST
    object_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(String(300), default="")
