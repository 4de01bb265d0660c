"""Keyword-only queries and commands of the incident domain (no HTTP): the clock context, lookup
and visibility, detail views, transitions, categories and rules, the work calendar."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, func, or_, select, true
from sqlalchemy.orm import Session

from xueliang.audit import service as audit
from xueliang.auth.enums import Permission, ScopeKind
from xueliang.auth.principal import Principal
from xueliang.core.blobs import BlobStore
from xueliang.core.config import Settings
from xueliang.core.exceptions import InvalidInputError, NotFoundError
from xueliang.incident import flows, workflow
from xueliang.incident.calendar import WorkCalendar, parse_calendar_csv, parse_periods, shipped_days
from xueliang.incident.enums import OPEN, Action, Stage
from xueliang.incident.models import CalendarDay, Category, Incident, IncidentEvent, TimeLimitRule
from xueliang.incident.notify import Notifiers
from xueliang.incident.schemas import (
    ActionInput,
    CategoryInput,
    EventOut,
    IncidentDetail,
    IncidentOut,
    StageOut,
    TimeLimitInput,
)
from xueliang.incident.timelimits import load_rules
from xueliang.incident.timers import ClockContext


# ---- clock context -------------------------------------------------------------------------------
def load_calendar(*, db: Session, settings: Settings) -> WorkCalendar:
    days = {day: is_work for day, (is_work, _name) in shipped_days().items()}
    days.update({row.day: row.is_workday for row in db.scalars(select(CalendarDay))})
    return WorkCalendar(ZoneInfo(settings.timezone), parse_periods(settings.incident_working_hours), days)


def clock_context(*, db: Session, settings: Settings) -> ClockContext:
    kinds = {code: kind for code, kind in db.execute(select(Category.code, Category.kind))}
    return ClockContext(
        calendar=load_calendar(db=db, settings=settings),
        rules=load_rules(db=db),
        category_kinds=kinds,
        escalate_after_days=settings.incident_escalate_after_days,
    )


def import_calendar(*, db: Session, text: str) -> int:
    rows = parse_calendar_csv(text)
    for day, (is_work, name) in rows.items():
        db.merge(CalendarDay(day=day, is_workday=is_work, name=name))
    db.flush()
    return len(rows)


# ---- visibility ----------------------------------------------------------------------------------
def can_see(principal: Principal, incident: Incident) -> bool:
    if principal.sees_everything or incident.reporter_user_id == principal.user_id:
        return True
    if principal.has(Permission.incident_dispatch) or principal.has(Permission.incident_verify):
        regions = principal.scopes.get(ScopeKind.region)
        return not regions or principal.in_scope(ScopeKind.region, incident.community_code or "")
    if principal.org_unit_id is not None and principal.org_unit_id == incident.department_id:
        return True
    return bool(incident.grid_code) and principal.in_scope(ScopeKind.grid, incident.grid_code or "")


def get_visible(*, db: Session, principal: Principal, incident_id: int) -> Incident:
    incident = db.get(Incident, incident_id)
    if incident is None or not can_see(principal, incident):
        raise NotFoundError(f"incident {incident_id} not found")
    return incident


def _inbox_query(
    *, principal: Principal, state: str | None, mine: bool, alert: int | None, supervised: bool, q: str
) -> Select[Incident]:
    query = select(Incident)
    if state:
        query = query.where(Incident.state == state)
    if alert is not None:
        query = query.where(Incident.alert_level >= alert)
    if supervised:
        query = query.where(Incident.supervision_count > 0)
    text = q.strip()
    if text:
        like = f"%{text}%"
        match = or_(
            Incident.title.ilike(like),
            Incident.description.ilike(like),
            Incident.address.ilike(like),
            Incident.external_no.ilike(like),
        )
        query = query.where(or_(match, Incident.id == int(text)) if text.isdigit() else match)
    return query.where(_visible_clause(principal, mine=mine))


def _visible_clause(principal: Principal, *, mine: bool) -> ColumnElement[bool]:
    """The SQL form of ``can_see`` (plus the personal "mine" view), so the inbox and the map show
    exactly what the detail page would allow: dispatchers and verifiers within their regions."""
    own = Incident.reporter_user_id == principal.user_id
    if principal.sees_everything and not mine:
        return true()
    if (
        principal.has(Permission.incident_dispatch) or principal.has(Permission.incident_verify)
    ) and not mine:
        regions = sorted(principal.scopes.get(ScopeKind.region, frozenset()))
        if not regions:
            return true()
        return or_(own, *[Incident.community_code.startswith(prefix) for prefix in regions])
    grids = sorted(principal.scopes.get(ScopeKind.grid, frozenset()))
    return or_(own, Incident.department_id == (principal.org_unit_id or -1), Incident.grid_code.in_(grids))


def list_incidents(
    *,
    db: Session,
    principal: Principal,
    state: str | None,
    mine: bool,
    offset: int,
    limit: int,
    alert: int | None = None,
    supervised: bool = False,
    q: str = "",
) -> tuple[int, Sequence[Incident]]:
    """The inbox: dispatchers see everything in their regions; handlers their department's;
    grid workers their own reports and their grids'. ``alert`` is the minimum alert level
    (1 warning, 2 overdue), ``supervised`` keeps incidents under 督办, ``q`` searches the texts,
    the hotline order number and (when a number) the id."""
    query = _inbox_query(principal=principal, state=state, mine=mine, alert=alert, supervised=supervised, q=q)
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.scalars(query.order_by(Incident.id.desc()).offset(offset).limit(limit)).all()
    return total, rows


def map_features(*, db: Session, principal: Principal, limit: int) -> dict[str, Any]:
    """Open, located incidents of the caller's inbox as a GeoJSON FeatureCollection (newest first)."""
    query = _inbox_query(principal=principal, state=None, mine=False, alert=None, supervised=False, q="")
    query = query.where(
        Incident.state.in_([s.value for s in OPEN]), Incident.lon.is_not(None), Incident.lat.is_not(None)
    )
    rows = db.scalars(query.order_by(Incident.id.desc()).limit(limit)).all()
    features = [
        {
            "type": "Feature",
            "id": r.id,
            "geometry": {"type": "Point", "coordinates": [r.lon, r.lat]},
            "properties": {
                "id": r.id,
                "state": r.state,
                "category_code": r.category_code,
                "urgency": r.urgency,
                "title": r.title or r.description[:40],
                "alert_level": r.alert_level,
            },
        }
        for r in rows
        if can_see(principal, r)
    ]
    return {"type": "FeatureCollection", "features": features}


