"""Registry tables: devices (what connects), channels (what films), tollgates and lanes.

A device is the thing that connects and authenticates (an IPC, an NVR, a checkpoint system, a
lower platform); a channel is one video source on it (GB/T 28181 channel id). Stream URLs and
device secrets are stored encrypted (``core.crypto``, labels in ``camera.service``) and never
echoed by the API.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from xueliang.core.db import Base, utcnow


class Device(Base):
    __tablename__ = "camera_device"

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    owner: Mapped[str] = mapped_column(String(16), default="own")
    org_unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("org_unit.id", ondelete="SET NULL"), index=True
    )
    region_code: Mapped[str | None] = mapped_column(String(12), index=True)
    longitude: Mapped[float | None] = mapped_column(Float)
    latitude: Mapped[float | None] = mapped_column(Float)
    manufacturer: Mapped[str] = mapped_column(String(100), default="")
    model: Mapped[str] = mapped_column(String(100), default="")
    # admission (安全准入)
    admission: Mapped[str] = mapped_column(String(16), default="pending")
    secret_enc: Mapped[str | None] = mapped_column(Text)  # Digest password, encrypted
    bound_ip: Mapped[str | None] = mapped_column(String(64))
    bound_mac: Mapped[str | None] = mapped_column(String(17))
    cert_fingerprint: Mapped[str | None] = mapped_column(String(95))
    may_send_identity: Mapped[bool] = mapped_column(Boolean, default=False)
    # liveness
    status: Mapped[str] = mapped_column(String(16), default="unknown")
    registered_at: Mapped[datetime | None]
    last_keepalive_at: Mapped[datetime | None]
    status_changed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Tollgate(Base):
    """A vehicle checkpoint (视频卡口, GA/T 1400 TollgateObject)."""

    __tablename__ = "camera_tollgate"

    id: Mapped[int] = mapped_column(primary_key=True)
    tollgate_id: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    longitude: Mapped[float | None] = mapped_column(Float)
    latitude: Mapped[float | None] = mapped_column(Float)
    region_code: Mapped[str | None] = mapped_column(String(12), index=True)
    category: Mapped[str] = mapped_column(String(8), default="")  # TollgateCat
    usage: Mapped[str] = mapped_column(String(8), default="")  # TollgateUsage
    lane_count: Mapped[int] = mapped_column(Integer, default=0)
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default="unknown")


class Channel(Base):
    __tablename__ = "camera_channel"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(20), unique=True)
    device_pk: Mapped[int | None] = mapped_column(
        ForeignKey("camera_device.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    owner: Mapped[str] = mapped_column(String(16), default="own")
    org_unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("org_unit.id", ondelete="SET NULL"), index=True
    )
    region_code: Mapped[str | None] = mapped_column(String(12), index=True)
    grid_code: Mapped[str | None] = mapped_column(String(32), index=True)
    longitude: Mapped[float | None] = mapped_column(Float)
    latitude: Mapped[float | None] = mapped_column(Float)
    tollgate_pk: Mapped[int | None] = mapped_column(
        ForeignKey("camera_tollgate.id", ondelete="SET NULL"), index=True
    )
    main_stream_enc: Mapped[str | None] = mapped_column(Text)
    sub_stream_enc: Mapped[str | None] = mapped_column(Text)
    is_public: Mapped[bool] = mapped_column(Boolean, default=False)
    ptz: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="unknown")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Lane(Base):
    __tablename__ = "camera_lane"
    __table_args__ = (UniqueConstraint("tollgate_pk", "lane_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tollgate_pk: Mapped[int] = mapped_column(ForeignKey("camera_tollgate.id", ondelete="CASCADE"))
    lane_no: Mapped[int] = mapped_column(Integer)
    direction: Mapped[str] = mapped_column(String(8), default="")
    description: Mapped[str] = mapped_column(String(200), default="")
    channel_pk: Mapped[int | None] = mapped_column(ForeignKey("camera_channel.id", ondelete="SET NULL"))


class CatalogNode(Base):
    """A business group (业务分组, type 215) or virtual organisation (虚拟组织, type 216) of the
    department catalog; channels are placed under nodes through ``CatalogMember``."""

    __tablename__ = "camera_catalog_node"

    id: Mapped[int] = mapped_column(primary_key=True)
    node_id: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(24))
    parent_pk: Mapped[int | None] = mapped_column(
        ForeignKey("camera_catalog_node.id", ondelete="CASCADE"), index=True
    )
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id", ondelete="SET NULL"))


class CatalogMember(Base):
    __tablename__ = "camera_catalog_member"

    node_pk: Mapped[int] = mapped_column(
        ForeignKey("camera_catalog_node.id", ondelete="CASCADE"), primary_key=True
    )
    channel_pk: Mapped[int] = mapped_column(
        ForeignKey("camera_channel.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Peer(Base):
    """Another platform (city master, governance or police sub-platform, a department platform)
    that reaches this one with an API token of its service account."""

    __tablename__ = "camera_peer"

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), unique=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Grant(Base):
    """Rights on a camera, a catalog node (with its sub-nodes) or a region, for a department or a peer,
    valid in [valid_from, valid_until)."""

    __tablename__ = "camera_grant"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id", ondelete="CASCADE"), index=True)
    peer_pk: Mapped[int | None] = mapped_column(ForeignKey("camera_peer.id", ondelete="CASCADE"), index=True)
    channel_pk: Mapped[int | None] = mapped_column(ForeignKey("camera_channel.id", ondelete="CASCADE"))
    node_pk: Mapped[int | None] = mapped_column(ForeignKey("camera_catalog_node.id", ondelete="CASCADE"))
    region_code: Mapped[str | None] = mapped_column(String(12))
    rights: Mapped[str] = mapped_column(String(64))  # comma-separated Right values
    valid_from: Mapped[datetime] = mapped_column(default=utcnow)
    valid_until: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    created_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Alarm(Base):
    """An admission alarm (unknown device, changed identity); ops consumes these."""

    __tablename__ = "camera_alarm"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    device_id: Mapped[str] = mapped_column(String(32), index=True)
    client_ip: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(String(400), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    acknowledged_at: Mapped[datetime | None]
