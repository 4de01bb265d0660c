"""Investigation tables: cases and their members, dispositions (布控) and their alerts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from xueliang.core.db import Base, utcnow


class Case(Base):
    """案件: every search names one, and its user must be a member."""

    __tablename__ = "investigation_case"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    case_type: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[str] = mapped_column(String(16), default="open")
    owner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]


class CaseMember(Base):
    __tablename__ = "investigation_case_member"
    __table_args__ = (UniqueConstraint("case_pk", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_pk: Mapped[int] = mapped_column(ForeignKey("investigation_case.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)


class Disposition(Base):
    """布控: a plate or a face under watch; active only after a second user approved it."""

    __tablename__ = "investigation_disposition"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_pk: Mapped[int] = mapped_column(ForeignKey("investigation_case.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    plate_no: Mapped[str | None] = mapped_column(String(15), index=True)
    plate_color: Mapped[str | None] = mapped_column(String(2))
    feature: Mapped[str | None] = mapped_column(Text)  # base64 float16 embedding of the face
    threshold: Mapped[float | None] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(String(500))
    area: Mapped[str] = mapped_column(Text, default="")  # comma-separated tollgate/device ids; "" = all
    valid_from: Mapped[datetime]
    valid_until: Mapped[datetime] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    created_by: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    decided_at: Mapped[datetime | None]


class Alert(Base):
    """A disposition hit: a suggestion for a person to review, never an automatic action."""

    __tablename__ = "investigation_alert"
    __table_args__ = (UniqueConstraint("disposition_pk", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    disposition_pk: Mapped[int] = mapped_column(
        ForeignKey("investigation_disposition.id", ondelete="CASCADE"), index=True
    )
    object_id: Mapped[str] = mapped_column(String(48))
    record_kind: Mapped[str] = mapped_column(String(24))
    match: Mapped[str] = mapped_column(String(8))
    score: Mapped[float] = mapped_column(Float, default=1.0)
    observed: Mapped[str] = mapped_column(String(32), default="")  # the plate read, when a plate
    device_id: Mapped[str] = mapped_column(String(20), default="")
    tollgate_id: Mapped[str] = mapped_column(String(20), default="")
    event_time: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    review: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    reviewed_at: Mapped[datetime | None]
    review_note: Mapped[str] = mapped_column(String(500), default="")
