"""How /VIID requests reach their handlers, and how their errors are answered.

``ViidRoute``: every /VIID route answers errors with a GA/T 1400 ResponseStatusObject, not
problem+json. Scoped to the /VIID router, so the /api error contract is untouched.

``UploadDispatch``: the record uploads (``POST /VIID/MotorVehicles`` and the other kinds), nearly
all of the requests a view library serves, go straight to ``flows.upload`` instead of through the
router. Passing an upload through Starlette's exception middleware, the router's matching and
FastAPI's request handling was ~8 % of the time the server held the GIL at full ingest load
(py-spy, ``bench/viid_ingest.py``), and ingest is GIL-bound. It sits inside the request-log and
body-size middleware, so uploads are logged, counted under their route template and limited like
every other request, and its errors are the same envelopes as ``ViidRoute``'s.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any, NamedTuple

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from xueliang.core.exceptions import XueliangError
from xueliang.viewlib.kinds import ALL_KINDS
from xueliang.viid import envelopes, flows
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


def error_from_exception(request: Request, exc: Exception) -> Response:
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
                return error_from_exception(request, exc)

        return handler


class _Template(NamedTuple):
    """What the request log labels metrics with: a route's ``path`` template."""

    path: str


_MEDIA_TYPE = envelopes.MEDIA_TYPE.encode()


class UploadDispatch:
    """ASGI middleware: ``POST /VIID/<kind>`` to ``flows.upload``; anything else to the app."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.kinds = {f"/VIID/{k.path}": k for k in ALL_KINDS}
        self.routes = {path: _Template(path) for path in self.kinds}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        upload = scope["type"] == "http" and scope["method"] == "POST"
        kind = self.kinds.get(scope["path"]) if upload else None
        if kind is None:
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        scope["route"] = self.routes[path]
        request = Request(scope, receive)
        try:
            statuses = await flows.upload(request, kind)
            tz = request.app.state.settings.timezone
            body = envelopes.status_list_body(url=path, statuses=statuses, tz=tz)
        except Exception as exc:
            await error_from_exception(request, exc)(scope, receive, send)
            return
        # the reply as two ASGI messages: a starlette Response (headers built, then sent) cost ~2 %
        headers = [(b"content-type", _MEDIA_TYPE), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})
