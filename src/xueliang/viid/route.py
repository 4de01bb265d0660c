"""``ViidRoute``: every /VIID route answers errors with a GA/T 1400 ResponseStatusObject, not
problem+json. Scoped to the /VIID router, so the /api error contract is untouched."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

from xueliang.core.exceptions import XueliangError
from xueliang.viid import envelopes
from xueliang.viid.envelopes import Status
from xueliang.viid.exceptions import DigestRequiredError

logger = logging.getLogger(__name__)


def error_response(
    request: Request, http_status: int, code: str, reason: str, headers: dict[str, str] | None = None
) -> Response:
    tz = request.app.state.settings.timezone
    ident = request.headers.get("User-Identify", "")[:20]
    body = {
        "ResponseStatusObject": envelopes.status_object(
            url=request.url.path, status=Status(ident, code, reason), tz=tz
        )
    }
    return envelopes.viid_json(body, http_status=http_status, headers=headers)


def _from_exception(request: Request, exc: Exception) -> Response:
    if isinstance(exc, DigestRequiredError):
        return error_response(request, 401, "401", exc.detail, {"WWW-Authenticate": exc.challenge})
    if isinstance(exc, XueliangError):
        if exc.status >= 500:
            logger.error("%s on %s: %s", exc.code, request.url.path, exc.detail)
        return error_response(request, exc.status, str(exc.status), exc.detail)
    if isinstance(exc, RequestValidationError):
        detail = "; ".join(
            f"{'.'.join(map(str, e.get('loc', ())))}: {e.get('msg')}" for e in exc.errors()[:5]
        )
        return error_response(request, 400, envelopes.INVALID_CONTENT, detail)
    if isinstance(exc, HTTPException):
        return error_response(request, exc.status_code, str(exc.status_code), str(exc.detail))
    logger.exception("unhandled error on %s %s", request.method, request.url.path)
    return error_response(request, 500, envelopes.OTHER_ERROR, "internal error; it has been logged")


class ViidRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                return await original(request)
            except Exception as exc:
                return _from_exception(request, exc)

        return handler
