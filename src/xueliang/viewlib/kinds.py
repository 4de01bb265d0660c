"""The record kinds of the view library, as data: GA/T 1400 names, indexed columns, sort keys.

One ``Kind`` drives the parser (which fields, which id, which time), the SQL (columns, ORDER BY),
the /VIID routes (paths, list envelopes, query prefix) and the bus topic. Every other field of an
object is kept only in the raw JSON column.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Column:
    name: str  # SQL column
    field: str  # GA/T 1400 field
    sql_type: str  # ClickHouse type
    conv: str = "str"  # str | int | float | bool
    max_len: int = 0  # for str: refuse longer values (0 = no limit)


@dataclass(frozen=True, slots=True)
class Kind:
    name: str  # motor_vehicle; also the table name and the bus topic suffix
    path: str  # /VIID/<path>
    list_key: str  # MotorVehicleListObject
    object_key: str  # MotorVehicleObject
    query_prefix: str  # MotorVehicle (in <Object>.<Field>=v)
    id_field: str
    id_len: int
    time_fields: tuple[str, ...]  # the first present one is the record's event time
    columns: tuple[Column, ...]
    order_key: str  # first ORDER BY column: the look-up key
    subscribe_code: str  # SubscribeDetail code
    notification_key: str  # key in SubscribeNotificationObject
    nested: str = ""  # the object's fields live under this key (ImageObject.ImageInfo)

    @property
    def topic_subject(self) -> str:
        return f"records.{self.name}"

    @property
    def fields(self) -> dict[str, Column]:
        return {c.field: c for c in self.columns}


def _s(name: str, field: str, max_len: int = 0) -> Column:
    return Column(
        name, field, "LowCardinality(String)" if max_len and max_len <= 8 else "String", "str", max_len
    )


def _i(name: str, field: str) -> Column:
    return Column(name, field, "Int32", "int")


_BOX = (
    _i("left_top_x", "LeftTopX"),
    _i("left_top_y", "LeftTopY"),
    _i("right_btm_x", "RightBtmX"),
    _i("right_btm_y", "RightBtmY"),
)

MOTOR_VEHICLE = Kind(
    name="motor_vehicle",
    path="MotorVehicles",
    list_key="MotorVehicleListObject",
    object_key="MotorVehicleObject",
    query_prefix="MotorVehicle",
    id_field="MotorVehicleID",
    id_len=48,
    time_fields=("PassTime", "AppearTime", "MarkTime", "DisappearTime"),
    columns=(
        _s("tollgate_id", "TollgateID", 20),
        _i("lane_no", "LaneNo"),
        _s("plate_no", "PlateNo", 15),
        _s("plate_color", "PlateColor", 2),
        _s("plate_class", "PlateClass", 2),
        _s("vehicle_class", "VehicleClass", 3),
        _s("vehicle_color", "VehicleColor", 2),
        _s("vehicle_brand", "VehicleBrand", 8),
        Column("speed", "Speed", "Float32", "float"),
        _s("direction", "Direction", 2),
        *_BOX,
    ),
    order_key="plate_no",
    subscribe_code="13",
    notification_key="MotorVehicleObjectList",
)
FACE = Kind(
    name="face",
    path="Faces",
    list_key="FaceListObject",
    object_key="FaceObject",
    query_prefix="Face",
    id_field="FaceID",
    id_len=48,
    time_fields=("ShotTime", "FaceAppearTime", "LocationMarkTime", "FaceDisAppearTime"),
    columns=(
        _s("gender_code", "GenderCode", 2),
        _i("age_lower", "AgeLowerLimit"),
        _i("age_up", "AgeUpLimit"),
        _s("glass_style", "GlassStyle", 8),
        *_BOX,
    ),
    order_key="device_id",
    subscribe_code="12",
    notification_key="FaceObjectList",
)
PERSON = Kind(
    name="person",
    path="Persons",
    list_key="PersonListObject",
    object_key="PersonObject",
    query_prefix="Person",
    id_field="PersonID",
    id_len=48,
    time_fields=("PersonAppearTime", "ShotTime", "LocationMarkTime", "PersonDisAppearTime"),
    columns=(
        _s("gender_code", "GenderCode", 2),
        _s("coat_color", "CoatColor", 8),
        _s("trousers_color", "TrousersColor", 8),
        _i("height_up", "HeightUpLimit"),
        _i("height_lower", "HeightLowerLimit"),
        *_BOX,
    ),
    order_key="device_id",
    subscribe_code="11",
    notification_key="PersonObjectList",
)
NON_MOTOR_VEHICLE = Kind(
    name="non_motor_vehicle",
    path="NonMotorVehicles",
    list_key="NonMotorVehicleListObject",
    object_key="NonMotorVehicleObject",
    query_prefix="NonMotorVehicle",
    id_field="NonMotorVehicleID",
    id_len=48,
    time_fields=("AppearTime", "LocationMarkTime", "MarkTime", "DisappearTime"),
    columns=(
        _s("plate_no", "PlateNo", 15),
        _s("vehicle_type", "VehicleType", 8),
        _s("vehicle_color", "VehicleColor", 2),
        *_BOX,
    ),
    order_key="device_id",
    subscribe_code="14",
    notification_key="NonMotorVehicleObjectList",
)
IMAGE = Kind(
    name="image",
    path="Images",
    list_key="ImageListObject",
    object_key="ImageObject",
    query_prefix="Image",
    id_field="ImageID",
    id_len=41,
    time_fields=("ShotTime",),
    columns=(
        _s("event_sort", "EventSort", 8),
        _s("file_format", "FileFormat", 8),
        _i("width", "Width"),
        _i("height", "Height"),
    ),
    order_key="device_id",
    subscribe_code="16",
    notification_key="ImageObjectList",
    nested="ImageInfo",
)

RECORD_KINDS = (MOTOR_VEHICLE, FACE, PERSON, NON_MOTOR_VEHICLE)
ALL_KINDS = (*RECORD_KINDS, IMAGE)
BY_NAME = {k.name: k for k in ALL_KINDS}
BY_PATH = {k.path: k for k in ALL_KINDS}

# Identity and criminal-record fields (GA/T 1400 FaceObject / PersonObject): dropped on ingest unless
# the sender may send them and the setting keeps them.
IDENTITY_FIELDS = frozenset(
    {
        "IDType",
        "IDNumber",
        "Name",
        "UsedName",
        "Alias",
        "IsCriminalInvolved",
        "CriminalInvolvedSpecilisationCode",
        "CriminalInvolvedSpecialisationCode",
        "BodySpeciallMark",
        "CrimeMethod",
        "CrimeCharacterCode",
        "EscapedCriminalNumber",
        "IsDetainees",
        "DetentionHouseCode",
        "DetaineesIdentity",
        "DetaineesSpecialIdentity",
        "MemberTypeCode",
        "IsVictim",
        "VictimType",
        "InjuredDegree",
        "CorpseConditionCode",
        "IsSuspiciousPerson",
        "IsSuspectedTerrorist",
        "SuspectedTerroristNumber",
        "ImmigrantTypeCode",
        "PassportType",
        "PhoneNumber",
    }
)
