"""Subscriptions (GA/T 1400 SubscribeObject): create, update, cancel, list, and matching records.

A subscription asks us to push records of the kinds in ``SubscribeDetail`` (11 persons, 12 faces,
13 motor vehicles, 14 non-motor vehicles, 16 images) whose device or checkpoint is ``ResourceURI``
(empty or our own VIID server id = everything) to ``ReceiveAddr``, between BeginTime and EndTime,
with the images and features it declared (``ResultImageDeclare``, ``ResultFeatureDeclare``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from xueliang.core.db import utcnow
from xueliang.core.exceptions import InvalidInputError, NotFoundError
from xueliang.viid.models import Subscription
from xueliang.viid.times import BadTime, format_time, parse_time

ACTIVE, CANCELLED, EXPIRED = 0, 1, 2
_generation = 0


def generation() -> int:
    """Bumped whenever this process changes a subscription (caches of active ones reload)."""
    return _generation


def _changed(db: Session) -> None:
    """Bump now and again when the change is committed (a reload in between saw the old rows)."""
    global _generation
    _generation += 1

    def bump(_session: Session) -> None:
        global _generation
        _generation += 1

    event.listen(db, "after_commit", bump, once=True)


def _time(obj: dict[str, Any], name: str, tz: str) -> datetime | None:
    value = obj.get(name)
    if value in (None, ""):
        return None
    try:
        return parse_time(value, tz=tz)
    except BadTime as exc:
        raise InvalidInputError(f"{name}: {exc}", field=name) from None


def _text(obj: dict[str, Any], name: str, *, required: bool = False, max_len: int = 400) -> str:
    value = obj.get(name)
    if value in (None, ""):
        if required:
            raise InvalidInputError(f"{name} is required", field=name)
        return ""
    text = str(value)
    if len(text) > max_len:
        raise InvalidInputError(f"{name} is longer than {max_len} characters", field=name)
    return text


_TYPE_CODE = re.compile(r"\d{2,3}")


@dataclass(frozen=True, slots=True)
class Declared:
    """What a subscriber asked to receive with each record (``ResultImageDeclare``,
    ``ResultFeatureDeclare``): ``images`` None = every image, an empty set = none ("-1"), else only
    images of those ``Type`` codes; ``features`` False = no ``FeatureInfoObject`` ("-1")."""

    images: frozenset[str] | None = None
    features: bool = True


def _declared_images(value: object) -> frozenset[str] | None:
    text = "" if value is None else str(value).replace(" ", "")
    if text == "":
        return None
    if text == "-1":
        return frozenset()
    codes = text.split(",")
    if not all(_TYPE_CODE.fullmatch(c) for c in codes):
        raise InvalidInputError(
            "ResultImageDeclare must be -1 or image type codes such as 01,11", field="ResultImageDeclare"
        )
    return frozenset(codes)


def _declared_features(value: object) -> bool:
    text = "" if value is None else str(value).strip()
    if text not in ("", "-1", "1"):
        raise InvalidInputError("ResultFeatureDeclare must be -1 or 1", field="ResultFeatureDeclare")
    return text != "-1"


def declared(sub: Subscription) -> Declared:
    """The subscription's declarations, from its stored object (checked when it was saved)."""
    obj = orjson.loads(sub.raw) if sub.raw else {}
    return Declared(
        _declared_images(obj.get("ResultImageDeclare")), _declared_features(obj.get("ResultFeatureDeclare"))
    )


def _apply(sub: Subscription, obj: dict[str, Any], tz: str) -> None:
    _declared_images(obj.get("ResultImageDeclare"))  # refused here, with a reason, not at each upload
    _declared_features(obj.get("ResultFeatureDeclare"))
    addr = _text(obj, "ReceiveAddr", required=not sub.receive_addr) or sub.receive_addr
    if not addr.startswith(("http://", "https://")):
        raise InvalidInputError("ReceiveAddr must be an http(s) URL", field="ReceiveAddr")
    sub.receive_addr = addr
    sub.detail = _text(obj, "SubscribeDetail", required=not sub.detail, max_len=100) or sub.detail
    sub.title = _text(obj, "Title", max_len=200) or sub.title
    sub.resource_uri = _text(obj, "ResourceURI") if "ResourceURI" in obj else sub.resource_uri
    sub.resource_class = _text(obj, "ResourceClass", max_len=4) or sub.resource_class
    sub.begin_at = _time(obj, "BeginTime", tz) or sub.begin_at
    sub.end_at = _time(obj, "EndTime", tz) or sub.end_at
    sub.raw = orjson.dumps({**(orjson.loads(sub.raw) if sub.raw else {}), **obj}).decode()
    sub.updated_at = utcnow()


