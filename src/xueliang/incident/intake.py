"""Intake: grid-worker reports (location required), 12345 hotline orders (idempotent by order
number; Excel bulk import), Open311 requests; photo uploads; duplicate suggestions; reporter
details encrypted and masked."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from io import BytesIO
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from xueliang.audit import service as audit
from xueliang.auth.enums import Permission
from xueliang.auth.principal import Principal
from xueliang.core.blobs import BlobStore
from xueliang.core.config import Settings
from xueliang.core.crypto import cipher_for, mask_phone
from xueliang.core.db import utcnow
from xueliang.core.exceptions import InvalidInputError, XueliangError
from xueliang.incident import service, timers
from xueliang.incident.enums import OPEN, Source, Stage, State, SystemAction
from xueliang.incident.locator import GridLocator
from xueliang.incident.models import Incident, IncidentEvent
from xueliang.incident.schemas import HotlineOrderInput, ReportInput

EARTH_M = 6_371_000.0
MAX_UPLOAD = 10 * 1024 * 1024


@dataclass
class NewIncident:
    source: Source
    category_code: str
    description: str
    urgency: str = "normal"
    title: str = ""
    address: str = ""
    lon: float | None = None
    lat: float | None = None
    photos: list[str] = field(default_factory=list)
    external_no: str | None = None
    reporter_name: str = ""
    reporter_phone: str = ""
    attributes: dict[str, Any] = field(default_factory=dict)
    received_at: datetime | None = None
    draft: bool = False
    opinion: str = ""


def blob_store(settings: Settings) -> BlobStore:
    return BlobStore(settings.data_dir / "blobs")


def upload(*, settings: Settings, principal: Principal, data: bytes) -> str:
    principal.require(Permission.incident_report)
    if not data:
        raise InvalidInputError("empty upload", field="body")
    if len(data) > MAX_UPLOAD:
        raise InvalidInputError("a photo may have at most 10 MB", field="body")
    return blob_store(settings).put(data)


def _mask_name(name: str) -> str:
    return name[:1] + "*" * max(1, len(name) - 1) if name else ""


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_M * math.asin(math.sqrt(a))


def suggest_duplicates(*, db: Session, settings: Settings, incident: Incident) -> list[int]:
    """Open incidents of the same category within N metres and M hours (bbox in SQL, then exact)."""
    if incident.lon is None or incident.lat is None or settings.incident_duplicate_radius_m <= 0:
        return []
    radius = settings.incident_duplicate_radius_m
    dlat = math.degrees(radius / EARTH_M)
    dlon = dlat / max(0.01, math.cos(math.radians(incident.lat)))
    since = (incident.reported_at or utcnow()) - timedelta(hours=settings.incident_duplicate_window_hours)
    rows = db.execute(
        select(Incident.id, Incident.lon, Incident.lat).where(
            Incident.category_code == incident.category_code,
            Incident.lon.between(incident.lon - dlon, incident.lon + dlon),
            Incident.lat.between(incident.lat - dlat, incident.lat + dlat),
            Incident.reported_at >= since,
            Incident.state.in_([s.value for s in OPEN]),
            Incident.id != incident.id,
        )
    ).all()
    near = [r.id for r in rows if distance_m(incident.lon, incident.lat, r.lon, r.lat) <= radius]
    return sorted(near)[:20]


def create(
    *,
    db: Session,
    settings: Settings,
    principal: Principal,
    locator: GridLocator,
    new: NewIncident,
    now: datetime | None = None,
) -> Incident:
    principal.require(Permission.incident_report)
    service.get_category(db=db, code=new.category_code)
    store = blob_store(settings)
    missing = [sha for sha in new.photos if not store.exists(sha)]
    if missing:
        raise InvalidInputError(f"unknown photo {missing[0]}: upload it first", field="photos")
    now = now or utcnow()
    incident = Incident(
        source=new.source,
        external_no=new.external_no,
        category_code=new.category_code,
        urgency=new.urgency,
        state=State.draft if new.draft else State.reported,
        title=new.title,
        description=new.description,
        address=new.address,
        lon=new.lon,
        lat=new.lat,
        photos=list(new.photos),
        attributes=dict(new.attributes),
        reporter_user_id=principal.user_id,
        created_at=now,
        updated_at=now,
        rework_count=0,
        returned_count=0,
        extension_count=0,
        reopen_count=0,
        supervision_count=0,
        suspended_seconds=0.0,
        alert_level=0,
        self_handled=False,
    )
    _place(db, locator, incident)
    _protect_reporter(settings, incident, new.reporter_name, new.reporter_phone)
    db.add(incident)
    db.flush()
    if not new.draft:
        incident.reported_at = new.received_at or now
        ctx = service.clock_context(db=db, settings=settings)
        timers.start_stage(incident, Stage.accept, incident.reported_at, ctx)
        timers.refresh_clock(incident, ctx)
    db.add(_created_event(incident, principal, new))
    audit.record(
        db=db, actor=principal, action="incident.create", object_type="incident", object_id=incident.id
    )
    return incident


def _place(db: Session, locator: GridLocator, incident: Incident) -> None:
    if incident.lon is None or incident.lat is None:
        return
    placement = locator.locate(db, incident.lon, incident.lat)
    incident.grid_id, incident.grid_code = placement.grid_id, placement.grid_code
    incident.community_code, incident.town_code = placement.community_code, placement.town_code


def _protect_reporter(settings: Settings, incident: Incident, name: str, phone: str) -> None:
    cipher = cipher_for(settings.effective_secret(), "incident.reporter")
    if name:
        incident.reporter_name_enc = cipher.encrypt(name, context="incident.reporter_name")
        incident.reporter_name_masked = _mask_name(name)
    if phone:
        incident.reporter_phone_enc = cipher.encrypt(phone, context="incident.reporter_phone")
        incident.reporter_phone_masked = mask_phone(phone)


def _created_event(incident: Incident, principal: Principal, new: NewIncident) -> IncidentEvent:
    return IncidentEvent(
        incident_id=incident.id,
        at=incident.created_at,
        actor_id=principal.user_id,
        actor_name=principal.display_name or principal.username,
        action=SystemAction.create,
        from_state=None,
        to_state=incident.state,
        opinion=new.opinion,
        attachments=list(new.photos),
        data={"source": str(new.source), "external_no": new.external_no},
    )


def report(
    *, db: Session, settings: Settings, principal: Principal, locator: GridLocator, data: ReportInput
) -> Incident:
    new = NewIncident(
        source=Source.grid_worker,
        category_code=data.category_code,
        urgency=data.urgency,
        title=data.title,
        description=data.description,
        address=data.address,
        lon=data.location.lon,
        lat=data.location.lat,
        photos=data.photos,
        draft=data.draft,
    )
    return create(db=db, settings=settings, principal=principal, locator=locator, new=new)


def hotline_order(
    *, db: Session, settings: Settings, principal: Principal, locator: GridLocator, data: HotlineOrderInput
) -> tuple[Incident, bool]:
    """Returns (incident, created). A repeated order number returns the first incident."""
    existing = db.scalar(
        select(Incident).where(Incident.source == Source.hotline, Incident.external_no == data.order_no)
    )
    if existing is not None:
        return existing, False
    new = NewIncident(
        source=Source.hotline,
        external_no=data.order_no,
        category_code=data.category_code,
        urgency=data.urgency,
        title=data.title,
        description=data.description,
        address=data.address,
        lon=data.location.lon if data.location else None,
        lat=data.location.lat if data.location else None,
        reporter_name=data.contact_name,
        reporter_phone=data.contact_phone,
        received_at=data.received_at,
        opinion=data.instructions,
    )
    return create(db=db, settings=settings, principal=principal, locator=locator, new=new), True


# ---- Excel -----------------------------------------------------------------------------------------
HOTLINE_COLUMNS = {
    "工单编号": "order_no",
    "接收时间": "received_at",
    "工单类别": "category_code",
    "紧急程度": "urgency",
    "问题描述": "description",
    "标题": "title",
    "地址": "address",
    "经度": "lon",
    "纬度": "lat",
    "联系人": "contact_name",
    "联系电话": "contact_phone",
    "转办意见": "instructions",
}
URGENCY_NAMES = {"一般": "normal", "紧急": "urgent", "特急": "emergency"}


def read_hotline_workbook(content: bytes) -> list[tuple[int, dict[str, Any]]]:
    """Rows of the first sheet as (row number, field dict); the header row names the columns
    (Chinese names as in HOTLINE_COLUMNS, or the API field names)."""
    from openpyxl import load_workbook  # type: ignore[import-untyped]

    try:
        book = load_workbook(BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a non-workbook
        raise InvalidInputError("not an .xlsx workbook", field="file") from exc
    rows = book.worksheets[0].iter_rows(values_only=True)
    header = [str(c).strip() if c is not None else "" for c in next(rows, ())]
    names = [HOTLINE_COLUMNS.get(h, h) for h in header]
    out: list[tuple[int, dict[str, Any]]] = []
    for number, values in enumerate(rows, start=2):
        record = {n: v for n, v in zip(names, values, strict=False) if n and v not in (None, "")}
        if record:
            out.append((number, record))
    book.close()
    return out


def hotline_input(record: dict[str, Any], tz: ZoneInfo) -> HotlineOrderInput:
    record = dict(record)
    lon, lat = record.pop("lon", None), record.pop("lat", None)
    if lon is not None and lat is not None:
        record["location"] = {"lon": lon, "lat": lat}
    record["urgency"] = URGENCY_NAMES.get(str(record.get("urgency", "")), record.get("urgency", "normal"))
    for key in ("order_no", "contact_phone", "category_code"):
        if key in record:
            record[key] = str(record[key])
    if isinstance(record.get("received_at"), datetime) and record["received_at"].tzinfo is None:
        record["received_at"] = record["received_at"].replace(tzinfo=tz)
    return HotlineOrderInput.model_validate(record)


@dataclass
class ImportResult:
    created: int = 0
    existing: int = 0
    errors: list[str] = field(default_factory=list)


def import_hotline(
    *, db: Session, settings: Settings, principal: Principal, locator: GridLocator, content: bytes
) -> ImportResult:
    """Each row in its own savepoint: a bad row is reported and skipped, the others are kept."""
    result = ImportResult()
    tz = ZoneInfo(settings.timezone)
    for number, record in read_hotline_workbook(content):
        try:
            with db.begin_nested():
                data = hotline_input(record, tz)
                _, created = hotline_order(
                    db=db, settings=settings, principal=principal, locator=locator, data=data
                )
        except (ValidationError, XueliangError, ValueError) as exc:
            result.errors.append(f"row {number}: {_short(exc)}")
            continue
        result.created += created
        result.existing += not created
    return result


def _short(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:3])
    return str(exc)[:200]
