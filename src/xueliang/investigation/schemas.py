"""Investigation requests and responses."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field

from xueliang.api.schemas import ReadModel, StrictInput

Codes = Annotated[list[Annotated[str, Field(max_length=8)]], Field(max_length=50)]
Ids = Annotated[list[Annotated[str, Field(pattern=r"^\d{20}$")]], Field(max_length=2000)]
LonLat = tuple[Annotated[float, Field(ge=-180, le=180)], Annotated[float, Field(ge=-90, le=90)]]
Polygon = Annotated[list[LonLat], Field(min_length=3, max_length=500)]


class CaseCreate(StrictInput):
    number: str = Field(min_length=1, max_length=64)
    title: str = Field(min_length=1, max_length=200)
    case_type: str = Field("", max_length=64)
    members: list[int] = Field(default_factory=list, max_length=200)


class CaseMembersUpdate(StrictInput):
    add: list[int] = Field(default_factory=list, max_length=200)
    remove: list[int] = Field(default_factory=list, max_length=200)


class CaseStatusUpdate(StrictInput):
    status: Literal["open", "closed"]


class CaseRead(ReadModel):
    id: int
    number: str
    title: str
    case_type: str
    status: str
    owner_id: int
    created_at: datetime
    members: list[int] = []


class Place(StrictInput):
    """Where: checkpoints (tollgate ids) and/or an area drawn on the map (lon/lat ring)."""

    tollgates: Ids = Field(default_factory=list)
    polygon: Polygon | None = None


class PassSearch(StrictInput):
    """特征搜车. Times without an offset are local (XUELIANG_TIMEZONE)."""

    plate: str | None = Field(
        None, max_length=15, description="Exact, or with * and ?; may omit the province."
    )
    plate_colors: Codes = Field(default_factory=list)
    vehicle_colors: Codes = Field(default_factory=list)
    vehicle_classes: Codes = Field(default_factory=list)
    vehicle_brands: Codes = Field(default_factory=list)
    directions: Codes = Field(default_factory=list)
    place: Place = Field(default_factory=Place)
    time_from: datetime | None = None
    time_to: datetime | None = None
    sort: Literal["event_time", "plate_no", "tollgate_id", "speed"] = "event_time"
    descending: bool = True
    offset: int = Field(0, ge=0, le=100_000)
    limit: int = Field(50, ge=1, le=500)
    facets: bool = False


class PassItem(ReadModel):
    object_id: str
    plate_no: str
    plate_color: str
    vehicle_class: str
    vehicle_color: str
    vehicle_brand: str
    direction: str
    speed: float | None
    tollgate_id: str
    device_id: str
    pass_time: str
    images: list[str] = Field(default_factory=list, description="Blob SHA-256 of the record's images.")


class FacetCount(ReadModel):
    value: str
    count: int


class PassPage(ReadModel):
    total: int
    offset: int
    limit: int
    items: list[PassItem]
    facets: dict[str, list[FacetCount]] | None = None


class TrajectoryQuery(StrictInput):
    plate: str = Field(min_length=2, max_length=15)
    plate_color: str | None = Field(None, max_length=2)
    time_from: datetime | None = None
    time_to: datetime | None = None
    gap_minutes: int = Field(30, ge=1, le=24 * 60)


GeoJSON = dict[str, Any]


class Probe(StrictInput):
    """What to compare: a stored record's embedding (record_id) or an uploaded image (base64)."""

    record_id: str | None = Field(None, pattern=r"^\d{48}$")
    image: str | None = Field(None, max_length=8_000_000, description="base64 JPEG or PNG")


class VehicleFeatures(StrictInput):
    """Vehicle features a similar capture must also have (GA/T 1400 codes; any of each list)."""

    plate: str | None = Field(None, max_length=15, description="Exact, or with * and ?.")
    plate_colors: Codes = Field(default_factory=list)
    vehicle_colors: Codes = Field(default_factory=list)
    vehicle_classes: Codes = Field(default_factory=list)
    vehicle_brands: Codes = Field(default_factory=list)
    directions: Codes = Field(default_factory=list)


class ImageSearch(StrictInput):
    """以图搜车 / face 1:N over stored captures: nearest records with time and place filters."""

    kind: Literal["motor_vehicle", "face"] = "motor_vehicle"
    probe: Probe
    time_from: datetime | None = None
    time_to: datetime | None = None
    place: Place = Field(default_factory=Place)
    k: int = Field(20, ge=1, le=200)
    min_score: float = Field(0.0, ge=-1, le=1)
    features: VehicleFeatures | None = Field(
        None,
        description="motor_vehicle only: keep the similar captures with these features (多维搜车); "
        "the index is asked for 10 × k candidates (at most 2,000) before the features filter them.",
    )


