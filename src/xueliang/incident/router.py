"""The incident API under /api/v1/incidents: intake (grid workers, hotline, uploads), the inbox,
detail with timeline and allowed actions, one endpoint per action, categories and rules."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy import or_, select

from xueliang.api import API_PREFIX
from xueliang.api.deps import SessionDep, SettingsDep
from xueliang.api.schemas import Page
from xueliang.auth.dependencies import CurrentPrincipal, require
from xueliang.auth.enums import Permission
from xueliang.auth.principal import Principal
from xueliang.incident import intake, routing, service
from xueliang.incident.dependencies import LocatorDep, NotifiersDep
from xueliang.incident.enums import Action, State
from xueliang.incident.models import Approval, Notification
from xueliang.incident.schemas import (
    ActionInput,
    ApprovalOut,
    CategoryInput,
    CategoryOut,
    HotlineOrderInput,
    IncidentDetail,
    IncidentFeatureCollection,
    IncidentOut,
    NotificationOut,
    ReportInput,
    RoutingRuleInput,
    TimeLimitInput,
    UploadOut,
)
from xueliang.incident.timelimits import load_rules

router = APIRouter(prefix=f"{API_PREFIX}/incidents", tags=["incidents"])
Reporter = Annotated[Principal, Depends(require(Permission.incident_report))]
Dispatcher = Annotated[Principal, Depends(require(Permission.incident_dispatch))]
AlertQuery = Annotated[int | None, Query(ge=1, le=3, description="Minimum alert level: 1 warning, 2 overdue")]
SearchQuery = Annotated[str, Query(max_length=200, description="Search texts, order no, id")]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.post("/uploads", response_model=UploadOut, status_code=201, summary="Upload a photo (raw body)")
async def upload_photo(request: Request, settings: SettingsDep, principal: Reporter) -> UploadOut:
    sha = intake.upload(settings=settings, principal=principal, data=await request.body())
    return UploadOut(sha256=sha, size=len(await request.body()))


@router.post("", response_model=IncidentDetail, status_code=201, summary="Report an incident (grid worker)")
def report(
    data: ReportInput, db: SessionDep, settings: SettingsDep, principal: Reporter, locator: LocatorDep
) -> IncidentDetail:
    incident = intake.report(db=db, settings=settings, principal=principal, locator=locator, data=data)
    out = service.detail(db=db, principal=principal, incident=incident)
    out.duplicates = intake.suggest_duplicates(db=db, settings=settings, incident=incident)
    return out


@router.post("/hotline", response_model=IncidentDetail, summary="A 12345 work order (idempotent)")
def hotline_order(
    data: HotlineOrderInput,
    response: Response,
    db: SessionDep,
    settings: SettingsDep,
    principal: Reporter,
    locator: LocatorDep,
) -> IncidentDetail:
    incident, created = intake.hotline_order(
        db=db, settings=settings, principal=principal, locator=locator, data=data
    )
    response.status_code = 201 if created else 200
    return service.detail(db=db, principal=principal, incident=incident)


@router.post("/hotline/import", summary="Bulk import of 12345 work orders from an .xlsx body")
async def hotline_import(
    request: Request, db: SessionDep, settings: SettingsDep, principal: Reporter, locator: LocatorDep
) -> dict[str, object]:
    result = intake.import_hotline(
        db=db, settings=settings, principal=principal, locator=locator, content=await request.body()
    )
    return {"created": result.created, "existing": result.existing, "errors": result.errors}


@router.get("", response_model=Page[IncidentOut], summary="The inbox of the caller's role")
def list_incidents(
    db: SessionDep,
    principal: CurrentPrincipal,
    state: State | None = None,
    mine: bool = False,
    alert: AlertQuery = None,
    supervised: Annotated[bool, Query(description="Only incidents under supervision (督办)")] = False,
    q: SearchQuery = "",
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> Page[IncidentOut]:
    total, rows = service.list_incidents(
        db=db,
        principal=principal,
        state=state,
        mine=mine,
        offset=offset,
        limit=limit,
        alert=alert,
        supervised=supervised,
        q=q,
    )
    items = [IncidentOut.model_validate(r) for r in rows]
    return Page(total=total, offset=offset, limit=limit, items=items)


@router.get("/geojson", response_model=IncidentFeatureCollection, summary="Open incidents on the map")
def map_layer(
    db: SessionDep, principal: CurrentPrincipal, limit: Annotated[int, Query(ge=1, le=5000)] = 2000
) -> dict[str, Any]:
    return service.map_features(db=db, principal=principal, limit=limit)


@router.get("/categories", response_model=list[CategoryOut])
def list_categories(db: SessionDep, principal: CurrentPrincipal) -> list[CategoryOut]:
    return [CategoryOut.model_validate(c) for c in service.list_categories(db=db)]


@router.put("/categories", response_model=CategoryOut, summary="Create or replace a category")
def put_category(data: CategoryInput, db: SessionDep, principal: Dispatcher) -> CategoryOut:
    return CategoryOut.model_validate(service.put_category(db=db, principal=principal, data=data))


@router.put("/routing-rules", summary="Route a category (in a region) to a department")
def put_routing_rule(data: RoutingRuleInput, db: SessionDep, principal: Dispatcher) -> dict[str, object]:
    row = routing.set_rule(db=db, **data.model_dump())
    return {"id": row.id, **data.model_dump()}


@router.get("/time-limits", summary="Effective time-limit rules (defaults and overrides)")
def list_time_limits(db: SessionDep, principal: CurrentPrincipal) -> list[dict[str, object]]:
    rules = load_rules(db=db)
    return [
        {"category": c, "urgency": u, "stage": s, "amount": lim.amount, "unit": lim.unit}
        for (c, u, s), lim in sorted(rules.items())
    ]


@router.put("/time-limits", summary="Set one time-limit rule")
def put_time_limit(data: TimeLimitInput, db: SessionDep, principal: Dispatcher) -> dict[str, object]:
    service.put_time_limit(db=db, principal=principal, data=data)
    return data.model_dump()


@router.get("/notifications", response_model=list[NotificationOut], summary="My in-app notifications")
def my_notifications(
    db: SessionDep, principal: CurrentPrincipal, limit: Annotated[int, Query(ge=1, le=500)] = 50
) -> list[NotificationOut]:
    rows = db.scalars(
        select(Notification)
        .where(
            or_(
                Notification.user_id == principal.user_id,
                Notification.org_unit_id == (principal.org_unit_id or -1),
            )
        )
        .order_by(Notification.id.desc())
        .limit(limit)
    ).all()
    return [NotificationOut.model_validate(r) for r in rows]


@router.get("/{incident_id}", response_model=IncidentDetail)
def get_incident(incident_id: int, db: SessionDep, principal: CurrentPrincipal) -> IncidentDetail:
    incident = service.get_visible(db=db, principal=principal, incident_id=incident_id)
    return service.detail(db=db, principal=principal, incident=incident)


@router.get(
    "/{incident_id}/photos/{sha}",
    response_class=Response,
    responses={200: {"content": {"image/*": {}}}},
    summary="A photo or attachment of the incident",
)
def get_photo(
    incident_id: int, sha: str, db: SessionDep, settings: SettingsDep, principal: CurrentPrincipal
) -> Response:
    data = service.photo(db=db, settings=settings, principal=principal, incident_id=incident_id, sha=sha)
    headers = {"Cache-Control": "private, max-age=86400", "X-Content-Type-Options": "nosniff"}
    return Response(data, media_type=service.photo_media_type(data), headers=headers)


@router.get("/{incident_id}/approvals", response_model=list[ApprovalOut])
def list_approvals(incident_id: int, db: SessionDep, principal: CurrentPrincipal) -> list[ApprovalOut]:
    service.get_visible(db=db, principal=principal, incident_id=incident_id)
    rows = db.scalars(select(Approval).where(Approval.incident_id == incident_id).order_by(Approval.id))
    return [ApprovalOut.model_validate(r) for r in rows]


@router.post("/{incident_id}/actions/{action}", response_model=IncidentDetail, summary="Run one action")
def run_action(
    incident_id: int,
    action: Action,
    db: SessionDep,
    settings: SettingsDep,
    principal: CurrentPrincipal,
    notifiers: NotifiersDep,
    data: ActionInput | None = None,
) -> IncidentDetail:
    incident = service.transition(
        db=db,
        settings=settings,
        principal=principal,
        incident_id=incident_id,
        action=action,
        data=data or ActionInput(),
        notifiers=notifiers,
    )
    return service.detail(db=db, principal=principal, incident=incident)
