"""GA/T 1400 reply envelopes: ResponseStatusObject and ResponseStatusListObject.

StatusCode "0" is success. Failure codes follow the common open-source servers (1400.4's table was
not available): 1 other error, 2 device busy, 3 device error, 4 invalid operation, 5 invalid XML/JSON
format, 6 invalid XML/JSON content, 7 JSON/XML too long or data too large; we add 401 / 403 / 404 /
413 as StatusCode for refusals so a client can tell them apart in the body too.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

import orjson
from fastapi.responses import Response

from xueliang.core.db import utcnow
from xueliang.viid.times import format_time

OK = "0"
OTHER_ERROR = "1"
INVALID_OPERATION = "4"
INVALID_FORMAT = "5"
INVALID_CONTENT = "6"
TOO_LARGE = "7"
MEDIA_TYPE = "application/VIID+JSON;charset=UTF-8"


class Status(NamedTuple):
    """One object's outcome in a batch reply (a tuple: one is built per uploaded object, and a
    frozen dataclass cost ~1 µs each to construct)."""

    id: str
    code: str = OK
    reason: str = "OK"

    @property
    def ok(self) -> bool:
        return self.code == OK


def status_object(*, url: str, status: Status, tz: str, now: datetime | None = None) -> dict[str, str]:
    return {
        "Id": status.id,
        "RequestURL": url,
        "StatusCode": status.code,
        "StatusString": status.reason,
        "LocalTime": format_time(now or utcnow(), tz=tz),
    }


def single(*, url: str, status: Status, tz: str, http_status: int = 200) -> Response:
    body = {"ResponseStatusObject": status_object(url=url, status=status, tz=tz)}
    return viid_json(body, http_status=http_status)


def status_list(*, url: str, statuses: list[Status], tz: str) -> Response:
    return Response(status_list_body(url=url, statuses=statuses, tz=tz), media_type=MEDIA_TYPE)


def status_list_body(*, url: str, statuses: list[Status], tz: str) -> bytes:
    """The JSON of a ResponseStatusListObject (one status per object, one time for all)."""
    stamp = format_time(utcnow(), tz=tz)
    items = [
        {"Id": s.id, "RequestURL": url, "StatusCode": s.code, "StatusString": s.reason, "LocalTime": stamp}
        for s in statuses
    ]
    return orjson.dumps({"ResponseStatusListObject": {"ResponseStatusObject": items}})


def viid_json(body: object, *, http_status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(body), status_code=http_status, media_type=MEDIA_TYPE, headers=headers)
