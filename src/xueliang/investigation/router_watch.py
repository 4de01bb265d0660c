"""/api/v1/investigation: search by image, face 1:1 and 1:N, dispositions (布控) and alerts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from xueliang.api.deps import SessionDep, SettingsDep
from xueliang.auth.dependencies import CurrentPrincipal, require
from xueliang.auth.enums import Permission
from xueliang.auth.principal import Principal
from xueliang.investigation import alerts, analytics, dispositions, image_search, scope
from xueliang.investigation import service as cases
from xueliang.investigation.dependencies import CaseDep, VectorsDep
from xueliang.investigation.enums import Review
from xueliang.investigation.schemas import (
    AlertRead,
    AlertReview,
    AnalyticsQuery,
    CollisionSearch,
    DispositionCreate,
    DispositionDecision,
    DispositionRead,
    FaceCompare,
    FaceCompareResult,
    ImageSearch,
    PlateHit,
    Probe,
    SimilarPage,
    ThenSearch,
    WatchlistHit,
)
from xueliang.viewlib.dependencies import ViewLibDep

router = APIRouter(tags=["investigation"])  # included by router.py under /api/v1/investigation
Approver = Annotated[Principal, Depends(require(Permission.disposition_approve))]


@router.post("/images/search")
def search_by_image(
    body: ImageSearch, ctx: CaseDep, db: SessionDep, principal: CurrentPrincipal, lib: ViewLibDep,
    vectors: VectorsDep, settings: SettingsDep,
) -> SimilarPage:  # fmt: skip
    """以图搜车 (kind motor_vehicle) or face 1:N over stored captures (kind face)."""
    return image_search.search_similar(
        db=db,
        store=lib.store,
        vectors=vectors,
        principal=principal,
        ctx=ctx,
        query=body,
        tz=settings.timezone,
    )


@router.post("/faces/compare")
def compare_faces(
    body: FaceCompare, ctx: CaseDep, db: SessionDep, principal: CurrentPrincipal, lib: ViewLibDep,
    vectors: VectorsDep, settings: SettingsDep,
) -> FaceCompareResult:  # fmt: skip
    """Face 1:1: similarity and a decision at XUELIANG_FACE_MATCH_THRESHOLD."""
    return image_search.compare_faces(
        db=db, store=lib.store, vectors=vectors, principal=principal, ctx=ctx, body=body,
        threshold=settings.face_match_threshold,
    )  # fmt: skip


@router.post("/faces/watchlist")
def identify_on_watchlists(
    body: Probe, ctx: CaseDep, db: SessionDep, principal: CurrentPrincipal, lib: ViewLibDep,
    vectors: VectorsDep, settings: SettingsDep,
) -> list[WatchlistHit]:  # fmt: skip
    """Face 1:N against the active face dispositions of the caller's cases."""
    vis = scope.visibility(db=db, principal=principal)
    vec = image_search.probe_vector(store=lib.store, vectors=vectors, vis=vis, kind="face", probe=body)
    return dispositions.identify(
        db=db, principal=principal, ctx=ctx, vec=vec, threshold=settings.face_match_threshold
    )


@router.post("/dispositions", status_code=201)
def create_disposition(
    body: DispositionCreate, ctx: CaseDep, db: SessionDep, principal: CurrentPrincipal, lib: ViewLibDep,
    vectors: VectorsDep, settings: SettingsDep,
) -> DispositionRead:  # fmt: skip
    """布控 for the case named by case_id; pending until a second user approves it."""
    face = None
    if body.kind == "face" and body.face is not None:
        vis = scope.visibility(db=db, principal=principal)
        face = image_search.probe_vector(
            store=lib.store, vectors=vectors, vis=vis, kind="face", probe=body.face
        )
    d = dispositions.create(db=db, principal=principal, ctx=ctx, body=body, face=face, tz=settings.timezone)
    return DispositionRead.model_validate(d)


