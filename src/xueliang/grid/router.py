"""Grid registry API under /api/v1/grid, and the map tiles under /api/v1/tiles. Thin handlers:
scopes, permissions, purposes and audit live in ``service`` and ``flows``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from xueliang.api import API_PREFIX
from xueliang.api.deps import SessionDep, SettingsDep
from xueliang.api.schemas import Page
from xueliang.audit.dependencies import Purpose, PurposeContext
from xueliang.auth.dependencies import CurrentPrincipal
from xueliang.camera.dependencies import Reader as CameraReader
from xueliang.camera.schemas import ChannelRead
from xueliang.core.config import Settings
from xueliang.grid import cameras, flows, service
from xueliang.grid.schemas import (
    AreaRead,
    BuildingDetail,
    BuildingRead,
    ClientFields,
    ClientFieldsRead,
    GridDetail,
    GridRead,
    HousingUnitRead,
    MapCameraCollection,
    ResidentRead,
    UnmaskRequest,
    UnmaskResult,
)
from xueliang.grid.tiles import TileService

router = APIRouter(prefix=f"{API_PREFIX}/grid", tags=["grid"])
tiles_router = APIRouter(prefix=f"{API_PREFIX}/tiles", tags=["grid"])
Offset = Annotated[int, Query(ge=0)]
Limit = Annotated[int, Query(ge=1, le=500)]
MVT_MEDIA_TYPE = "application/vnd.mapbox-vector-tile"


def _why(purpose: PurposeContext) -> flows.Why:
    return flows.Why(purpose=purpose.purpose, case_id=purpose.case_id)


@router.get("/regions", response_model=list[AreaRead])
def list_regions(db: SessionDep, principal: CurrentPrincipal, parent_id: int | None = None) -> list[AreaRead]:
    """Admin areas under ``parent_id`` (top level when omitted) that the caller may see."""
    areas = service.list_regions(db=db, principal=principal, parent_id=parent_id)
    return [AreaRead.model_validate(a) for a in areas]


@router.get("/grids", response_model=Page[GridRead])
def list_grids(
    db: SessionDep,
    principal: CurrentPrincipal,
    community_id: int | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> Page[GridRead]:
    total, grids = service.list_grids(
        db=db, principal=principal, community_id=community_id, q=q, offset=offset, limit=limit
    )
    return Page(total=total, offset=offset, limit=limit, items=[GridRead.model_validate(g) for g in grids])


@router.get("/grids/{grid_id}", response_model=GridDetail)
def get_grid(grid_id: int, db: SessionDep, principal: CurrentPrincipal) -> GridDetail:
    grid = service.get_grid_or_raise(db=db, principal=principal, grid_id=grid_id)
    return GridDetail(
        **GridRead.model_validate(grid).model_dump(),
        community_code=service.community_code(db=db, grid=grid),
        counts=service.grid_counts(db=db, grid_id=grid.id),
        members=service.grid_members(db=db, grid_id=grid.id),
    )


@router.get(
    "/grids/{grid_id}/cameras", response_model=list[ChannelRead], summary="A grid's cameras you may see"
)
def grid_cameras(grid_id: int, db: SessionDep, principal: CameraReader) -> list[ChannelRead]:
    """The grid's cameras (by the registry's ``grid_code``) visible to the caller (``camera.access``)."""
    return cameras.grid_cameras(db=db, principal=principal, grid_id=grid_id)


@router.get("/map/cameras", response_model=MapCameraCollection, summary="Cameras on the map")
def map_cameras(
    db: SessionDep, principal: CameraReader, limit: Annotated[int, Query(ge=1, le=20_000)] = 10_000
) -> dict[str, object]:
    """Located cameras the caller may see, as GeoJSON: scoped per user, so never a shared tile."""
    return cameras.map_cameras(db=db, principal=principal, limit=limit)


@router.get("/grids/{grid_id}/buildings", response_model=Page[BuildingRead])
def list_buildings(
    grid_id: int, db: SessionDep, principal: CurrentPrincipal, offset: Offset = 0, limit: Limit = 50
) -> Page[BuildingRead]:
    total, rows = service.list_buildings(
        db=db, principal=principal, grid_id=grid_id, offset=offset, limit=limit
    )
    return Page(total=total, offset=offset, limit=limit, items=[BuildingRead.model_validate(b) for b in rows])


@router.get("/buildings/{building_id}", response_model=BuildingDetail)
def get_building(building_id: int, db: SessionDep, principal: CurrentPrincipal) -> BuildingDetail:
    building = service.get_building_or_raise(db=db, principal=principal, building_id=building_id)
    units = [HousingUnitRead.model_validate(u) for u in service.housing_units(db=db, building_id=building.id)]
    return BuildingDetail(**BuildingRead.model_validate(building).model_dump(), housing_units=units)


@router.get("/residents", response_model=Page[ResidentRead])
def search_residents(
    db: SessionDep,
    principal: CurrentPrincipal,
    settings: SettingsDep,
    purpose: Purpose,
    grid_id: int | None = None,
    name: Annotated[str | None, Query(max_length=100)] = None,
    id_number: Annotated[str | None, Query(max_length=32)] = None,
    phone: Annotated[str | None, Query(max_length=32)] = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> Page[ResidentRead]:
    """Residents, masked; search by name prefix, or exactly by ID number or phone (keyed hash)."""
    where = flows.ResidentQuery(grid_id=grid_id, name=name, id_number=id_number, phone=phone)
    total, items = flows.search_residents(
        db=db,
        principal=principal,
        secret=settings.effective_secret(),
        where=where,
        why=_why(purpose),
        offset=offset,
        limit=limit,
    )
    return Page(total=total, offset=offset, limit=limit, items=items)


@router.get("/residents/export.csv", response_class=Response)
def export_residents(
    db: SessionDep,
    principal: CurrentPrincipal,
    settings: SettingsDep,
    purpose: Purpose,
    grid_id: int | None = None,
    name: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    """Masked residents as CSV; the first line is a watermark naming the user and the time."""
    body = flows.export_residents_csv(
        db=db,
        principal=principal,
        secret=settings.effective_secret(),
        where=flows.ResidentQuery(grid_id=grid_id, name=name),
        why=_why(purpose),
        max_rows=settings.grid_export_max_rows,
    )
    headers = {"Content-Disposition": 'attachment; filename="residents.csv"', "Cache-Control": "no-store"}
    return Response(body, media_type="text/csv; charset=utf-8", headers=headers)


@router.post("/residents/{resident_id}/unmask", response_model=UnmaskResult)
def unmask_resident(
    resident_id: int,
    body: UnmaskRequest,
    db: SessionDep,
    principal: CurrentPrincipal,
    settings: SettingsDep,
    purpose: Purpose,
) -> UnmaskResult:
    """The clear ID number and/or phone: needs ``resident.unmask`` and a purpose; audited."""
    return flows.unmask_resident(
        db=db,
        principal=principal,
        secret=settings.effective_secret(),
        resident_id=resident_id,
        fields=body.fields,
        why=_why(purpose),
    )


@router.put("/clients/{username}/fields", response_model=ClientFieldsRead)
def set_client_fields(
    username: str, body: ClientFields, db: SessionDep, principal: CurrentPrincipal
) -> ClientFieldsRead:
    """Field whitelist of an API client (service user) for resident reads; needs ``user.manage``."""
    fields = service.set_client_fields(db=db, principal=principal, username=username, fields=body.fields)
    return ClientFieldsRead(username=username, fields=fields)


def _tile_service(request: Request, settings: Settings, postgres: bool) -> TileService:
    tiles: TileService | None = getattr(request.app.state, "grid_tiles", None)
    if tiles is None:
        tiles = TileService(
            postgres=postgres, source=settings.grid_tile_source, cache_size=settings.grid_tile_cache_size
        )
        request.app.state.grid_tiles = tiles
    return tiles


@tiles_router.get("/{layer}/{z}/{x}/{y}.mvt", response_class=Response)
def get_tile(
    layer: str,
    z: int,
    x: int,
    y: int,
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    _: CurrentPrincipal,
) -> Response:
    """A vector tile of ``regions``, ``grids`` or ``buildings`` (z13+). Residents are never a layer."""
    conn = db.connection()
    data = _tile_service(request, settings, conn.dialect.name == "postgresql").tile(conn, layer, z, x, y)
    return Response(data, media_type=MVT_MEDIA_TYPE, headers={"Cache-Control": "private, max-age=300"})
