from __future__ import annotations

from enum import StrEnum


class Owner(StrEnum):
    own = "own"  # the city's own (public security, traffic, …)
    social = "social"  # third-party: shops, estates, schools (社会资源)


class DeviceKind(StrEnum):
    ipc = "ipc"
    nvr = "nvr"
    dvr = "dvr"
    checkpoint = "checkpoint"  # a checkpoint system pushing GA/T 1400 passes
    face_capture = "face_capture"
    platform = "platform"  # a lower-level platform (sub-platform, department platform)


class ChannelKind(StrEnum):
    face_capture = "face_capture"
    checkpoint = "checkpoint"
    ordinary = "ordinary"
    traffic = "traffic"
    legacy = "legacy"


class Admission(StrEnum):
    """Device admission (安全准入): only admitted devices may stream or upload."""

    pending = "pending"
    admitted = "admitted"
    revoked = "revoked"


class Status(StrEnum):
    unknown = "unknown"
    online = "online"
    offline = "offline"


class CatalogKind(StrEnum):
    business_group = "business_group"  # GB/T 28181 type 215
    virtual_org = "virtual_org"  # type 216


class PeerKind(StrEnum):
    master = "master"  # the city master platform (上级)
    sub = "sub"  # governance or police sub-platform (下级)
    department = "department"


class Right(StrEnum):
    live = "live"
    playback = "playback"
    snapshot = "snapshot"
    export = "export"


class AlarmKind(StrEnum):
    unknown_device = "unknown_device"
    not_admitted = "not_admitted"
    identity_changed = "identity_changed"
