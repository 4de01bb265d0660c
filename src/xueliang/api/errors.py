"""The one place where errors become HTTP: RFC 9457 problem documents with stable codes.

Refusals of identified callers (403, missing purpose) are written to the audit log here, in a
transaction of their own, because the request's own transaction is rolled back.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from xueliang.audit import service as audit_service
from xueliang.audit.enums import Outcome
from xueliang.core.db import session_scope
from xueliang.core.exceptions import (
    ForbiddenError,
    InvalidInputError,
    PurposeRequiredError,
    XueliangError,
)

logger = logging.getLogger(__name__)
PROBLEM_JSON = "application/problem+json"
HTTP_CODES = {
    400: "request.bad",
    401: "auth.not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "request.too_large",
    415: "unsupported_media_type",
}


def problem(status: int, code: str, title: str, detail: str, request: Request, **extra: Any) -> JSONResponse:
    body = {
        "type": f"urn:xueliang:problem:{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
        "instance": request.url.path,
        **extra,
    }
    headers = {"Retry-After": str(extra["retry_after"])} if "retry_after" in extra else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _audit_refusal(request: Request, exc: XueliangError) -> None:
    principal = getattr(request.state, "principal", None)
    if principal is None:
        return
    purpose = getattr(request.state, "purpose", None)
    route = request.scope.get("route")
    action = getattr(request.state, "audit_action", None) or f"{request.method} {getattr(route, 'path', '?')}"
    outcome = Outcome.refused if isinstance(exc, PurposeRequiredError) else Outcome.denied
    with session_scope(request.app.state.sessionmaker) as db:
        audit_service.record(
            db=db,
            actor=principal,
            action=action,
            outcome=outcome,
            case_id=purpose.case_id if purpose else None,
            purpose=purpose.purpose if purpose else None,
            request={
                "path": request.url.path,
                "query": dict(request.query_params),
                "error": exc.code,
                "detail": exc.detail,
            },
        )


async def handle_domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, XueliangError)
    if isinstance(exc, ForbiddenError | PurposeRequiredError):
        _audit_refusal(request, exc)
    extra = dict(exc.extra)
    if isinstance(exc, InvalidInputError) and exc.field:
        extra["errors"] = [{"field": exc.field, "message": exc.detail}]
    if hasattr(exc, "retry_after"):
        extra["retry_after"] = exc.retry_after
    if exc.status >= 500:
        logger.error("%s: %s", exc.code, exc.detail)
    return problem(exc.status, exc.code, exc.title, exc.detail, request, **extra)


def _field_name(loc: tuple[Any, ...]) -> str:
    if len(loc) == 2 and loc[0] == "body" and isinstance(loc[1], int):
        return "body"  # a JSON decode error reports the character offset here
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "cookie")]
    return ".".join(parts) or str(loc[0] if loc else "body")


async def handle_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"field": _field_name(tuple(e.get("loc", ()))), "message": e.get("msg", ""), "type": e.get("type")}
        for e in exc.errors()
    ]
    if any(e["type"] == "json_invalid" for e in errors):
        detail = "the request body is not valid JSON"
    else:
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
    return problem(422, "request.invalid", "Invalid input", detail, request, errors=errors)


async def handle_http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = HTTP_CODES.get(exc.status_code, f"http.{exc.status_code}")
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    title = "Request body too large" if exc.status_code == 413 else detail
    response = problem(exc.status_code, code, title, detail, request)
    if exc.headers:
        response.headers.update(exc.headers)
    return response


async def handle_integrity_error(request: Request, exc: Exception) -> JSONResponse:
    logger.info("integrity error on %s: %s", request.url.path, type(exc).__name__)
    return problem(409, "conflict", "Conflict", "the change conflicts with existing data", request)


async def handle_unexpected(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem(
        500, "internal", "Internal error", "an unexpected error occurred; it has been logged", request
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(XueliangError, handle_domain_error)
    app.add_exception_handler(RequestValidationError, handle_validation_error)
    app.add_exception_handler(StarletteHTTPException, handle_http_error)
    app.add_exception_handler(IntegrityError, handle_integrity_error)
    app.add_exception_handler(Exception, handle_unexpected)
