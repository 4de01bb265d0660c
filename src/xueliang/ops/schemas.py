"""Ops request and response bodies."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from xueliang.api.schemas import ReadModel, StrictInput


class HealthRead(ReadModel):
    channel_id: str
    name: str
    region_code: str | None
    online: bool
    source: str
    detail: str
    latency_ms: float | None
    checked_at: datetime
    changed_at: datetime


class StateChangeRead(ReadModel):
    online: bool
    source: str
    detail: str
    at: datetime


class UptimeRead(ReadModel):
    channel_id: str
    start: datetime
    end: datetime
    uptime: float | None = Field(description="Share of the window online; null when never checked.")
    changes: list[StateChangeRead]


class OnlineRateRead(ReadModel):
    day: date
    dimension: str
    key: str
    total: int
    online: int
    rate: float | None


class DiagnosisRead(ReadModel):
    id: int
    channel_id: str
    at: datetime
    ok: bool
    faults: list[str]
    measures: dict[str, float]
    thumbnail_url: str | None


class ThresholdsInput(StrictInput):
    overrides: dict[str, float] = Field(
        description="Diagnosis thresholds of this camera (names as in docs/ops.md); others keep defaults."
    )


class AlarmRead(ReadModel):
    id: int
    kind: str
    key: str
    state: str
    channel_pk: int | None
    message: str
    raised_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    cleared_at: datetime | None


class WorkOrderInput(StrictInput):
    title: str = Field(min_length=1, max_length=200)
    channel_id: str | None = Field(None, max_length=32)
    contractor_id: int | None = None
    note: str = Field("", max_length=1000)


class CloseInput(StrictInput):
    note: str = Field("", max_length=1000)


class WorkOrderRead(ReadModel):
    id: int
    alarm_id: int | None
    channel_pk: int | None
    contractor_id: int | None
    title: str
    note: str
    state: str
    created_by: str
    created_at: datetime
    response_due: datetime
    repair_due: datetime
    responded_at: datetime | None
    closed_at: datetime | None
    evidence_id: int | None


class ContractInput(StrictInput):
    org_unit_id: int
    region_prefix: str = Field("", max_length=12, pattern=r"^[0-9]*$")


class ContractorMonthRead(ReadModel):
    org_unit_id: int
    availability: float | None
    orders: int
    responded_on_time: int
    repaired_on_time: int
    timeliness: float | None


class CameraPoint(ReadModel):
    type: str = "Point"
    coordinates: list[float]


class CameraHealthProperties(ReadModel):
    channel_id: str
    name: str
    state: str = Field(description="online, faulty (online, latest diagnosis failed), offline or unknown")
    detail: str


class CameraHealthFeature(ReadModel):
    type: str = "Feature"
    id: int
    geometry: CameraPoint
    properties: CameraHealthProperties


class CameraHealthCollection(ReadModel):
    """Located cameras the caller may see, with their health state (the online-rate map)."""

    type: str = "FeatureCollection"
    features: list[CameraHealthFeature]
