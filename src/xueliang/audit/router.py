"""The audit log, for auditors only. Reading it is itself a sensitive, audited look-up."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from xueliang.api import API_PREFIX
from xueliang.api.deps import SessionDep
from xueliang.api.schemas import Page
from xueliang.audit import service
from xueliang.audit.dependencies import Purpose
from xueliang.audit.schemas import AuditEntryRead, VerifyRead
from xueliang.auth.dependencies import require
from xueliang.auth.enums import Permission
from xueliang.auth.principal import Principal

router = APIRouter(prefix=f"{API_PREFIX}/audit", tags=["audit"])
Auditor = Annotated[Principal, Depends(require(Permission.audit_read))]


@router.get("/entries", response_model=Page[AuditEntryRead])
def list_entries(
    db: SessionDep,
    principal: Auditor,
    purpose: Purpose,
    actor: str | None = None,
    action: str | None = None,
    case: Annotated[str | None, Query(description="Entries made for this case number.")] = None,
    object_type: str | None = None,
    object_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> Page[AuditEntryRead]:
    where = service.EntryFilter(
        actor_name=actor,
        action=action,
        case_id=case,
        object_type=object_type,
        object_id=object_id,
        since=since,
        until=until,
    )
    total, rows = service.list_entries(db=db, where=where, offset=offset, limit=limit)
    service.record(
        db=db,
        actor=principal,
        action="audit.read",
        purpose=purpose.purpose,
        case_id=purpose.case_id,
        request={**vars_of(where), "offset": offset, "limit": limit},
        result_count=len(rows),
    )
    return Page(
        total=total, offset=offset, limit=limit, items=[AuditEntryRead.model_validate(r) for r in rows]
    )


@router.get("/verify", response_model=VerifyRead)
def verify(db: SessionDep, principal: Auditor) -> VerifyRead:
    result = service.verify(db=db)
    service.record(
        db=db,
        actor=principal,
        action="audit.verify",
        result_count=result.checked,
        request={"ok": result.ok, "bad_entry_id": result.bad_entry_id},
    )
    return VerifyRead.model_validate(result)


def vars_of(where: service.EntryFilter) -> dict[str, object]:
    return {k: getattr(where, k) for k in where.__slots__ if getattr(where, k) is not None}
