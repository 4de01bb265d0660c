"""Camera API bodies and answers. Stream URLs and device secrets go in, never out."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from xueliang.api.schemas import ReadModel, StrictInput
from xueliang.camera.enums import CatalogKind, ChannelKind, DeviceKind, Owner, PeerKind, Right


class ChannelCreate(StrictInput):
    channel_id: str = Field(description="GB/T 28181 20-digit channel id (validated: digits, type code).")
    name: str = Field(min_length=1, max_length=200)
    kind: ChannelKind = ChannelKind.ordinary
    owner: Owner = Owner.own
    device_id: str | None = Field(
        None, description="Device the channel belongs to; default: itself (an IPC)."
    )
    region_code: str | None = Field(None, max_length=12)
    grid_code: str | None = Field(None, max_length=32)
    longitude: float | None = Field(None, ge=-180, le=180)
    latitude: float | None = Field(None, ge=-90, le=90)
    org_unit_id: int | None = None
    main_stream_url: str | None = Field(None, max_length=1000, description="Stored encrypted, never echoed.")
    sub_stream_url: str | None = Field(None, max_length=1000, description="Stored encrypted, never echoed.")
    is_public: bool = False
    ptz: bool = False


class ChannelUpdate(StrictInput):
    name: str | None = Field(None, min_length=1, max_length=200)
    kind: ChannelKind | None = None
    owner: Owner | None = None
    region_code: str | None = Field(None, max_length=12)
    grid_code: str | None = Field(None, max_length=32)
    longitude: float | None = Field(None, ge=-180, le=180)
    latitude: float | None = Field(None, ge=-90, le=90)
    org_unit_id: int | None = None
    main_stream_url: str | None = Field(None, max_length=1000)
    sub_stream_url: str | None = Field(None, max_length=1000)
    is_public: bool | None = None
    ptz: bool | None = None


class ChannelRead(ReadModel):
    channel_id: str
    name: str
    kind: str
    owner: str
    device_id: str | None = None
    region_code: str | None
    grid_code: str | None
    longitude: float | None
    latitude: float | None
    org_unit_id: int | None
    tollgate_id: str | None = None
    is_public: bool
    ptz: bool
    status: str
    has_main_stream: bool = False
    has_sub_stream: bool = False


class DeviceRead(ReadModel):
    device_id: str
    name: str
    kind: str
    owner: str
    admission: str
    status: str
    bound_ip: str | None
    bound_mac: str | None
    cert_fingerprint: str | None
    has_secret: bool = False
    registered_at: datetime | None
    last_keepalive_at: datetime | None


class DeviceKindIn(StrictInput):
    kind: DeviceKind


class AdmitInput(StrictInput):
    secret: str | None = Field(
        None, min_length=8, max_length=128, description="Digest password; kept if omitted."
    )
    bound_ip: str | None = Field(None, max_length=64)
    bound_mac: str | None = Field(None, pattern=r"^([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}$")
    cert_fingerprint: str | None = Field(
        None, max_length=95, description="SHA-256 of the device certificate."
    )


class IdentityCheck(StrictInput):
    device_id: str = Field(max_length=32)
    secret: str | None = Field(None, max_length=128)
    client_ip: str | None = Field(None, max_length=64)
    mac: str | None = Field(None, max_length=17)
    cert_fingerprint: str | None = Field(None, max_length=95)


class AlarmRead(ReadModel):
    id: int
    kind: str
    device_id: str
    client_ip: str | None
    detail: str
    created_at: datetime


class CatalogNodeCreate(StrictInput):
    node_id: str = Field(
        description="20 digits, type code 215 (business group) or 216 (virtual organisation)."
    )
    name: str = Field(min_length=1, max_length=200)
    kind: CatalogKind
    parent_id: str | None = None
    org_unit_id: int | None = None


class CatalogNodeRead(ReadModel):
    node_id: str
    name: str
    kind: str
    parent_id: str | None = None
    org_unit_id: int | None


class MembersInput(StrictInput):
    channel_ids: list[str] = Field(min_length=1, max_length=5000)


class TreeNode(ReadModel):
    key: str = Field(description="Region code, 'org:<id>' or a catalog node id.")
    name: str
    kind: str = Field(description="region level, department, business_group or virtual_org.")
    total: int
    online: int
    has_children: bool
    children: list[TreeNode] = Field(default_factory=list)


class PeerCreate(StrictInput):
    platform_id: str = Field(description="20-digit platform id, type code 200 (SIP server / platform).")
    name: str = Field(min_length=1, max_length=200)
    kind: PeerKind
    token_days: int | None = Field(365, ge=1, le=3650, description="Token validity; null = no expiry.")


class PeerRead(ReadModel):
    id: int
    platform_id: str
    name: str
    kind: str
    enabled: bool
    created_at: datetime


class PeerCreated(PeerRead):
    token: str = Field(description="The peer's API token; shown once.")


class GrantCreate(StrictInput):
    org_unit_id: int | None = None
    peer_platform_id: str | None = None
    channel_id: str | None = None
    node_id: str | None = None
    region_code: str | None = Field(None, min_length=2, max_length=12, pattern=r"^\d+$")
    rights: list[Right] = Field(min_length=1)
    valid_from: datetime | None = None
    valid_until: datetime | None = None


class GrantRead(ReadModel):
    id: int
    org_unit_id: int | None
    peer_pk: int | None
    channel_pk: int | None
    node_pk: int | None
    region_code: str | None
    rights: str
    valid_from: datetime
    valid_until: datetime | None
    revoked_at: datetime | None
    created_by: str


class SyncItem(ReadModel):
    channel: ChannelRead
    rights: list[str]
    nodes: list[str] = Field(default_factory=list, description="Catalog nodes the channel sits under.")
