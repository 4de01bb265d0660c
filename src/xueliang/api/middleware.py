"""ASGI middleware: request-size limit (413), request logging and Prometheus metrics."""

from __future__ import annotations

import itertools
import logging
import time
import uuid
from typing import Any

import orjson
from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from xueliang.viid import envelopes

logger = logging.getLogger("xueliang.request")


class _TooLarge(HTTPException):
    """Raised from ``receive`` while streaming; an HTTPException so that FastAPI's body parsing
    passes it on (it turns other exceptions into 400) and the error handler answers 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body exceeds {limit} bytes")


def _problem_413(limit: int, path: str) -> bytes:
    return orjson.dumps(
        {
            "type": "urn:xueliang:problem:request.too_large",
            "title": "Request body too large",
            "status": 413,
            "detail": f"the request body exceeds {limit} bytes",
            "code": "request.too_large",
            "instance": path,
        }
    )


def _viid_413(limit: int, path: str, scope: Scope) -> bytes:
    ident = dict(scope["headers"]).get(b"user-identify", b"").decode("latin-1")[:20]
    status = envelopes.Status(ident, "413", f"the request body exceeds {limit} bytes")
    reply = envelopes.status_object(url=path, status=status, tz=_tz(scope))
    return orjson.dumps({"ResponseStatusObject": reply})


def _tz(scope: Scope) -> str:
    app = scope.get("app")
    settings = getattr(getattr(app, "state", None), "settings", None)
    return str(getattr(settings, "timezone", "Asia/Shanghai"))


class BodySizeLimitMiddleware:
    """Refuse bodies over ``limit`` bytes: by Content-Length up front, or while streaming."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            await self._reject(scope, send)
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.limit:
                raise _TooLarge(self.limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._reject(scope, send)

    async def _reject(self, scope: Scope, send: Send) -> None:
        path = scope.get("path", "")
        if path.startswith("/VIID/"):  # GA/T 1400 clients read a ResponseStatusObject, not a problem
            content_type, body = envelopes.MEDIA_TYPE.encode(), _viid_413(self.limit, path, scope)
        else:
            content_type, body = b"application/problem+json", _problem_413(self.limit, path)
        headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "xueliang_http_requests_total",
            "HTTP requests",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "xueliang_http_request_seconds",
            "HTTP request latency",
            ["method", "route"],
            registry=self.registry,
        )


_PROCESS = uuid.uuid4().hex[:12]  # unique per process; the counter makes each request's id unique
_counter = itertools.count(1)


def _next_id() -> str:
    """A request id unique across processes and restarts, cheaper than a uuid4 per request."""
    return f"{_PROCESS}{next(_counter):012x}"


class RequestLogMiddleware:
    """One structured log line and one metrics observation per request, labelled by route template
    (``/api/v1/users/{user_id}``), never by raw path, so label cardinality stays bounded."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app, self.metrics = app, metrics
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}  # bounded like the labels

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start, status = time.perf_counter(), 500
        request_id = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")[:64] or _next_id()

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", []).append((b"x-request-id", request_id.encode("latin-1")))
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            self._observe(scope, status, time.perf_counter() - start, request_id)

    def _observe(self, scope: Scope, status: int, elapsed: float, request_id: str) -> None:
        route: Any = scope.get("route")
        template = getattr(route, "path", None) or ("static" if status < 400 else "unmatched")
        method = scope["method"]
        key = (method, template, status)
        children = self._children.get(key)
        if children is None:  # labels() takes a lock and builds a key each call: ~4 % of ingest
            children = (
                self.metrics.requests.labels(method, template, str(status)),
                self.metrics.latency.labels(method, template),
            )
            self._children[key] = children
        children[0].inc()
        children[1].observe(elapsed)
        if not logger.isEnabledFor(logging.INFO):
            return
        logger.info(
            "%s %s %s %.1fms",
            method,
            scope["path"],
            status,
            elapsed * 1000,
            extra={
                "request_id": request_id,
                "route": template,
                "status": status,
                "client": (scope.get("client") or ("", 0))[0],
            },
        )