class SimilarItem(ReadModel):
    object_id: str
    score: float
    device_id: str = ""
    time: str = ""
    plate_no: str = ""
    images: list[str] = Field(default_factory=list)


class SimilarPage(ReadModel):
    items: list[SimilarItem]
    searched: int = Field(description="Embeddings in the index.")


class FaceCompare(StrictInput):
    a: Probe
    b: Probe


class FaceCompareResult(ReadModel):
    similarity: float
    threshold: float
    same_person: bool


class WatchlistHit(ReadModel):
    disposition_id: int
    case_number: str
    score: float
    reason: str


class DispositionCreate(StrictInput):
    """布控: a plate, or a face (probe), watched for a case within a validity period and an area."""

    kind: Literal["plate", "face"]
    plate_no: str | None = Field(None, pattern=r"^[0-9A-Z\u4e00-\u9fff]{5,15}$")
    plate_color: str | None = Field(None, max_length=2)
    face: Probe | None = None
    threshold: float | None = Field(None, gt=0, le=1)
    reason: str = Field(min_length=4, max_length=500)
    valid_from: datetime | None = None
    valid_until: datetime
    area: Ids = Field(default_factory=list, description="Tollgate or device ids; empty = everywhere.")


class DispositionDecision(StrictInput):
    approve: bool
    note: str = Field("", max_length=500)


class DispositionRead(ReadModel):
    id: int
    case_pk: int
    kind: str
    plate_no: str | None
    plate_color: str | None
    threshold: float | None
    reason: str
    area: str
    valid_from: datetime
    valid_until: datetime
    status: str
    created_by: int
    created_at: datetime
    decided_by: int | None
    decided_at: datetime | None


class AlertRead(ReadModel):
    id: int
    disposition_pk: int
    object_id: str
    record_kind: str
    match: str
    score: float
    observed: str
    device_id: str
    tollgate_id: str
    event_time: datetime
    created_at: datetime
    review: str
    reviewed_by: int | None
    reviewed_at: datetime | None
    review_note: str


class AlertReview(StrictInput):
    review: Literal["confirmed", "false_positive"]
    note: str = Field("", max_length=500)


class Window(StrictInput):
    time_from: datetime
    time_to: datetime


class Leg(Window):
    """One place and time window of a multi-dimensional search, with optional vehicle features."""

    place: Place
    plate_colors: Codes = Field(default_factory=list)
    vehicle_colors: Codes = Field(default_factory=list)
    vehicle_classes: Codes = Field(default_factory=list)
    vehicle_brands: Codes = Field(default_factory=list)


class Likeness(StrictInput):
    """Looks like a reference vehicle: the leg's capture is among the ``k`` captures most similar to
    the probe within the leg's place and window, with a similarity of at least ``min_score``."""

    probe: Probe
    min_score: float = Field(0.0, ge=-1, le=1)
    k: int = Field(500, ge=1, le=2000, description="Most similar captures considered per leg.")
    legs: Literal["both", "a", "b"] = Field("both", description="Which legs' captures must look alike.")


class ThenSearch(StrictInput):
    """多维搜车: passed checkpoint(s) A, then B within ``within_minutes``; optionally looking like a
    reference vehicle (``like``: image similarity, needs record.search)."""

    a: Leg
    b: Leg
    within_minutes: int = Field(10, ge=1, le=24 * 60)
    limit: int = Field(500, ge=1, le=5000)
    like: Likeness | None = None


class CollisionSearch(StrictInput):
    """区域碰撞: seen in every one of the areas, each in its window."""

    areas: list[Leg] = Field(min_length=2, max_length=6)
    limit: int = Field(500, ge=1, le=5000)


class PlateHit(ReadModel):
    plate_no: str
    plate_color: str
    detail: dict[str, Any] = Field(default_factory=dict)


class AnalyticsQuery(Window):
    kind: Literal["cloned", "first_appearance", "night", "frequent_checkpoint"]
    since: datetime | None = Field(None, description="first_appearance: first pass at or after this time.")
    min_count: int = Field(4, ge=1, le=10_000, description="night / frequent_checkpoint: passes at least.")
    night_from: int = Field(22, ge=0, le=23)
    night_to: int = Field(6, ge=0, le=23)
    limit: int = Field(1000, ge=1, le=100_000)
