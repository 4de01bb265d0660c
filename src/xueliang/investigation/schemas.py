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