@router.get("/dispositions")
def list_dispositions(
    db: SessionDep, principal: CurrentPrincipal, status: Annotated[str | None, Query(max_length=16)] = None
) -> list[DispositionRead]:
    """Dispositions of the caller's cases; for approvers also the pending queue."""
    rows = dispositions.list_for(db=db, principal=principal, status=status)
    return [DispositionRead.model_validate(d) for d in rows]


@router.post("/dispositions/{disposition_pk}/decision")
def decide_disposition(
    disposition_pk: int, body: DispositionDecision, db: SessionDep, principal: Approver
) -> DispositionRead:
    d = dispositions.get_or_raise(db=db, disposition_pk=disposition_pk)
    return DispositionRead.model_validate(
        dispositions.decide(db=db, principal=principal, d=d, approve=body.approve, note=body.note)
    )


@router.post("/dispositions/{disposition_pk}/revoke")
def revoke_disposition(disposition_pk: int, db: SessionDep, principal: CurrentPrincipal) -> DispositionRead:
    d = dispositions.get_or_raise(db=db, disposition_pk=disposition_pk)
    return DispositionRead.model_validate(dispositions.revoke(db=db, principal=principal, d=d))


@router.get("/alerts")
def list_alerts(
    db: SessionDep,
    principal: CurrentPrincipal,
    review: Annotated[str | None, Query(max_length=16)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[AlertRead]:
    return alerts.list_alerts(db=db, principal=principal, review=review, limit=limit)


@router.post("/alerts/{alert_pk}/review")
def review_alert(alert_pk: int, body: AlertReview, db: SessionDep, principal: CurrentPrincipal) -> AlertRead:
    alert = alerts.review_alert(
        db=db, principal=principal, alert_pk=alert_pk, review=Review(body.review), note=body.note
    )
    return AlertRead.model_validate(alert)


@router.get("/alerts/stream", response_class=StreamingResponse)
def stream_alerts(
    request: Request, db: SessionDep, principal: CurrentPrincipal,
    limit: Annotated[int, Query(ge=0, le=10_000, description="Stop after this many alerts (0 = never).")] = 0,
) -> StreamingResponse:  # fmt: skip
    """Server-sent events: each alert of the caller's cases as it is raised."""
    case_ids = frozenset(cases.member_case_ids(db=db, user_id=principal.user_id))
    hub: alerts.AlertHub = request.app.state.alert_hub
    return StreamingResponse(
        hub.stream(case_ids, limit=limit),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store"},
    )


@router.post("/analytics")
def vehicle_analytics(
    body: AnalyticsQuery, ctx: CaseDep, db: SessionDep, principal: CurrentPrincipal, lib: ViewLibDep,
    settings: SettingsDep,
) -> list[PlateHit]:  # fmt: skip
    """Cloned plates, first appearance, frequent night passes, frequent passes at a checkpoint."""
    return analytics.run(
        db=db, store=lib.store, principal=principal, ctx=ctx, query=body, tz=settings.timezone,
        max_kmh=settings.cloned_plate_max_kmh,
    )  # fmt: skip


@router.post("/passes/then")
def then_search(
    body: ThenSearch,
    ctx: CaseDep,
    db: SessionDep,
    principal: CurrentPrincipal,
    lib: ViewLibDep,
    vectors: VectorsDep,
    settings: SettingsDep,
) -> list[PlateHit]:
    """多维搜车: checkpoint A, then B within T minutes; optionally looking like a reference vehicle
    (``like``: image similarity at each leg, needs record.search)."""
    return analytics.then_search(
        db=db, store=lib.store, vectors=vectors, principal=principal, ctx=ctx, query=body,
        tz=settings.timezone,
    )  # fmt: skip


@router.post("/passes/collision")
def collision_search(
    body: CollisionSearch, ctx: CaseDep, db: SessionDep, principal: CurrentPrincipal, lib: ViewLibDep,
    settings: SettingsDep,
) -> list[PlateHit]:  # fmt: skip
    """区域碰撞: plates seen in every area within its window."""
    return analytics.collision(
        db=db, store=lib.store, principal=principal, ctx=ctx, query=body, tz=settings.timezone
    )
