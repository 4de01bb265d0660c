"""Request and response bodies of the incident API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from xueliang.api.schemas import ReadModel, StrictInput
from xueliang.incident.enums import Satisfaction, Stage, TimeUnit, Urgency

SHA256 = r"^[0-9a-f]{64}$"


class ActionInput(StrictInput):
    opinion: str = Field("", max_length=4000, description="Opinion / reason, kept in the timeline.")
    attachments: list[str] = Field(default_factory=list, max_length=20, description="Blob SHA-256 refs.")
    department_id: int | None = Field(None, description="dispatch: the handling department (else routed).")
    master_id: int | None = Field(None, description="merge: the incident this one duplicates.")
    approval_id: int | None = Field(None, description="approve/deny: the pending approval.")
    satisfaction: Satisfaction | None = Field(None, description="callback: the caller's satisfaction.")
    amount: float | None = Field(None, gt=0, le=365, description="request_extension: how much longer.")
    unit: TimeUnit | None = Field(None, description="request_extension: unit of amount.")


class Location(StrictInput):
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)


class ReportInput(StrictInput):
    """A grid worker's report (or a desk entry): location is required."""

    category_code: str = Field(min_length=1, max_length=64)
    urgency: Urgency = Urgency.normal
    title: str = Field("", max_length=200)
    description: str = Field(min_length=1, max_length=4000)
    address: str = Field("", max_length=500)
    location: Location
    photos: list[str] = Field(default_factory=list, max_length=20)
    draft: bool = Field(False, description="Keep as draft (采集) instead of reporting it.")


class HotlineOrderInput(StrictInput):
    """A 12345 work order (工单). Re-sending the same order_no returns the same incident."""

    order_no: str = Field(min_length=1, max_length=64, description="工单编号")
    received_at: datetime | None = Field(None, description="接收时间")
    category_code: str = Field(min_length=1, max_length=64, description="工单类别")
    urgency: Urgency = Field(Urgency.normal, description="紧急程度")
    description: str = Field(min_length=1, max_length=4000, description="问题描述")
    title: str = Field("", max_length=200)
    address: str = Field("", max_length=500)
    location: Location | None = None
    contact_name: str = Field("", max_length=100, description="联系人")
    contact_phone: str = Field("", max_length=32, description="联系电话")
    instructions: str = Field("", max_length=2000, description="转办意见")


class EventOut(ReadModel):
    id: int
    at: datetime
    actor_name: str
    action: str
    from_state: str | None
    to_state: str | None
    opinion: str
    attachments: list[str]
    data: dict[str, Any]


class StageOut(ReadModel):
    stage: Stage
    due: datetime | None
    at: datetime | None
    on_time: bool | None


class IncidentOut(ReadModel):
    id: int
    source: str
    external_no: str | None
    category_code: str
    urgency: str
    state: str
    title: str
    description: str
    address: str
    lon: float | None
    lat: float | None
    grid_code: str | None
    community_code: str | None
    town_code: str | None
    department_id: int | None
    reporter_name_masked: str | None
    reporter_phone_masked: str | None
    master_id: int | None
    photos: list[str]
    self_handled: bool
    satisfaction: str | None
    rework_count: int
    returned_count: int
    extension_count: int
    reopen_count: int
    supervision_count: int
    alert_level: int
    clock_stage: str | None
    clock_due_at: datetime | None
    reported_at: datetime | None
    updated_at: datetime


class IncidentDetail(IncidentOut):
    stages: list[StageOut]
    allowed_actions: list[str]
    timeline: list[EventOut]
    duplicates: list[int] = Field(default_factory=list, description="Suggested duplicates (intake).")


class ApprovalOut(ReadModel):
    id: int
    kind: str
    status: str
    reason: str
    data: dict[str, Any]
    requested_at: datetime
    decided_at: datetime | None


class CategoryInput(StrictInput):
    code: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    name: str = Field(min_length=1, max_length=200)
    group_name: str = Field("", max_length=200)
    kind: str = Field("city_management", max_length=32)
    description: str = Field("", max_length=2000)
    keywords: str = Field("", max_length=400)
    department_id: int | None = None
    attributes: list[dict[str, Any]] = Field(default_factory=list, max_length=50)
    public: bool = True


class CategoryOut(ReadModel):
    code: str
    name: str
    group_name: str
    kind: str
    department_id: int | None
    public: bool


class RoutingRuleInput(StrictInput):
    category_code: str = Field(min_length=1, max_length=64)
    region_prefix: str = Field("", pattern=r"^[0-9]{0,12}$")
    org_unit_id: int


class TimeLimitInput(StrictInput):
    category: str = Field("*", min_length=1, max_length=80)
    urgency: str = Field("*", min_length=1, max_length=16)
    stage: Stage
    amount: float = Field(ge=0, le=8760)
    unit: TimeUnit


class NotificationOut(ReadModel):
    id: int
    incident_id: int
    kind: str
    message: str
    created_at: datetime
    read_at: datetime | None


class UploadOut(ReadModel):
    sha256: str
    size: int


class FeatureProperties(ReadModel):
    id: int
    state: str
    category_code: str
    urgency: str
    title: str
    alert_level: int


class PointGeometry(ReadModel):
    type: str = "Point"
    coordinates: list[float]


class IncidentFeature(ReadModel):
    type: str = "Feature"
    id: int
    geometry: PointGeometry
    properties: FeatureProperties


class IncidentFeatureCollection(ReadModel):
    """Open, located incidents as GeoJSON (a layer of the one map)."""

    type: str = "FeatureCollection"
    features: list[IncidentFeature]
