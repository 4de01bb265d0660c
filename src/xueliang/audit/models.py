"""The append-only audit log. Each entry stores the hash of its predecessor and its own SHA-256
over a canonical serialisation, so an altered, deleted or reordered row breaks the chain."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from xueliang.core.db import Base, utcnow


class AuditEntry(Base):
    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(index=True)
    actor_name: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64), index=True)
    outcome: Mapped[str] = mapped_column(String(16))
    object_type: Mapped[str | None] = mapped_column(String(64))
    object_id: Mapped[str | None] = mapped_column(String(128))
    purpose: Mapped[str | None] = mapped_column(String(500))
    case_id: Mapped[str | None] = mapped_column(String(64), index=True)
    request_summary: Mapped[str] = mapped_column(Text, default="{}")
    result_count: Mapped[int | None]
    client_addr: Mapped[str | None] = mapped_column(String(64))
    # unique: two entries can never claim the same predecessor, so concurrent writers cannot fork
    # the chain (the loser's transaction fails and is retried).
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditHead(Base):
    """The newest entry's id and hash, updated in the same transaction as each append: deleting
    the tail of the log (which the chain alone cannot reveal) shows up as a head mismatch."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    last_hash: Mapped[str] = mapped_column(String(64))
    count: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
