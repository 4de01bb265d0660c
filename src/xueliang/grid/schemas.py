"""Grid API models. Resident fields are all optional: API clients see only their whitelisted fields."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from xueliang.api.schemas import ReadModel, StrictInput

RESIDENT_FIELDS = (
    "id",
    "name",
    "gender",
    "birth_date",
    "id_number",
    "id_number_valid",
    "phone",
    "household_id",
    "housing_unit_id",
    "grid_id",
    "residence_type",
    "relation_to_head",
)
UnmaskField = Literal["id_number", "phone"]


class AreaRead(ReadModel):
    id: int
    code: str
    name: str
    level: str
    parent_id: int | None
    area_m2: float | None
    bbox: tuple[float, float, float, float]


class GridRead(ReadModel):
    id: int
    code: str
    name: str
    community_id: int | None
    area_m2: float | None
    valid_from: date | None
    valid_to: date | None
    bbox: tuple[float, float, float, float]


class MemberRead(BaseModel):
    user_id: int
    username: str
    display_name: str
    role: str
    valid_from: date | None
    valid_to: date | None


class GridCounts(BaseModel):
    buildings: int
    housing_units: int
    residents: int


class GridDetail(GridRead):
    community_code: str | None
    counts: GridCounts
    members: list[MemberRead]


class BuildingRead(ReadModel):
    id: int
    address_code: str | None
    estate_name: str | None
    number: str | None
    use: str | None
    floors_above: int | None
    declared_units: int | None
    lon: float
    lat: float
    grid_id: int | None
    address: str | None


class HousingUnitRead(ReadModel):
    id: int
    building_id: int
    address_code: str | None
    entrance: str | None
    floor: int | None
    room: str | None
    area_m2: float | None
    occupancy: str | None


class BuildingDetail(BuildingRead):
    housing_units: list[HousingUnitRead]


class ResidentRead(BaseModel):
    """Masked by default (ID first 3 + last 4, phone 3 + 4); fields outside a client's whitelist are null."""

    id: int | None = None
    name: str | None = None
    gender: str | None = None
    birth_date: date | None = None
    id_number: str | None = Field(None, description="Masked ID number.")
    id_number_valid: bool | None = None
    phone: str | None = Field(None, description="Masked phone number.")
    household_id: int | None = None
    housing_unit_id: int | None = None
    grid_id: int | None = None
    residence_type: str | None = None
    relation_to_head: str | None = None


class UnmaskRequest(StrictInput):
    fields: list[UnmaskField] = Field(min_length=1, max_length=2)


class UnmaskResult(BaseModel):
    resident_id: int
    id_number: str | None = None
    phone: str | None = None


class ClientFields(StrictInput):
    fields: list[str] = Field(min_length=1, max_length=len(RESIDENT_FIELDS))


class ClientFieldsRead(BaseModel):
    username: str
    fields: list[str]


class MapCameraPoint(ReadModel):
    type: Literal["Point"] = "Point"
    coordinates: list[float]


class MapCameraProperties(ReadModel):
    id: int
    channel_id: str
    name: str
    kind: str
    status: str
    is_public: bool
    grid_code: str | None


class MapCameraFeature(ReadModel):
    type: Literal["Feature"] = "Feature"
    id: int
    geometry: MapCameraPoint
    properties: MapCameraProperties


class MapCameraCollection(ReadModel):
    """The located cameras the caller may see (``camera.access``): the camera layer of the one map."""

    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[MapCameraFeature]
