"""/VIID: system (Register, UnRegister, Keepalive, Time), uploads and condition queries.

Handlers are thin: the work is in ``service`` (registration), ``flows`` (uploads) and ``viewlib``.
The uploads themselves (``POST /VIID/<kind>``) are not routes here: ``route.UploadDispatch`` sends
them to ``flows.upload`` ahead of the router.
Subscriptions, notifications and the device directory are in ``router_cascade``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Request, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from xueliang.api.deps import SettingsDep
from xueliang.core.config import Settings
from xueliang.core.db import session_scope, utcnow, write_retrying
from xueliang.core.exceptions import NotFoundError
from xueliang.viewlib import service as viewlib_service
from xueliang.viewlib.dependencies import ViewLibDep
from xueliang.viewlib.kinds import ALL_KINDS, IMAGE, Kind
from xueliang.viid import envelopes, service
from xueliang.viid.cache import cache_of, nonce_counts_of
from xueliang.viid.envelopes import Status
from xueliang.viid.query import parse_query
from xueliang.viid.route import ViidRoute
from xueliang.viid.router_cascade import router as cascade_router
from xueliang.viid.times import format_time

router = APIRouter(prefix="/VIID", tags=["viid"], route_class=ViidRoute, include_in_schema=False)
UserIdentify = Annotated[str | None, Header(alias="User-Identify")]


def _client(request: Request) -> str | None:
    return request.client.host if request.client else None


def _authenticate(request: Request, settings: Settings) -> str:
    """The DeviceID of a valid Digest Authorization (nonce count checked once, before any write)."""
    with session_scope(request.app.state.sessionmaker) as db:
        device = service.authenticate_digest(
            db=db,
            authorization=request.headers.get("Authorization"),
            method="POST",
            realm=settings.viid_realm,
            key=settings.effective_secret(),
            nonce_ttl=settings.viid_nonce_ttl_seconds,
            counts=nonce_counts_of(request.app.state),
        )
        return device.device_id


@router.post("/System/Register")
def register(request: Request, settings: SettingsDep) -> Response:
    device_id = _authenticate(request, settings)
    write_retrying(
        request.app.state.sessionmaker,
        lambda db: service.register(
            db=db, device=service.device_or_raise(db=db, device_id=device_id), client_ip=_client(request)
        ),
    )
    cache_of(request.app.state).forget_device(device_id)
    return envelopes.single(url=request.url.path, status=Status(device_id), tz=settings.timezone)


@router.post("/System/UnRegister")
def unregister(request: Request, settings: SettingsDep) -> Response:
    device_id = _authenticate(request, settings)
    write_retrying(
        request.app.state.sessionmaker,
        lambda db: service.unregister(db=db, device=service.device_or_raise(db=db, device_id=device_id)),
    )
    cache_of(request.app.state).forget_device(device_id)
    return envelopes.single(url=request.url.path, status=Status(device_id), tz=settings.timezone)


@router.post("/System/Keepalive")
def keepalive(request: Request, settings: SettingsDep, user_identify: UserIdentify = None) -> Response:
    def work(db: Session) -> str:
        device = service.identify(
            db=db,
            device_id=user_identify,
            client_ip=_client(request),
            timeout=settings.viid_keepalive_timeout_seconds,
        )
        service.keepalive(db=db, device=device)
        return device.device_id

    device_id = write_retrying(request.app.state.sessionmaker, work)
    cache_of(request.app.state).forget_device(device_id)
    return envelopes.single(url=request.url.path, status=Status(device_id), tz=settings.timezone)


@router.get("/System/Time")
def system_time(settings: SettingsDep) -> Response:
    body = {
        "SystemTimeObject": {
            "VIIDServerID": settings.viid_server_id,
            "TimeMode": "1",
            "LocalTime": format_time(utcnow(), tz=settings.timezone),
            "TimeZone": settings.timezone,
        }
    }
    return envelopes.viid_json(body)


def _query_route(kind: Kind) -> Any:
    def query(request: Request, lib: ViewLibDep, settings: SettingsDep) -> Response:
        q = parse_query(kind, dict(request.query_params), tz=settings.timezone)
        objects, total = viewlib_service.query_page(store=lib.store, kind=kind, query=q, blobs=lib.blobs)
        body = {kind.list_key: {kind.object_key: objects, "PageRecordNum": len(objects), "TotalNum": total}}
        return envelopes.viid_json(body)

    query.__name__ = f"query_{kind.name}"
    return query


def _get_route(kind: Kind) -> Any:
    def get_one(object_id: str, lib: ViewLibDep) -> Response:
        obj = viewlib_service.get_record(store=lib.store, kind=kind, object_id=object_id, blobs=lib.blobs)
        if obj is None:
            raise NotFoundError(f"{kind.object_key} {object_id} not found")
        return envelopes.viid_json({kind.object_key: obj})

    get_one.__name__ = f"get_{kind.name}"
    return get_one


for _kind in ALL_KINDS:
    router.add_api_route(f"/{_kind.path}", _query_route(_kind), methods=["GET"])
    router.add_api_route(f"/{_kind.path}/{{object_id}}", _get_route(_kind), methods=["GET"])


@router.get("/Images/{image_id}/Data")
async def image_data(image_id: str, lib: ViewLibDep) -> Response:
    raw = await run_in_threadpool(lib.store.get, IMAGE, image_id)
    sha = viewlib_service.image_blob(raw) if raw else ""
    if not sha:
        raise NotFoundError(f"image {image_id} has no stored data")
    return Response(await run_in_threadpool(lib.blobs.get, sha), media_type="application/octet-stream")


router.include_router(cascade_router)