def get(*, db: Session, subscribe_id: str) -> Subscription | None:
    return db.scalar(select(Subscription).where(Subscription.subscribe_id == subscribe_id))


def get_or_raise(*, db: Session, subscribe_id: str) -> Subscription:
    sub = get(db=db, subscribe_id=subscribe_id)
    if sub is None:
        raise NotFoundError(f"subscription {subscribe_id} not found")
    return sub


def create(*, db: Session, obj: dict[str, Any], subscriber: str, tz: str) -> Subscription:
    """Create (or, for a known SubscribeID, update); OperateType 1 cancels."""
    subscribe_id = _text(obj, "SubscribeID", required=True, max_len=64)
    if str(obj.get("OperateType", "0")) == "1":
        return cancel(db=db, subscribe_id=subscribe_id, reason=_text(obj, "CancelReason"))
    sub = get(db=db, subscribe_id=subscribe_id)
    if sub is None:
        sub = Subscription(
            subscribe_id=subscribe_id,
            subscriber_device_id=subscriber,
            raw="",
            detail="",
            receive_addr="",
            status=ACTIVE,
        )
        db.add(sub)
    _apply(sub, obj, tz)
    sub.status = ACTIVE
    db.flush()
    _changed(db)
    return sub


def update(*, db: Session, obj: dict[str, Any], tz: str) -> Subscription:
    sub = get_or_raise(db=db, subscribe_id=_text(obj, "SubscribeID", required=True, max_len=64))
    _apply(sub, obj, tz)
    db.flush()
    _changed(db)
    return sub


def cancel(*, db: Session, subscribe_id: str, reason: str = "") -> Subscription:
    sub = get_or_raise(db=db, subscribe_id=subscribe_id)
    sub.status, sub.updated_at = CANCELLED, utcnow()
    if reason:
        sub.raw = orjson.dumps({**orjson.loads(sub.raw), "CancelReason": reason}).decode()
    db.flush()
    _changed(db)
    return sub


def list_(*, db: Session, ids: list[str] | None = None) -> list[Subscription]:
    stmt = select(Subscription).order_by(Subscription.id)
    if ids:
        stmt = stmt.where(Subscription.subscribe_id.in_(ids))
    return list(db.scalars(stmt))


def to_object(sub: Subscription, *, tz: str) -> dict[str, Any]:
    obj: dict[str, Any] = orjson.loads(sub.raw)
    obj["SubscribeStatus"] = sub.status
    obj.pop("OperateType", None)
    if sub.begin_at:
        obj["BeginTime"] = format_time(sub.begin_at, tz=tz)
    if sub.end_at:
        obj["EndTime"] = format_time(sub.end_at, tz=tz)
    return obj


def all_active(*, db: Session) -> list[Subscription]:
    return list(db.scalars(select(Subscription).where(Subscription.status == ACTIVE)))


def active_for(*, db: Session, code: str, now: datetime | None = None) -> list[Subscription]:
    """Active subscriptions that ask for SubscribeDetail ``code`` and are within their window."""
    return matching(all_active(db=db), code=code, now=now)


def matching(subs: list[Subscription], *, code: str, now: datetime | None = None) -> list[Subscription]:
    """Those of ``subs`` that ask for SubscribeDetail ``code`` and are within their window."""
    now = now or utcnow()
    return [
        s
        for s in subs
        if code in s.detail.replace(" ", "").split(",")
        and (s.begin_at is None or s.begin_at <= now)
        and (s.end_at is None or now < s.end_at)
    ]


def covers(sub: Subscription, *, device_id: str, tollgate_id: str, server_id: str) -> bool:
    """Whether the subscription's ResourceURI (a list of ids) takes a record of this device."""
    uris = {u.strip() for u in sub.resource_uri.split(",") if u.strip()}
    return not uris or server_id in uris or device_id in uris or (bool(tollgate_id) and tollgate_id in uris)
