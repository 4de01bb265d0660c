"""Ops API under /api/v1/ops: health, uptime, online rates, diagnoses, thresholds, alarms, work
orders, contracts and the contractor's monthly figures. Thin handlers over ``service``/``flows``."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from xueliang.api import API_PREFIX
from xueliang.api.deps import SessionDep, SettingsDep
from xueliang.api.schemas import Page
from xueliang.core.db import utcnow
from xueliang.ops import flows, service
from xueliang.ops.dependencies import Blobs, Maintainer, Reader, SnapshotterDep
from xueliang.ops.enums import AlarmState, Dimension, OrderState
from xueliang.ops.schemas import (
    AlarmRead,
    CameraHealthCollection,
    CloseInput,
    ContractInput,
    ContractorMonthRead,
    DiagnosisRead,
    HealthRead,
    OnlineRateRead,
    ThresholdsInput,
    UptimeRead,
    WorkOrderInput,
    WorkOrderRead,
)
from xueliang.stream.dependencies import ValidChannel

router = APIRouter(prefix=f"{API_PREFIX}/ops", tags=["ops"])
Offset = Annotated[int, Query(ge=0)]
Limit = Annotated[int, Query(ge=1, le=500)]


@router.get("/health", response_model=Page[HealthRead])
def list_health(
    db: SessionDep, principal: Reader, online: bool | None = None, offset: Offset = 0, limit: Limit = 50
) -> Page[HealthRead]:
    return service.list_health(db=db, principal=principal, online=online, offset=offset, limit=limit)


@router.get("/map", response_model=CameraHealthCollection, summary="Located cameras by health state")
def health_map(
    db: SessionDep, principal: Reader, limit: Annotated[int, Query(ge=1, le=20000)] = 5000
) -> CameraHealthCollection:
    return service.camera_health_map(db=db, principal=principal, limit=limit)


@router.get("/channels/{channel_id}/uptime", response_model=UptimeRead)
def channel_uptime(
    db: SessionDep, principal: Reader, channel: ValidChannel, days: Annotated[int, Query(ge=1, le=90)] = 7
) -> UptimeRead:
    service.require_channel_visible(db=db, principal=principal, channel_pk=channel.id)
    return service.channel_uptime(db=db, channel=channel, days=days, now=utcnow())


@router.get("/online-rates", response_model=list[OnlineRateRead])
def online_rates(
    db: SessionDep, _: Reader, dimension: Dimension, day_from: date, day_to: date
) -> list[OnlineRateRead]:
    return service.online_rates(db=db, dimension=dimension.value, first=day_from, last=day_to)


@router.get("/diagnoses", response_model=Page[DiagnosisRead])
def list_diagnoses(
    db: SessionDep, principal: Reader, faulty: bool | None = None, offset: Offset = 0, limit: Limit = 50
) -> Page[DiagnosisRead]:
    return service.list_diagnoses(db=db, principal=principal, faulty=faulty, offset=offset, limit=limit)


@router.get("/diagnoses/{diagnosis_id}/thumbnail", response_class=Response)
def diagnosis_thumbnail(db: SessionDep, principal: Reader, blobs: Blobs, diagnosis_id: int) -> Response:
    image = flows.thumbnail(db=db, principal=principal, blobs=blobs, diagnosis_id=diagnosis_id)
    return Response(image, media_type="image/jpeg")


@router.put("/channels/{channel_id}/thresholds", response_model=dict[str, float])
def set_thresholds(
    db: SessionDep, principal: Maintainer, channel: ValidChannel, body: ThresholdsInput
) -> dict[str, float]:
    return flows.set_thresholds(db=db, principal=principal, channel=channel, overrides=body.overrides)


@router.get("/alarms", response_model=Page[AlarmRead])
def list_alarms(
    db: SessionDep, principal: Reader, state: AlarmState | None = None, offset: Offset = 0, limit: Limit = 50
) -> Page[AlarmRead]:
    return service.list_alarms(
        db=db, principal=principal, state=state.value if state else None, offset=offset, limit=limit
    )


@router.post("/alarms/{alarm_id}/acknowledge", response_model=AlarmRead)
def acknowledge(db: SessionDep, principal: Maintainer, alarm_id: int) -> AlarmRead:
    return AlarmRead.model_validate(flows.acknowledge(db=db, principal=principal, alarm_id=alarm_id))


@router.get("/work-orders", response_model=Page[WorkOrderRead])
def list_orders(
    db: SessionDep, principal: Reader, state: OrderState | None = None, offset: Offset = 0, limit: Limit = 50
) -> Page[WorkOrderRead]:
    return service.list_orders(
        db=db, principal=principal, state=state.value if state else None, offset=offset, limit=limit
    )


@router.post("/work-orders", response_model=WorkOrderRead, status_code=201)
def create_order(
    db: SessionDep, settings: SettingsDep, principal: Maintainer, body: WorkOrderInput
) -> WorkOrderRead:
    order = flows.create_order(db=db, settings=settings, principal=principal, data=body)
    return WorkOrderRead.model_validate(order)


@router.post("/work-orders/{order_id}/respond", response_model=WorkOrderRead)
def respond(db: SessionDep, principal: Maintainer, order_id: int) -> WorkOrderRead:
    return WorkOrderRead.model_validate(flows.respond(db=db, principal=principal, order_id=order_id))


@router.post("/work-orders/{order_id}/close", response_model=WorkOrderRead)
def close_order(
    db: SessionDep,
    settings: SettingsDep,
    principal: Maintainer,
    snapshotter: SnapshotterDep,
    blobs: Blobs,
    order_id: int,
    body: CloseInput,
) -> WorkOrderRead:
    ctx = flows.CloseContext(settings.effective_secret(), snapshotter, blobs)
    order = flows.close(db=db, principal=principal, order_id=order_id, ctx=ctx, note=body.note)
    return WorkOrderRead.model_validate(order)


@router.put("/contracts", response_model=list[ContractInput])
def set_contracts(db: SessionDep, principal: Maintainer, body: list[ContractInput]) -> list[ContractInput]:
    flows.set_contracts(
        db=db, principal=principal, contracts=[(c.org_unit_id, c.region_prefix) for c in body]
    )
    return body


@router.get("/contractor-months/{month}", response_model=list[ContractorMonthRead])
def contractor_month(
    db: SessionDep, settings: SettingsDep, _: Reader, month: Annotated[str, Path(pattern=r"^\d{4}-\d{2}$")]
) -> list[ContractorMonthRead]:
    return flows.contractor_month(db=db, settings=settings, month=month)
