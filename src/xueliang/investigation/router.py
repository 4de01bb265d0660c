"""/api/v1/investigation: cases, feature search, trajectories (thin handlers over the services)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import Response

from xueliang.api import API_PREFIX
from xueliang.api.deps import SessionDep, SettingsDep
from xueliang.api.schemas import Page
from xueliang.auth.dependencies import CurrentPrincipal, require
from xueliang.auth.enums import Permission
from xueliang.auth.principal import Principal
from xueliang.investigation import export, feature_search, service, thumbnails, trajectory
from xueliang.investigation.dependencies import CaseDep, ExportCaseDep, ValidCase
from xueliang.investigation.enums import CaseStatus
from xueliang.investigation.models import Case
from xueliang.investigation.router_watch import router as watch_router
from xueliang.investigation.schemas import (
    CaseCreate,
    CaseMembersUpdate,
    CaseRead,
    CaseStatusUpdate,
    GeoJSON,
    PassPage,
    PassSearch,
    TrajectoryQuery,
)
from xueliang.viewlib.dependencies import ViewLibDep

router = APIRouter(prefix=f"{API_PREFIX}/investigation", tags=["investigation"])
router.include_router(watch_router)
CaseManager = Annotated[Principal, Depends(require(Permission.case_manage))]


def _read(db: SessionDep, case: Case) -> CaseRead:
    return CaseRead.model_validate(case).model_copy(update={"members": service.members_of(db=db, case=case)})


@router.post("/cases", status_code=201)
def create_case(body: CaseCreate, db: SessionDep, principal: CaseManager) -> CaseRead:
    case = service.create_case(
        db=db, principal=principal, number=body.number, title=body.title, case_type=body.case_type,
        members=body.members,
    )  # fmt: skip
    return _read(db, case)


@router.get("/cases")
def list_cases(
    db: SessionDep,
    principal: CurrentPrincipal,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> Page[CaseRead]:
    """The cases the caller is a member of."""
    total, cases = service.list_cases(db=db, principal=principal, offset=offset, limit=limit)
    return Page(total=total, offset=offset, limit=limit, items=[_read(db, c) for c in cases])


@router.get("/cases/{case_pk}")
def get_case(case: ValidCase, db: SessionDep) -> CaseRead:
    return _read(db, case)


@router.patch("/cases/{case_pk}/members")
def update_members(
    case: ValidCase, body: CaseMembersUpdate, db: SessionDep, principal: CaseManager
) -> CaseRead:
    service.set_members(db=db, principal=principal, case=case, add=body.add, remove=body.remove)
    return _read(db, case)


@router.patch("/cases/{case_pk}/status")
def update_status(
    case: ValidCase, body: CaseStatusUpdate, db: SessionDep, principal: CaseManager
) -> CaseRead:
    service.set_status(db=db, principal=principal, case=case, status=CaseStatus(body.status))
    return _read(db, case)


@router.post("/passes/search")
def search_passes(
    body: PassSearch,
    ctx: CaseDep,
    db: SessionDep,
    principal: CurrentPrincipal,
    lib: ViewLibDep,
    settings: SettingsDep,
) -> PassPage:
    """特征搜车 for a case (``case_id`` and ``purpose`` as query parameters or X-Case-Id / X-Purpose)."""
    return feature_search.search_passes(
        db=db, store=lib.store, principal=principal, ctx=ctx, query=body, tz=settings.timezone,
        scan_hours=settings.investigation_scan_hours,
    )  # fmt: skip


@router.post("/trajectory")
def get_trajectory(
    body: TrajectoryQuery,
    ctx: CaseDep,
    db: SessionDep,
    principal: CurrentPrincipal,
    lib: ViewLibDep,
    settings: SettingsDep,
) -> GeoJSON:
    """车辆轨迹 of one plate as a GeoJSON FeatureCollection (segments, gaps, passes)."""
    return trajectory.trajectory(
        db=db, store=lib.store, principal=principal, ctx=ctx, query=body, tz=settings.timezone
    )


@router.get("/records/{kind}/{object_id}/thumbnail", response_class=Response)
def record_thumbnail(
    kind: Literal["motor_vehicle", "face"],
    object_id: Annotated[str, Path(pattern=r"^\d{48}$")],
    ctx: CaseDep,
    db: SessionDep,
    principal: CurrentPrincipal,
    lib: ViewLibDep,
    image: Annotated[int, Query(ge=0, le=20, description="Which image of the record (0 = first).")] = 0,
) -> Response:
    """JPEG thumbnail of a record's image for a case (``case_id`` as a query parameter), audited."""
    data = thumbnails.record_thumbnail(
        db=db, store=lib.store, blobs=lib.blobs, principal=principal, ctx=ctx, kind=kind,
        object_id=object_id, index=image,
    )  # fmt: skip
    return Response(data, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=600"})


def _download(out: export.Export) -> Response:
    headers = {"Content-Disposition": f'attachment; filename="{out.filename}"', "X-Row-Count": str(out.rows)}
    return Response(out.data, media_type=out.media_type, headers=headers)


@router.post("/passes/export", response_class=Response, responses={200: {"content": {"text/csv": {}}}})
def export_passes(
    body: PassSearch, ctx: ExportCaseDep, db: SessionDep, principal: CurrentPrincipal, lib: ViewLibDep,
    settings: SettingsDep,
) -> Response:  # fmt: skip
    """Every pass a feature search matches, as CSV (the search's sort; offset and limit ignored).
    Needs record.export, case_id and a purpose; at most XUELIANG_INVESTIGATION_EXPORT_MAX_ROWS rows."""
    return _download(
        export.export_passes(
            db=db,
            store=lib.store,
            principal=principal,
            ctx=ctx,
            query=body,
            tz=settings.timezone,
            scan_hours=settings.investigation_scan_hours,
            max_rows=settings.investigation_export_max_rows,
        )
    )


@router.post(
    "/trajectory/export",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}, "application/geo+json": {}}}},
)
def export_trajectory(
    body: TrajectoryQuery, ctx: ExportCaseDep, db: SessionDep, principal: CurrentPrincipal, lib: ViewLibDep,
    settings: SettingsDep, format: Annotated[Literal["csv", "geojson"], Query()] = "csv",
) -> Response:  # fmt: skip
    """One plate's trajectory as CSV (a row per pass with the checkpoint's location) or GeoJSON.
    Needs record.export, case_id and a purpose; at most XUELIANG_INVESTIGATION_EXPORT_MAX_ROWS rows."""
    return _download(
        export.export_trajectory(
            db=db,
            store=lib.store,
            principal=principal,
            ctx=ctx,
            query=body,
            fmt=format,
            tz=settings.timezone,
            max_rows=settings.investigation_export_max_rows,
        )
    )
