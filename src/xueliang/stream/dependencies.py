"""stream route dependencies: the relay manager, an optional purpose, the channel loader."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Path, Query, Request

from xueliang.api.deps import SessionDep
from xueliang.audit.dependencies import PurposeContext
from xueliang.camera import service as cameras
from xueliang.camera.gbid import parse_gbid
from xueliang.camera.models import Channel
from xueliang.stream.manager import RelayManager


def get_manager(request: Request) -> RelayManager:
    manager: RelayManager = request.app.state.relays
    return manager


def optional_purpose(
    request: Request,
    case_id: Annotated[str | None, Query(max_length=64, description="Case (案件) number.")] = None,
    purpose: Annotated[
        str | None, Query(max_length=500, description="Why (needed for non-public cameras).")
    ] = None,
    x_case_id: Annotated[str | None, Header(max_length=64)] = None,
    x_purpose: Annotated[str | None, Header(max_length=500)] = None,
) -> PurposeContext:
    """Like ``Purpose`` but not required here: the service requires it for non-public cameras."""
    context = PurposeContext(
        case_id=(case_id or x_case_id or "").strip() or None,
        purpose=(purpose or x_purpose or "").strip() or None,
    )
    request.state.purpose = context
    return context


def valid_channel(db: SessionDep, channel_id: Annotated[str, Path(max_length=32)]) -> Channel:
    parse_gbid(channel_id, field="channel_id")
    return cameras.get_channel_or_raise(db=db, channel_id=channel_id)


Relays = Annotated[RelayManager, Depends(get_manager)]
OptionalPurpose = Annotated[PurposeContext, Depends(optional_purpose)]
ValidChannel = Annotated[Channel, Depends(valid_channel)]
