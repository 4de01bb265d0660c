"""Camera registry, catalog and admission routes: thin handlers over the services."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import JSONResponse, StreamingResponse

from xueliang.api import API_PREFIX
from xueliang.api.deps import SessionDep, SettingsDep
from xueliang.api.errors import problem
from xueliang.api.schemas import Page
from xueliang.audit import service as audit
from xueliang.camera import catalog, exporter, flows, service
from xueliang.camera.dependencies import ChannelIdPath, Manager, Reader, ValidDevice
from xueliang.camera.gbid import parse_gbid
from xueliang.camera.schemas import (
    AdmitInput,
    AlarmRead,
    CatalogNodeCreate,
    CatalogNodeRead,
    ChannelCreate,
    ChannelRead,
    ChannelUpdate,
    DeviceRead,
    IdentityCheck,
    MembersInput,
    TreeNode,
)

router = APIRouter(prefix=f"{API_PREFIX}/cameras", tags=["cameras"])


@router.get("", response_model=Page[ChannelRead], summary="Search the cameras you may see")
def list_cameras(
    db: SessionDep,
    principal: Reader,
    q: Annotated[str | None, Query(max_length=100, description="Part of the name or id.")] = None,
    kind: str | None = None,
    owner: str | None = None,
    region: Annotated[str | None, Query(max_length=12, description="Region code prefix.")] = None,
    org_unit_id: int | None = None,
    status_: Annotated[str | None, Query(alias="status")] = None,
    is_public: bool | None = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> Page[ChannelRead]:
    where = service.ChannelFilter(q, kind, owner, region, org_unit_id, status_, is_public)
    total, rows = service.list_channels(db=db, principal=principal, where=where, offset=offset, limit=limit)
    return Page(
        total=total, offset=offset, limit=limit, items=[service.to_read(db=db, channel=c) for c in rows]
    )


@router.post("", response_model=ChannelRead, status_code=status.HTTP_201_CREATED)
def create_camera(
    db: SessionDep, settings: SettingsDep, principal: Manager, body: ChannelCreate
) -> ChannelRead:
    channel = service.create_channel(db=db, principal=principal, data=body, key=settings.effective_secret())
    audit.record(
        db=db, actor=principal, action="camera.create", object_type="camera", object_id=channel.channel_id
    )
    return service.to_read(db=db, channel=channel)


@router.get("/export", summary="Export the cameras you may see (CSV or JSON, streamed)")
def export(db: SessionDep, principal: Manager, format: Literal["csv", "json"] = "csv") -> StreamingResponse:
    records = exporter.iter_records(db=db, principal=principal)
    audit.record(db=db, actor=principal, action="camera.export", request={"format": format})
    chunks = exporter.iter_csv(records) if format == "csv" else exporter.iter_json(records)
    media = "text/csv; charset=utf-8" if format == "csv" else "application/json"
    disposition = {"Content-Disposition": f'attachment; filename="cameras.{format}"'}
    return StreamingResponse(chunks, media_type=media, headers=disposition)


@router.get("/catalog/regions", response_model=list[TreeNode], summary="Catalog by admin region, one level")
def region_tree(
    db: SessionDep, principal: Reader, parent: Annotated[str | None, Query(pattern=r"^\d{12}$")] = None
) -> list[TreeNode]:
    return catalog.region_children(db=db, principal=principal, parent=parent)


@router.get("/catalog/departments", response_model=list[TreeNode], summary="Catalog by department")
def department_tree(db: SessionDep, principal: Reader) -> list[TreeNode]:
    return catalog.department_tree(db=db, principal=principal)


@router.post("/catalog/nodes", response_model=CatalogNodeRead, status_code=status.HTTP_201_CREATED)
def create_node(db: SessionDep, principal: Manager, body: CatalogNodeCreate) -> CatalogNodeRead:
    node = catalog.create_node(db=db, data=body)
    audit.record(
        db=db, actor=principal, action="camera.catalog.create", object_type="catalog", object_id=node.node_id
    )
    return CatalogNodeRead(
        node_id=node.node_id,
        name=node.name,
        kind=node.kind,
        parent_id=body.parent_id,
        org_unit_id=node.org_unit_id,
    )


@router.post("/catalog/nodes/{node_id}/members", summary="Place cameras under a catalog node")
def add_members(db: SessionDep, principal: Manager, node_id: str, body: MembersInput) -> dict[str, int]:
    node = catalog.get_node_or_raise(db=db, node_id=node_id)
    added = catalog.add_members(db=db, node=node, channel_ids=body.channel_ids)
    audit.record(
        db=db,
        actor=principal,
        action="camera.catalog.members",
        object_type="catalog",
        object_id=node_id,
        result_count=added,
    )
    return {"added": added}


@router.get("/catalog/nodes/{node_id}/cameras", response_model=list[ChannelRead])
def node_cameras(db: SessionDep, principal: Reader, node_id: str) -> list[ChannelRead]:
    node = catalog.get_node_or_raise(db=db, node_id=node_id)
    return [
        service.to_read(db=db, channel=c)
        for c in catalog.node_channels(db=db, principal=principal, node=node)
    ]


@router.get("/devices/{device_id}", response_model=DeviceRead)
def get_device(device: ValidDevice, principal: Reader) -> DeviceRead:
    read = DeviceRead.model_validate(device)
    read.has_secret = device.secret_enc is not None
    return read


@router.post("/devices/{device_id}/admit", response_model=DeviceRead, summary="Admit a device (安全准入)")
def admit(
    db: SessionDep, settings: SettingsDep, device: ValidDevice, principal: Manager, body: AdmitInput
) -> DeviceRead:
    flows.admit(db=db, principal=principal, device=device, data=body, key=settings.effective_secret())
    return get_device(device, principal)


@router.post("/devices/{device_id}/revoke", response_model=DeviceRead)
def revoke(db: SessionDep, device: ValidDevice, principal: Manager) -> DeviceRead:
    flows.revoke(db=db, principal=principal, device=device)
    return get_device(device, principal)


@router.post(
    "/devices/identity-check",
    response_model=DeviceRead,
    summary="Check a connecting device's identity; a refusal raises an alarm and is audited",
)
def identity_check(
    request: Request, db: SessionDep, settings: SettingsDep, principal: Manager, body: IdentityCheck
) -> DeviceRead | JSONResponse:
    try:
        device = flows.check_identity(
            db=db, check=body, key=settings.effective_secret(), own_transaction=False
        )
    except service.DeviceNotAdmittedError as exc:  # answered here so that the alarm is committed
        return problem(exc.status, exc.code, exc.title, exc.detail, request)
    return get_device(device, principal)


@router.get("/alarms", response_model=list[AlarmRead], summary="Admission alarms, newest first")
def alarms(
    db: SessionDep, principal: Reader, limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> list[AlarmRead]:
    rows = db.scalars(service.alarms_query(limit=limit))
    return [AlarmRead.model_validate(a) for a in rows]


@router.get("/{channel_id}", response_model=ChannelRead)
def get_camera(db: SessionDep, principal: Reader, channel_id: ChannelIdPath) -> ChannelRead:
    parse_gbid(channel_id, field="channel_id")
    channel = service.get_visible_channel(db=db, principal=principal, channel_id=channel_id)
    return service.to_read(db=db, channel=channel)


@router.patch("/{channel_id}", response_model=ChannelRead)
def update_camera(
    db: SessionDep, settings: SettingsDep, principal: Manager, channel_id: ChannelIdPath, body: ChannelUpdate
) -> ChannelRead:
    parse_gbid(channel_id, field="channel_id")
    channel = service.get_channel_or_raise(db=db, channel_id=channel_id)
    service.update_channel(
        db=db, principal=principal, channel=channel, data=body, key=settings.effective_secret()
    )
    audit.record(
        db=db,
        actor=principal,
        action="camera.update",
        object_type="camera",
        object_id=channel_id,
        request={"fields": sorted(body.model_fields_set)},
    )
    return service.to_read(db=db, channel=channel)
