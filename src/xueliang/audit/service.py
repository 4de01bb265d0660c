"""Writing, reading and verifying the hash-chained audit log.

``record`` appends in the caller's transaction, so an action and its audit entry commit or roll
back together. Entry ids are assigned here (head + 1) so they are gap-free: a deleted row shows as
a gap and a broken chain; a deleted tail shows as a mismatch with ``audit_head``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xueliang.audit.enums import GENESIS_HASH, Outcome
from xueliang.audit.models import AuditEntry, AuditHead
from xueliang.auth.principal import Principal
from xueliang.core.db import utcnow

HEAD_ID = 1
MAX_SUMMARY_CHARS = 4000
HASHED_FIELDS = (
    "id",
    "created_at",
    "actor_id",
    "actor_name",
    "action",
    "outcome",
    "object_type",
    "object_id",
    "purpose",
    "case_id",
    "request_summary",
    "result_count",
    "client_addr",
    "prev_hash",
)


def _canonical(value: Any) -> Any:
    return value.isoformat(timespec="microseconds") if isinstance(value, datetime) else value


def compute_hash(entry: Any) -> str:
    """SHA-256 over the canonical JSON of the hashed fields (an ORM object or a row)."""
    payload = {name: _canonical(getattr(entry, name)) for name in HASHED_FIELDS}
    return hashlib.sha256(orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)).hexdigest()


def summarise(data: Mapping[str, Any]) -> str:
    """Request parameters as canonical JSON, cut to a bounded size."""
    text = orjson.dumps(data, option=orjson.OPT_SORT_KEYS, default=str).decode("utf-8")
    return text if len(text) <= MAX_SUMMARY_CHARS else text[: MAX_SUMMARY_CHARS - 1] + "…"


def record(
    *,
    db: Session,
    actor: Principal,
    action: str,
    outcome: Outcome = Outcome.ok,
    object_type: str | None = None,
    object_id: str | int | None = None,
    purpose: str | None = None,
    case_id: str | None = None,
    request: Mapping[str, Any] | None = None,
    result_count: int | None = None,
) -> AuditEntry:
    head = db.scalar(select(AuditHead).where(AuditHead.id == HEAD_ID).with_for_update())
    if head is None:
        head = AuditHead(id=HEAD_ID, last_id=0, last_hash=GENESIS_HASH, count=0)
        db.add(head)
    entry = AuditEntry(
        id=head.last_id + 1,
        created_at=utcnow(),
        actor_id=actor.user_id,
        actor_name=actor.username,
        action=action,
        outcome=str(outcome),
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        purpose=purpose,
        case_id=case_id,
        request_summary=summarise(request or {}),
        result_count=result_count,
        client_addr=actor.client_addr,
        prev_hash=head.last_hash,
    )
    entry.hash = compute_hash(entry)
    db.add(entry)
    head.last_id, head.last_hash, head.count = entry.id, entry.hash, head.count + 1
    db.flush()
    return entry


@dataclass(frozen=True, slots=True)
class EntryFilter:
    actor_name: str | None = None
    action: str | None = None
    case_id: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def list_entries(
    *, db: Session, where: EntryFilter, offset: int = 0, limit: int = 50
) -> tuple[int, list[AuditEntry]]:
    query = select(AuditEntry)
    for column, value in (
        (AuditEntry.actor_name, where.actor_name),
        (AuditEntry.action, where.action),
        (AuditEntry.case_id, where.case_id),
        (AuditEntry.object_type, where.object_type),
        (AuditEntry.object_id, where.object_id),
    ):
        if value is not None:
            query = query.where(column == value)
    if where.since is not None:
        query = query.where(AuditEntry.created_at >= where.since)
    if where.until is not None:
        query = query.where(AuditEntry.created_at < where.until)
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.scalars(query.order_by(AuditEntry.id.desc()).offset(offset).limit(limit)).all()
    return total, list(rows)


@dataclass(frozen=True, slots=True)
class VerifyResult:
    ok: bool
    checked: int
    bad_entry_id: int | None = None
    reason: str = ""


def _iter_entries(db: Session, batch: int = 5000) -> Iterator[Any]:
    """Plain rows in id order, a batch at a time (no ORM identity map to grow)."""
    table = AuditEntry.__table__
    last = 0
    while True:
        rows = db.execute(select(table).where(table.c.id > last).order_by(table.c.id).limit(batch)).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].id


def _check(entry: Any, expected_id: int, prev_hash: str) -> str:
    if entry.id != expected_id:
        return f"entry {expected_id} is missing (next entry is {entry.id}): deleted or renumbered"
    if entry.prev_hash != prev_hash:
        return "prev_hash does not match the previous entry: deleted, inserted or reordered"
    if compute_hash(entry) != entry.hash:
        return "content does not match its hash: the row was altered"
    return ""


def verify(*, db: Session) -> VerifyResult:
    """Walk the chain from the first entry; stop at the first entry that does not fit."""
    prev_hash, expected, checked = GENESIS_HASH, 1, 0
    for entry in _iter_entries(db):
        reason = _check(entry, expected, prev_hash)
        if reason:
            return VerifyResult(
                False, checked, bad_entry_id=entry.id if entry.id == expected else expected, reason=reason
            )
        prev_hash, expected, checked = entry.hash, expected + 1, checked + 1
    head = db.get(AuditHead, HEAD_ID)
    if head is None:
        if checked:
            return VerifyResult(False, checked, bad_entry_id=1, reason="audit_head is missing")
        return VerifyResult(True, 0)
    if head.last_id != expected - 1 or head.last_hash != prev_hash or head.count != checked:
        return VerifyResult(
            False,
            checked,
            bad_entry_id=head.last_id,
            reason=f"log ends at entry {expected - 1} but the head records entry "
            f"{head.last_id}: entries at the end were deleted or altered",
        )
    return VerifyResult(True, checked)
