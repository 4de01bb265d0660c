"""Loaders and injectables of the ops API."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from xueliang.api.deps import SettingsDep
from xueliang.auth.dependencies import require
from xueliang.auth.enums import Permission
from xueliang.auth.principal import Principal
from xueliang.core.blobs import BlobStore
from xueliang.ops.diagnosis import Snapshotter
from xueliang.ops.scheduled import default_snapshotter


def get_snapshotter(request: Request, settings: SettingsDep) -> Snapshotter:
    """``app.state.ops_snapshotter`` when set (tests), else the stream relay plugin's snapshot."""
    found: Snapshotter | None = getattr(request.app.state, "ops_snapshotter", None)
    return found or default_snapshotter(settings)


def get_blobs(settings: SettingsDep) -> BlobStore:
    return BlobStore(settings.data_dir / "blobs")


Reader = Annotated[Principal, Depends(require(Permission.ops_read))]
Maintainer = Annotated[Principal, Depends(require(Permission.ops_maintain))]
SnapshotterDep = Annotated[Snapshotter, Depends(get_snapshotter)]
Blobs = Annotated[BlobStore, Depends(get_blobs)]
