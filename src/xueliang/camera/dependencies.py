"""Loaders and permission aliases for the camera routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path

from xueliang.api.deps import SessionDep
from xueliang.auth.dependencies import require
from xueliang.auth.enums import Permission
from xueliang.auth.principal import Principal
from xueliang.camera import service
from xueliang.camera.gbid import parse_gbid
from xueliang.camera.models import Device

Reader = Annotated[Principal, Depends(require(Permission.camera_read))]
Manager = Annotated[Principal, Depends(require(Permission.camera_manage))]
ChannelIdPath = Annotated[str, Path(max_length=32, description="20-digit GB/T 28181 channel id.")]


def valid_device(db: SessionDep, device_id: Annotated[str, Path(max_length=32)]) -> Device:
    parse_gbid(device_id, field="device_id")
    return service.get_device_or_raise(db=db, device_id=device_id)


ValidDevice = Annotated[Device, Depends(valid_device)]
