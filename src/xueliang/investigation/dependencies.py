"""Loaders of the investigation routes: the case every look-up is made for."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from xueliang.api.deps import SessionDep
from xueliang.audit.dependencies import MIN_PURPOSE_CHARS, Purpose
from xueliang.auth.dependencies import CurrentPrincipal
from xueliang.core.exceptions import ForbiddenError, PurposeRequiredError
from xueliang.investigation import service
from xueliang.investigation.embeddings import Vectors, vectors_of
from xueliang.investigation.models import Case
from xueliang.investigation.service import CaseContext


def get_case_context(db: SessionDep, principal: CurrentPrincipal, purpose: Purpose) -> CaseContext:
    """400 without a case number, 403 unless the caller is a member of that open case."""
    return service.require_case(
        db=db, principal=principal, case_number=purpose.case_id, purpose=purpose.purpose
    )


def get_export_context(db: SessionDep, principal: CurrentPrincipal, purpose: Purpose) -> CaseContext:
    """The case check, and an export states its own purpose (the case title does not stand in): 400."""
    ctx = get_case_context(db, principal, purpose)
    if purpose.purpose is None or len(purpose.purpose) < MIN_PURPOSE_CHARS:
        raise PurposeRequiredError(
            f"an export states its purpose: give purpose (at least {MIN_PURPOSE_CHARS} characters) as a query"
            " parameter or the X-Purpose header"
        )
    return ctx


def valid_case(db: SessionDep, principal: CurrentPrincipal, case_pk: int) -> Case:
    case = service.get_or_raise(db=db, case_pk=case_pk)
    if not service.is_member(db=db, case=case, user_id=principal.user_id):
        raise ForbiddenError(f"you are not a member of case {case.number!r}")
    return case


CaseDep = Annotated[CaseContext, Depends(get_case_context)]
ExportCaseDep = Annotated[CaseContext, Depends(get_export_context)]
ValidCase = Annotated[Case, Depends(valid_case)]


def get_vectors(request: Request) -> Vectors:
    return vectors_of(request.app.state)


VectorsDep = Annotated[Vectors, Depends(get_vectors)]
