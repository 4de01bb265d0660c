"""The ``Purpose`` dependency: sensitive endpoints name the case and purpose of every look-up.

Usage::

    @router.get("/faces/search")
    def search(purpose: Purpose, ...): ...

The caller sends ``case_id`` and/or ``purpose`` as query parameters or as the headers
``X-Case-Id`` / ``X-Purpose``. At least a purpose of some substance is required; a case number
alone is accepted (the case states its purpose). Refusals are audited by the error handler.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Query, Request

from xueliang.core.exceptions import PurposeRequiredError

MIN_PURPOSE_CHARS = 4


@dataclass(frozen=True, slots=True)
class PurposeContext:
    case_id: str | None
    purpose: str | None


def require_purpose(
    request: Request,
    case_id: Annotated[str | None, Query(max_length=64, description="Case (案件) number.")] = None,
    purpose: Annotated[str | None, Query(max_length=500, description="Why this look-up is made.")] = None,
    x_case_id: Annotated[str | None, Header(max_length=64)] = None,
    x_purpose: Annotated[str | None, Header(max_length=500)] = None,
) -> PurposeContext:
    case = (case_id or x_case_id or "").strip() or None
    why = (purpose or x_purpose or "").strip() or None
    request.state.purpose = PurposeContext(case_id=case, purpose=why)
    if case is None and (why is None or len(why) < MIN_PURPOSE_CHARS):
        raise PurposeRequiredError(
            "this endpoint reads sensitive data: give a case number (case_id) or a purpose of at least "
            f"{MIN_PURPOSE_CHARS} characters (purpose), as query parameters or X-Case-Id / X-Purpose headers"
        )
    return request.state.purpose  # type: ignore[no-any-return]


Purpose = Annotated[PurposeContext, Depends(require_purpose)]