def photo(*, db: Session, settings: Settings, principal: Principal, incident_id: int, sha: str) -> bytes:
    """A photo or attachment of a visible incident (404 for any other blob)."""
    incident = get_visible(db=db, principal=principal, incident_id=incident_id)
    attached = set(incident.photos or [])
    for refs in db.scalars(select(IncidentEvent.attachments).where(IncidentEvent.incident_id == incident.id)):
        attached.update(refs or [])
    if sha not in attached:
        raise NotFoundError(f"incident {incident_id} has no photo {sha[:80]}")
    return BlobStore(settings.data_dir / "blobs").get(sha)


_MAGIC = ((b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"), (b"GIF8", "image/gif"))


def photo_media_type(data: bytes) -> str:
    """The image type by magic number; anything else is served as an opaque download."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return next((kind for magic, kind in _MAGIC if data.startswith(magic)), "application/octet-stream")


def detail(*, db: Session, principal: Principal, incident: Incident) -> IncidentDetail:
    events = db.scalars(
        select(IncidentEvent).where(IncidentEvent.incident_id == incident.id).order_by(IncidentEvent.id)
    ).all()
    stages = [
        StageOut(
            stage=s,
            due=getattr(incident, f"{s}_due"),
            at=getattr(incident, f"{s}_at"),
            on_time=getattr(incident, f"{s}_on_time"),
        )
        for s in Stage
    ]
    pending = flows.pending_approval(db, incident.id) is not None
    return IncidentDetail(
        **IncidentOut.model_validate(incident).model_dump(),
        stages=stages,
        allowed_actions=workflow.allowed_actions(incident, principal, has_pending=pending),
        timeline=[EventOut.model_validate(e) for e in events],
    )


# ---- transitions ---------------------------------------------------------------------------------
def transition(
    *,
    db: Session,
    settings: Settings,
    principal: Principal,
    incident_id: int,
    action: Action,
    data: ActionInput,
    notifiers: Notifiers,
    now: datetime | None = None,
) -> Incident:
    incident = get_visible(db=db, principal=principal, incident_id=incident_id)
    event = flows.run(
        db=db,
        incident=incident,
        action=action,
        principal=principal,
        data=data,
        clock=clock_context(db=db, settings=settings),
        notifiers=notifiers,
        now=now,
    )
    audit.record(
        db=db,
        actor=principal,
        action=f"incident.{action}",
        object_type="incident",
        object_id=incident.id,
        request={"from": event.from_state, "to": event.to_state},
    )
    return incident


# ---- categories and rules -----------------------------------------------------------------------
def list_categories(*, db: Session, public_only: bool = False) -> Sequence[Category]:
    query = select(Category).order_by(Category.code)
    return db.scalars(query.where(Category.public.is_(True)) if public_only else query).all()


def get_category(*, db: Session, code: str) -> Category:
    category = db.get(Category, code)
    if category is None:
        raise InvalidInputError(f"unknown category {code!r}", field="category_code")
    return category


def put_category(*, db: Session, principal: Principal, data: CategoryInput) -> Category:
    principal.require(Permission.incident_dispatch)
    category = db.get(Category, data.code) or Category(code=data.code)
    for key, value in data.model_dump().items():
        setattr(category, key, value)
    db.add(category)
    db.flush()
    audit.record(db=db, actor=principal, action="incident.category.put", object_id=data.code)
    return category


def put_time_limit(*, db: Session, principal: Principal, data: TimeLimitInput) -> TimeLimitRule:
    principal.require(Permission.incident_dispatch)
    row = db.scalar(
        select(TimeLimitRule).where(
            TimeLimitRule.category == data.category,
            TimeLimitRule.urgency == data.urgency,
            TimeLimitRule.stage == data.stage,
        )
    )
    row = row or TimeLimitRule(category=data.category, urgency=data.urgency, stage=data.stage)
    row.amount, row.unit = data.amount, data.unit
    db.add(row)
    db.flush()
    audit.record(db=db, actor=principal, action="incident.time_limit.put", request=data.model_dump())
    return row
