"""Cases (案件) and their members; the case check every search goes through. Keyword-only, no HTTP."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xueliang.audit import service as audit
from xueliang.auth.enums import Permission
from xueliang.auth.models import User
from xueliang.auth.principal import Principal
from xueliang.core.db import utcnow
from xueliang.core.exceptions import ConflictError, ForbiddenError, NotFoundError, PurposeRequiredError
from xueliang.investigation.enums import CaseStatus
from xueliang.investigation.models import Case, CaseMember


@dataclass(frozen=True, slots=True)
class CaseContext:
    """The case and purpose a look-up is made for; the caller is a member of the case."""

    case: Case
    purpose: str


def get_by_number(*, db: Session, number: str) -> Case | None:
    return db.scalar(select(Case).where(Case.number == number))


def get_or_raise(*, db: Session, case_pk: int) -> Case:
    case = db.get(Case, case_pk)
    if case is None:
        raise NotFoundError(f"case {case_pk} not found")
    return case


def is_member(*, db: Session, case: Case, user_id: int | None) -> bool:
    if user_id is None:
        return False
    found = db.scalar(
        select(CaseMember.id).where(CaseMember.case_pk == case.id, CaseMember.user_id == user_id)
    )
    return found is not None


def member_case_ids(*, db: Session, user_id: int | None) -> set[int]:
    if user_id is None:
        return set()
    return set(db.scalars(select(CaseMember.case_pk).where(CaseMember.user_id == user_id)))


def require_case(
    *, db: Session, principal: Principal, case_number: str | None, purpose: str | None
) -> CaseContext:
    """The case named by the request, which must exist, be open, and have the caller as a member."""
    if not case_number:
        raise PurposeRequiredError("investigation look-ups name a case: give case_id (the case number)")
    case = get_by_number(db=db, number=case_number)
    if case is None or not is_member(db=db, case=case, user_id=principal.user_id):
        raise ForbiddenError(f"you are not a member of case {case_number!r} (or it does not exist)")
    if case.status != CaseStatus.open:
        raise ForbiddenError(f"case {case_number!r} is closed")
    return CaseContext(case=case, purpose=purpose or case.title)


def audit_lookup(
    *,
    db: Session,
    principal: Principal,
    ctx: CaseContext,
    action: str,
    params: Mapping[str, Any],
    result_count: int,
) -> None:
    audit.record(
        db=db,
        actor=principal,
        action=action,
        object_type="case",
        object_id=ctx.case.number,
        purpose=ctx.purpose,
        case_id=ctx.case.number,
        request=params,
        result_count=result_count,
    )


def create_case(
    *, db: Session, principal: Principal, number: str, title: str, case_type: str, members: list[int]
) -> Case:
    principal.require(Permission.case_manage)
    if principal.user_id is None:
        raise ForbiddenError("cases are owned by users")
    if get_by_number(db=db, number=number) is not None:
        raise ConflictError(f"case {number!r} exists")
    case = Case(number=number, title=title, case_type=case_type, owner_id=principal.user_id)
    db.add(case)
    db.flush()
    for user_id in {principal.user_id, *members}:
        _add_member(db=db, case=case, user_id=user_id)
    audit.record(
        db=db, actor=principal, action="investigation.case.create", object_type="case", object_id=number,
        case_id=number, request={"title": title, "type": case_type, "members": sorted(members)},
    )  # fmt: skip
    return case


def _add_member(*, db: Session, case: Case, user_id: int) -> None:
    if db.get(User, user_id) is None:
        raise NotFoundError(f"user {user_id} not found")
    if not is_member(db=db, case=case, user_id=user_id):
        db.add(CaseMember(case_pk=case.id, user_id=user_id))
        db.flush()


def _require_owner(*, principal: Principal, case: Case) -> None:
    principal.require(Permission.case_manage)
    if case.owner_id != principal.user_id and not principal.has(Permission.user_manage):
        raise ForbiddenError("only the case owner changes its members and status")


def set_members(*, db: Session, principal: Principal, case: Case, add: list[int], remove: list[int]) -> Case:
    _require_owner(principal=principal, case=case)
    for user_id in add:
        _add_member(db=db, case=case, user_id=user_id)
    for user_id in remove:
        if user_id == case.owner_id:
            raise ConflictError("the owner stays a member")
        db.query(CaseMember).filter_by(case_pk=case.id, user_id=user_id).delete()
    audit.record(
        db=db, actor=principal, action="investigation.case.members", object_type="case",
        object_id=case.number, case_id=case.number, request={"add": add, "remove": remove},
    )  # fmt: skip
    return case


def set_status(*, db: Session, principal: Principal, case: Case, status: CaseStatus) -> Case:
    _require_owner(principal=principal, case=case)
    case.status = status
    case.closed_at = utcnow() if status == CaseStatus.closed else None
    audit.record(
        db=db, actor=principal, action="investigation.case.status", object_type="case",
        object_id=case.number, case_id=case.number, request={"status": str(status)},
    )  # fmt: skip
    return case


def members_of(*, db: Session, case: Case) -> list[int]:
    return list(db.scalars(select(CaseMember.user_id).where(CaseMember.case_pk == case.id)))


def list_cases(*, db: Session, principal: Principal, offset: int, limit: int) -> tuple[int, list[Case]]:
    mine = select(CaseMember.case_pk).where(CaseMember.user_id == principal.user_id)
    query = select(Case).where(Case.id.in_(mine))
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    return total, list(db.scalars(query.order_by(Case.id.desc()).offset(offset).limit(limit)))
