"""Open311 GeoReport v2 server under /open311/v2 (JSON and XML by suffix).

Services are incident categories (``public``); requests are incidents. Errors use the spec's
format, ``[{code, description}]``, with 400 / 403 / 404. POST needs ``api_key`` = an API token of
a user allowed to report incidents. Extensions: ``page``/``page_size``, ``updated_after`` /
``updated_before`` and ``extensions=true`` (``extended_attributes`` and ``notes``). Reporter
details are stored encrypted and never appear in any Open311 response.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs
from xml.etree import ElementTree as ET

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from xueliang.api.deps import SessionDep, SettingsDep
from xueliang.auth import service as auth_service
from xueliang.auth.enums import Permission
from xueliang.auth.models import OrgUnit
from xueliang.core.db import utcnow
from xueliang.core.exceptions import ForbiddenError, XueliangError
from xueliang.incident import intake
from xueliang.incident.dependencies import LocatorDep
from xueliang.incident.enums import CLOSED_LIKE, Source, State
from xueliang.incident.models import Category, Incident, IncidentEvent

router = APIRouter(prefix="/open311/v2", tags=["open311"])
PLURAL = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
    "notes": "note",
}
MAX_SPAN = timedelta(days=90)
DEFAULT_LIMIT = 1000


class Open311Error(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status, self.description = status, description


# ---- rendering ---------------------------------------------------------------------------------
def _xml_value(parent: ET.Element, tag: str, value: Any) -> None:
    node = ET.SubElement(parent, tag)
    if isinstance(value, dict):
        for key, sub in value.items():
            _xml_value(node, key, sub)
    elif isinstance(value, list):
        for item in value:
            _xml_value(node, PLURAL.get(tag, "item"), item)
    elif isinstance(value, bool):
        node.text = "true" if value else "false"
    elif value is not None:
        node.text = value.isoformat() if isinstance(value, datetime) else str(value)


def render(fmt: str, root: str, body: Any, status: int = 200) -> Response:
    if fmt == "json":
        return JSONResponse(_jsonable(body), status_code=status)
    element = ET.Element(root)
    items = body if isinstance(body, list) else [body]
    if root in PLURAL:
        for item in items:
            _xml_value(element, PLURAL[root], item)
    else:
        for key, value in body.items():
            _xml_value(element, key, value)
    text = ET.tostring(element, encoding="unicode")
    return Response('<?xml version="1.0" encoding="utf-8"?>' + text, status, media_type="text/xml")


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value.isoformat() if isinstance(value, datetime) else value


def _error(fmt: str, status: int, description: str) -> Response:
    return render(
        fmt if fmt == "xml" else "json", "errors", [{"code": status, "description": description}], status
    )


def _guard(fmt: str, call: Callable[[], Response]) -> Response:
    if fmt not in ("json", "xml"):
        return _error("json", 404, f"unknown format {fmt[:20]!r}: use .json or .xml")
    try:
        return call()
    except Open311Error as exc:
        return _error(fmt, exc.status, exc.description)
    except XueliangError as exc:
        status = 403 if isinstance(exc, ForbiddenError) or exc.status == 401 else exc.status
        return _error(fmt, status if status in (403, 404) else 400, exc.detail)


# ---- discovery and services --------------------------------------------------------------------
@router.get("/discovery.{fmt}", summary="Open311 endpoint discovery")
def discovery(fmt: str, request: Request) -> Response:
    base = str(request.base_url).rstrip("/") + router.prefix
    body = {
        "changeset": "2026-01-01T00:00:00+08:00",
        "contact": "Xueliang incident centre",
        "key_service": "API tokens are issued by the platform administrator (xueliang admin).",
        "endpoints": [
            {
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": base,
                "changeset": "2026-01-01T00:00:00+08:00",
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return _guard(fmt, lambda: render(fmt, "discovery", body))


def _service(c: Category) -> dict[str, Any]:
    return {
        "service_code": c.code,
        "service_name": c.name,
        "description": c.description,
        "metadata": bool(c.attributes),
        "type": "realtime",
        "keywords": c.keywords,
        "group": c.group_name,
    }


def _public_category(db: Session, code: str) -> Category:
    category = db.get(Category, code)
    if category is None or not category.public:
        raise Open311Error(404, f"service_code {code[:64]!r} not found")
    return category


@router.get("/services.{fmt}", summary="Open311 service list")
def services(fmt: str, db: SessionDep) -> Response:
    def call() -> Response:
        rows = db.scalars(select(Category).where(Category.public.is_(True)).order_by(Category.code))
        return render(fmt, "services", [_service(c) for c in rows])

    return _guard(fmt, call)


@router.get("/services/{service_code}.{fmt}", summary="Open311 service definition")
def service_definition(service_code: str, fmt: str, db: SessionDep) -> Response:
    def call() -> Response:
        category = _public_category(db, service_code)
        body = {"service_code": category.code, "attributes": list(category.attributes)}
        return render(fmt, "service_definition", body)

    return _guard(fmt, call)


# ---- requests ------------------------------------------------------------------------------------
@router.post("/requests.{fmt}", summary="Open311: create a service request (form-encoded)")
async def create_request(
    fmt: str, request: Request, db: SessionDep, settings: SettingsDep, locator: LocatorDep
) -> Response:
    raw = await request.body()
    form = {k: v[-1] for k, v in parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True).items()}
    form.update({k: v for k, v in request.query_params.items() if k not in form})

    def call() -> Response:
        principal = _principal(db, form.get("api_key", ""))
        new = _new_incident(db, form)
        incident = intake.create(db=db, settings=settings, principal=principal, locator=locator, new=new)
        body = [{"service_request_id": str(incident.id), "service_notice": "", "account_id": None}]
        return render(fmt, "service_requests", body)

    return _guard(fmt, call)


def _principal(db: Session, api_key: str) -> Any:
    if not api_key:
        raise Open311Error(403, "api_key is required")
    try:
        _row, user = auth_service.resolve_token(db=db, token=api_key)
    except XueliangError as exc:
        raise Open311Error(403, "invalid api_key") from exc
    principal = auth_service.principal_for(db=db, user=user)
    if not principal.has(Permission.incident_report):
        raise Open311Error(403, "this api_key may not create requests")
    return principal


def _new_incident(db: Session, form: dict[str, str]) -> intake.NewIncident:
    category = _public_category(db, form.get("service_code", ""))
    lat, lon = _float(form.get("lat")), _float(form.get("long"))
    address = form.get("address_string", "") or form.get("address_id", "")
    if (lat is None or lon is None) and not address:
        raise Open311Error(400, "a location is required: lat and long, address_string or address_id")
    attributes = {k[10:-1]: v for k, v in form.items() if k.startswith("attribute[") and k.endswith("]")}
    for attribute in category.attributes:
        if attribute.get("required") and not attributes.get(str(attribute.get("code"))):
            raise Open311Error(400, f"attribute {attribute.get('code')} is required")
    description = form.get("description", "")[:4000] or category.name
    name = " ".join(p for p in (form.get("first_name", ""), form.get("last_name", "")) if p)
    return intake.NewIncident(
        source=Source.open311,
        category_code=category.code,
        description=description,
        address=form.get("address_string", "")[:500],
        lon=lon,
        lat=lat,
        reporter_name=name[:100],
        reporter_phone=form.get("phone", "")[:32],
        attributes=attributes,
    )


def _float(value: str | None) -> float | None:
    try:
        number = float(value) if value not in (None, "") else None
    except ValueError as exc:
        raise Open311Error(400, f"not a number: {str(value)[:40]!r}") from exc
    if number is not None and not -180 <= number <= 180:
        raise Open311Error(400, "coordinates out of range")
    return number


@router.get("/tokens/{token}.{fmt}", summary="Open311: token → service request id")
def token(token: str, fmt: str, db: SessionDep) -> Response:
    def call() -> Response:
        incident = _get_public(db, token)
        body = [{"token": token, "service_request_id": str(incident.id)}]
        return render(fmt, "service_requests", body)

    return _guard(fmt, call)


def _get_public(db: Session, request_id: str) -> Incident:
    incident = db.get(Incident, int(request_id)) if request_id.isdigit() and len(request_id) < 12 else None
    category = db.get(Category, incident.category_code) if incident else None
    if incident is None or incident.state == State.draft or category is None or not category.public:
        raise Open311Error(404, f"service request {request_id[:20]!r} not found")
    return incident


@router.get("/requests/{request_id}.{fmt}", summary="Open311: one service request")
def get_request(request_id: str, fmt: str, db: SessionDep, extensions: str = "") -> Response:
    def call() -> Response:
        incident = _get_public(db, request_id)
        return render(fmt, "service_requests", [_request_out(db, incident, extensions == "true")])

    return _guard(fmt, call)


@router.get("/requests.{fmt}", summary="Open311: query service requests")
def list_requests(fmt: str, request: Request, db: SessionDep) -> Response:
    params = dict(request.query_params)

    def call() -> Response:
        rows = _query(db, params)
        ext = params.get("extensions") == "true"
        return render(fmt, "service_requests", [_request_out(db, r, ext) for r in rows])

    return _guard(fmt, call)


def _date(params: dict[str, str], key: str) -> datetime | None:
    if not params.get(key):
        return None
    try:
        value = datetime.fromisoformat(params[key].replace("Z", "+00:00"))
    except ValueError as exc:
        raise Open311Error(400, f"{key} must be an ISO 8601 datetime") from exc
    if value.tzinfo is None:
        raise Open311Error(400, f"{key} needs a timezone")
    return value


def _int(params: dict[str, str], key: str, default: int, high: int) -> int:
    value = params.get(key, "")
    if not value:
        return default
    if not value.isdigit() or not 1 <= int(value) <= high:
        raise Open311Error(400, f"{key} must be an integer from 1 to {high}")
    return int(value)


def _query(db: Session, params: dict[str, str]) -> list[Incident]:
    public = select(Category.code).where(Category.public.is_(True))
    query = select(Incident).where(Incident.state != State.draft, Incident.category_code.in_(public))
    ids = [i.strip() for i in params.get("service_request_id", "").split(",") if i.strip()]
    if ids:
        wanted = [int(i) for i in ids if i.isdigit() and len(i) < 12]
        return list(db.scalars(query.where(Incident.id.in_(wanted)).order_by(Incident.id)))
    start, end = _date(params, "start_date"), _date(params, "end_date")
    if start and end and end - start > MAX_SPAN:
        raise Open311Error(400, "start_date and end_date may span at most 90 days")
    if not (start or end or params.get("updated_after")):
        start = utcnow() - MAX_SPAN
    query = _filters(query, params, start, end)
    page, size = _int(params, "page", 1, 1_000_000), _int(params, "page_size", DEFAULT_LIMIT, DEFAULT_LIMIT)
    query = query.order_by(Incident.reported_at.desc(), Incident.id.desc())
    return list(db.scalars(query.offset((page - 1) * size).limit(size)))


def _filters(query: Any, params: dict[str, str], start: datetime | None, end: datetime | None) -> Any:
    if params.get("service_code"):
        codes = [c.strip() for c in params["service_code"].split(",")]
        query = query.where(Incident.category_code.in_(codes))
    closed = [s.value for s in CLOSED_LIKE]
    status = params.get("status", "")
    if status not in ("", "open", "closed", "open,closed", "closed,open"):
        raise Open311Error(400, "status must be open or closed")
    if status == "open":
        query = query.where(Incident.state.not_in(closed))
    elif status == "closed":
        query = query.where(Incident.state.in_(closed))
    if start:
        query = query.where(Incident.reported_at >= start)
    if end:
        query = query.where(Incident.reported_at <= end)
    after, before = _date(params, "updated_after"), _date(params, "updated_before")
    if after:
        query = query.where(Incident.updated_at > after)
    if before:
        query = query.where(Incident.updated_at <= before)
    return query


def _request_out(db: Session, incident: Incident, extensions: bool) -> dict[str, Any]:
    category = db.get(Category, incident.category_code)
    department = db.get(OrgUnit, incident.department_id) if incident.department_id else None
    notes = db.scalars(
        select(IncidentEvent)
        .where(IncidentEvent.incident_id == incident.id, IncidentEvent.public.is_(True))
        .order_by(IncidentEvent.id)
    ).all()
    public_notes = [n for n in notes if n.opinion]
    out: dict[str, Any] = {
        "service_request_id": str(incident.id),
        "status": "closed" if incident.state in CLOSED_LIKE else "open",
        "status_notes": public_notes[-1].opinion if public_notes else "",
        "service_name": category.name if category else "",
        "service_code": incident.category_code,
        "description": incident.description,
        "agency_responsible": department.name if department else "",
        "service_notice": "",
        "requested_datetime": incident.reported_at,
        "updated_datetime": incident.updated_at,
        "expected_datetime": incident.handle_due,
        "address": incident.address,
        "address_id": None,
        "zipcode": None,
        "lat": incident.lat,
        "long": incident.lon,
        "media_url": "",
    }
    if extensions:
        out["extended_attributes"] = _extended(incident)
        out["notes"] = [{"datetime": n.at, "description": n.opinion, "type": n.action} for n in public_notes]
    return out


def _extended(incident: Incident) -> dict[str, Any]:
    return {
        "state": incident.state,
        "urgency": incident.urgency,
        "source": incident.source,
        "grid_code": incident.grid_code,
        "community_code": incident.community_code,
        "town_code": incident.town_code,
        "rework_count": incident.rework_count,
        "returned_count": incident.returned_count,
        "extension_count": incident.extension_count,
        "overdue": incident.alert_level >= 2,
    }
