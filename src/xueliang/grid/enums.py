"""Levels and relation types of the grid registry (stored as their values)."""

from __future__ import annotations

from enum import StrEnum


class AreaLevel(StrEnum):
    city = "city"
    district = "district"  # 区县
    town = "town"  # 街道 / 镇
    community = "community"  # 社区 / 村


class AddressLevel(StrEnum):
    """The standard address tree (标准地址), top to bottom."""

    city = "city"
    district = "district"
    street = "street"  # 街道 / 镇
    community = "community"
    grid = "grid"
    estate = "estate"  # 小区 / 街路巷
    building = "building"  # 楼栋
    unit = "unit"  # 单元
    room = "room"  # 户室


AREA_TO_ADDRESS = {
    AreaLevel.city: AddressLevel.city,
    AreaLevel.district: AddressLevel.district,
    AreaLevel.town: AddressLevel.street,
    AreaLevel.community: AddressLevel.community,
}


class MemberRole(StrEnum):
    full_time = "full_time"  # 专职
    part_time = "part_time"  # 兼职
    leader = "leader"  # 网格长


class HousingRelation(StrEnum):
    owner = "owner"  # 户主 / 业主
    family = "family"  # 家庭成员
    tenant = "tenant"  # 租户
    landlord = "landlord"  # 房东
    custodian = "custodian"  # 代管人


class ResidenceType(StrEnum):
    resident = "resident"  # 常住
    temporary = "temporary"  # 暂住
    floating = "floating"  # 流动


RELATION_NAMES = {
    "户主": HousingRelation.owner,
    "业主": HousingRelation.owner,
    "家庭成员": HousingRelation.family,
    "租户": HousingRelation.tenant,
    "房东": HousingRelation.landlord,
    "代管人": HousingRelation.custodian,
}
RESIDENCE_NAMES = {
    "常住": ResidenceType.resident,
    "暂住": ResidenceType.temporary,
    "流动": ResidenceType.floating,
}
