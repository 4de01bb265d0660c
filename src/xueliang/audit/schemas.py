from __future__ import annotations

from datetime import datetime

from xueliang.api.schemas import ReadModel


class AuditEntryRead(ReadModel):
    id: int
    created_at: datetime
    actor_id: int | None
    actor_name: str
    action: str
    outcome: str
    object_type: str | None
    object_id: str | None
    purpose: str | None
    case_id: str | None
    request_summary: str
    result_count: int | None
    client_addr: str | None
    prev_hash: str
    hash: str


class VerifyRead(ReadModel):
    ok: bool
    checked: int
    bad_entry_id: int | None
    reason: str
