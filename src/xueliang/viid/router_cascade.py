"""/VIID cascade: Subscribes, inbound SubscribeNotifications, and the APE/Tollgate/Lane directory."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Header, Query, Request, Response

from xueliang.api.deps import SessionDep, SettingsDep
from xueliang.core.exceptions import BadRequestError, InvalidInputError, NotFoundError
from xueliang.viewlib.kinds import RECORD_KINDS
from xueliang.viid import directory, envelopes, flows, service, subscriptions
from xueliang.viid.envelopes import Status
from xueliang.viid.route import ViidRoute

router = APIRouter(route_class=ViidRoute)
UserIdentify = Annotated[str | None, Header(alias="User-Identify")]


def _identify(request: Request, db: SessionDep, settings: SettingsDep, device_id: str | None) -> str:
    client = request.client.host if request.client else None
    device = service.identify(
        db=db, device_id=device_id, client_ip=client, timeout=settings.viid_keepalive_timeout_seconds
    )
    return device.device_id


def _list(body: bytes, list_key: str, object_key: str) -> list[Any]:
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise BadRequestError("the body is not valid JSON") from None
    inner = doc.get(list_key, doc) if isinstance(doc, dict) else None
    items = inner.get(object_key) if isinstance(inner, dict) else None
    items = [items] if isinstance(items, dict) else items
    if not isinstance(items, list):
        raise BadRequestError(f"expected {list_key}.{object_key} as a list")
    return items


def _subscribe_status(fn: Any, obj: Any) -> Status:
    sid = str(obj.get("SubscribeID", "")) if isinstance(obj, dict) else ""
    if not isinstance(obj, dict):
        return Status(sid, envelopes.INVALID_CONTENT, "SubscribeObject must be a JSON object")
    try:
        fn(obj)
    except (InvalidInputError, NotFoundError) as exc:
        return Status(sid, envelopes.INVALID_CONTENT, exc.detail)
    return Status(sid)


@router.post("/Subscribes")
async def create_subscriptions(
    request: Request, db: SessionDep, settings: SettingsDep, user_identify: UserIdentify = None
) -> Response:
    subscriber = _identify(request, db, settings, user_identify)
    items = _list(await request.body(), "SubscribeListObject", "SubscribeObject")
    statuses = [
        _subscribe_status(
            lambda o: subscriptions.create(db=db, obj=o, subscriber=subscriber, tz=settings.timezone), o
        )
        for o in items
    ]
    return envelopes.status_list(url=request.url.path, statuses=statuses, tz=settings.timezone)


@router.put("/Subscribes")
async def update_subscriptions(
    request: Request, db: SessionDep, settings: SettingsDep, user_identify: UserIdentify = None
) -> Response:
    _identify(request, db, settings, user_identify)
    items = _list(await request.body(), "SubscribeListObject", "SubscribeObject")
    statuses = [
        _subscribe_status(lambda o: subscriptions.update(db=db, obj=o, tz=settings.timezone), o)
        for o in items
    ]
    return envelopes.status_list(url=request.url.path, statuses=statuses, tz=settings.timezone)


@router.get("/Subscribes")
def list_subscriptions(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    user_identify: UserIdentify = None,
    id_list: Annotated[str | None, Query(alias="IDList")] = None,
) -> Response:
    _identify(request, db, settings, user_identify)
    ids = [i for i in (id_list or "").split(",") if i]
    objects = [
        subscriptions.to_object(s, tz=settings.timezone) for s in subscriptions.list_(db=db, ids=ids or None)
    ]
    return envelopes.viid_json({"SubscribeListObject": {"SubscribeObject": objects}})


@router.delete("/Subscribes")
def cancel_subscriptions(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    user_identify: UserIdentify = None,
    id_list: Annotated[str, Query(alias="IDList")] = "",
) -> Response:
    _identify(request, db, settings, user_identify)
    ids = [i for i in id_list.split(",") if i]
    statuses = [
        _subscribe_status(
            lambda o: subscriptions.cancel(db=db, subscribe_id=o["SubscribeID"]), {"SubscribeID": i}
        )
        for i in ids
    ]
    return envelopes.status_list(url=request.url.path, statuses=statuses, tz=settings.timezone)


@router.post("/SubscribeNotifications")
async def receive_notifications(request: Request) -> Response:
    """A lower platform pushes records it was asked for: ingest them like uploads."""
    items = _list(await request.body(), "SubscribeNotificationListObject", "SubscribeNotificationObject")
    statuses = [await _ingest_notification(request, n) for n in items]
    return envelopes.status_list(
        url=request.url.path, statuses=statuses, tz=request.app.state.settings.timezone
    )


async def _ingest_notification(request: Request, note: Any) -> Status:
    if not isinstance(note, dict):
        return Status("", envelopes.INVALID_CONTENT, "SubscribeNotificationObject must be a JSON object")
    refused: list[str] = []
    for kind in RECORD_KINDS:
        holder = note.get(kind.notification_key)
        objects = holder.get(kind.object_key) if isinstance(holder, dict) else None
        if isinstance(objects, list) and objects:
            statuses = await flows.ingest(request, kind, objects, inbound=True)
            refused += [f"{s.id or '?'}: {s.reason}" for s in statuses if not s.ok]
    nid = str(note.get("NotificationID", ""))
    return Status(nid, envelopes.INVALID_CONTENT, "; ".join(refused)[:500]) if refused else Status(nid)


@router.get("/APEs")
def list_apes(
    request: Request, db: SessionDep, settings: SettingsDep, user_identify: UserIdentify = None
) -> Response:
    _identify(request, db, settings, user_identify)
    return envelopes.viid_json({"APEListObject": {"APEObject": directory.apes(db=db)}})


@router.get("/Tollgates")
def list_tollgates(
    request: Request, db: SessionDep, settings: SettingsDep, user_identify: UserIdentify = None
) -> Response:
    _identify(request, db, settings, user_identify)
    return envelopes.viid_json({"TollgateListObject": {"TollgateObject": directory.tollgates(db=db)}})


@router.get("/Lanes")
def list_lanes(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    user_identify: UserIdentify = None,
    tollgate_id: Annotated[str | None, Query(alias="TollgateID")] = None,
) -> Response:
    _identify(request, db, settings, user_identify)
    return envelopes.viid_json(
        {"LaneListObject": {"LaneObject": directory.lanes(db=db, tollgate_id=tollgate_id)}}
    )
