"""Grid registry tables. Geometry columns are ``gis.types.Geometry`` (WKB on SQLite, PostGIS on
PostgreSQL); polygon tables carry bbox columns for a B-tree prefilter on SQLite.

Never stored: ethnicity, religion or any other sensitive trait. ID numbers and phones are stored
only encrypted (AES-GCM), with a keyed hash for exact look-up and a masked copy for display.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from xueliang.core.db import Base, utcnow
from xueliang.gis.types import Geometry


class BBoxMixin:
    min_x: Mapped[float] = mapped_column(Float)
    min_y: Mapped[float] = mapped_column(Float)
    max_x: Mapped[float] = mapped_column(Float)
    max_y: Mapped[float] = mapped_column(Float)

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        return (self.min_x, self.min_y, self.max_x, self.max_y)


class AdminArea(BBoxMixin, Base):
    """区县 / 街道(镇) / 社区(村), with the 12-digit statistical division code."""

    __tablename__ = "admin_area"
    __table_args__ = (Index("ix_admin_area_bbox", "min_x", "min_y"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(16), index=True)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("admin_area.id", ondelete="RESTRICT"), index=True
    )
    geom: Mapped[Any] = mapped_column(Geometry("MULTIPOLYGON"))
    area_m2: Mapped[float | None] = mapped_column(Float)


class Grid(BBoxMixin, Base):
    """A unit grid (CJ/T 213 coding: community code + serial), valid from/to."""

    __tablename__ = "grid"
    __table_args__ = (Index("ix_grid_bbox", "min_x", "min_y"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(16), default="unit")
    community_id: Mapped[int | None] = mapped_column(
        ForeignKey("admin_area.id", ondelete="RESTRICT"), index=True
    )
    geom: Mapped[Any] = mapped_column(Geometry("MULTIPOLYGON"))
    area_m2: Mapped[float | None] = mapped_column(Float)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class GridMember(Base):
    """A grid worker assigned to a grid (专职 / 兼职 / 网格长) for a period."""

    __tablename__ = "grid_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grid.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16), default="full_time")
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)


class Address(Base):
    """One node of the standard address tree; the address code is the key."""

    __tablename__ = "address"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    parent_code: Mapped[str | None] = mapped_column(
        ForeignKey("address.code", ondelete="RESTRICT"), index=True
    )
    level: Mapped[str] = mapped_column(String(16), index=True)
    name: Mapped[str] = mapped_column(String(200))
    full_name: Mapped[str] = mapped_column(String(500), default="")
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grid.id", ondelete="SET NULL"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="active")
    source: Mapped[str | None] = mapped_column(String(64))


class Building(BBoxMixin, Base):
    """楼栋: footprint, floors, use, estate (小区); assigned to a grid by point-in-polygon."""

    __tablename__ = "building"
    __table_args__ = (Index("ix_building_bbox", "min_x", "min_y"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    address_code: Mapped[str | None] = mapped_column(
        ForeignKey("address.code", ondelete="SET NULL"), index=True
    )
    estate_code: Mapped[str | None] = mapped_column(String(32))
    estate_name: Mapped[str | None] = mapped_column(String(200))
    number: Mapped[str | None] = mapped_column(String(32))
    use: Mapped[str | None] = mapped_column(String(32))
    floors_above: Mapped[int | None] = mapped_column(Integer)
    floors_below: Mapped[int | None] = mapped_column(Integer)
    declared_units: Mapped[int | None] = mapped_column(Integer)
    footprint: Mapped[Any | None] = mapped_column(Geometry("POLYGON"))
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grid.id", ondelete="SET NULL"), index=True)
    address: Mapped[str | None] = mapped_column(String(500))


class HousingUnit(Base):
    """房屋 (户室) in a building."""

    __tablename__ = "housing_unit"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    building_id: Mapped[int] = mapped_column(ForeignKey("building.id", ondelete="CASCADE"), index=True)
    address_code: Mapped[str | None] = mapped_column(
        ForeignKey("address.code", ondelete="SET NULL"), index=True
    )
    entrance: Mapped[str | None] = mapped_column(String(8))
    floor: Mapped[int | None] = mapped_column(Integer)
    room: Mapped[str | None] = mapped_column(String(16))
    area_m2: Mapped[float | None] = mapped_column(Float)
    occupancy: Mapped[str | None] = mapped_column(String(16))
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grid.id", ondelete="SET NULL"), index=True)


class Resident(Base):
    """实有人口. ``id_no_*`` and ``phone_*``: ciphertext, keyed hash (blind index), masked copy."""

    __tablename__ = "resident"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(100), index=True)
    gender: Mapped[str | None] = mapped_column(String(1))
    birth_date: Mapped[date | None] = mapped_column(Date)
    id_type: Mapped[str] = mapped_column(String(8), default="111")  # GA/T 517: 居民身份证
    id_no_enc: Mapped[str | None] = mapped_column(String(128))
    id_no_hmac: Mapped[str | None] = mapped_column(String(64), index=True)
    id_no_masked: Mapped[str | None] = mapped_column(String(32))
    id_no_valid: Mapped[bool] = mapped_column(Boolean, default=True)
    phone_enc: Mapped[str | None] = mapped_column(String(128))
    phone_hmac: Mapped[str | None] = mapped_column(String(64), index=True)
    phone_masked: Mapped[str | None] = mapped_column(String(32))
    household_id: Mapped[int | None] = mapped_column(Integer, index=True)
    housing_unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("housing_unit.id", ondelete="SET NULL"), index=True
    )
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grid.id", ondelete="SET NULL"), index=True)
    residence_type: Mapped[str | None] = mapped_column(String(16))
    relation_to_head: Mapped[str | None] = mapped_column(String(16))


class ResidentHousing(Base):
    """人房关系: a person's relation to a housing unit, with validity."""

    __tablename__ = "resident_housing"

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("resident.id", ondelete="CASCADE"), index=True)
    housing_unit_id: Mapped[int] = mapped_column(
        ForeignKey("housing_unit.id", ondelete="CASCADE"), index=True
    )
    relation: Mapped[str] = mapped_column(String(16))
    residence_type: Mapped[str | None] = mapped_column(String(16))
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str | None] = mapped_column(String(64))


class ClientFieldPolicy(Base):
    """Field whitelist of an API client (a service user holding API tokens) for resident reads."""

    __tablename__ = "grid_client_policy"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    fields: Mapped[list[str]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ImportProgress(Base):
    """Per-file checkpoint of ``xueliang grid import``: rows committed so far (resumable)."""

    __tablename__ = "grid_import_progress"

    source: Mapped[str] = mapped_column(String(500), primary_key=True)
    file: Mapped[str] = mapped_column(String(200), primary_key=True)
    line: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
