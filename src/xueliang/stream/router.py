"""Live view, snapshots and public links. HLS files are served only to the viewer who started
them (session cookie or token), or through a valid public link."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import FileResponse, JSONResponse, Response

from xueliang.api import API_PREFIX
from xueliang.api.deps import SessionDep, SettingsDep
from xueliang.api.errors import problem
from xueliang.auth.dependencies import require
from xueliang.auth.enums import Permission
from xueliang.auth.principal import Principal
from xueliang.camera.service import DeviceNotAdmittedError
from xueliang.stream import service
from xueliang.stream.dependencies import OptionalPurpose, Relays, ValidChannel
from xueliang.stream.exceptions import CameraOfflineError
from xueliang.stream.plugins import relay_options
from xueliang.stream.schemas import LiveRead, PublicLinkCreate, PublicLinkRead

router = APIRouter(prefix=API_PREFIX, tags=["video"])
Live = Annotated[Principal, Depends(require(Permission.video_live))]
Manager = Annotated[Principal, Depends(require(Permission.camera_manage))]
NO_CACHE = {"Cache-Control": "no-cache, no-store"}


def _offline(request: Request, exc: CameraOfflineError) -> JSONResponse:
    """Answered here (not raised) so that the camera's offline status and the audit entry commit."""
    return problem(exc.status, exc.code, exc.title, exc.detail, request, state="offline")


def _refused(request: Request, exc: DeviceNotAdmittedError) -> JSONResponse:
    """Answered here (not raised) so that the admission alarm and the audit entries commit."""
    return problem(exc.status, exc.code, exc.title, exc.detail, request, state="refused")


Intake = (CameraOfflineError, DeviceNotAdmittedError)


def _answer(request: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, DeviceNotAdmittedError):
        return _refused(request, exc)
    assert isinstance(exc, CameraOfflineError)
    return _offline(request, exc)


@router.post(
    "/cameras/{channel_id}/live",
    response_model=LiveRead,
    responses={503: {"description": "offline"}, 403: {"description": "device not admitted"}},
)
def start_live(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    principal: Live,
    channel: ValidChannel,
    relays: Relays,
    purpose: OptionalPurpose,
) -> LiveRead | JSONResponse:
    """Start or join the camera's live relay; returns the HLS playlist URL for this viewer."""
    try:
        return service.start_live(
            db=db,
            principal=principal,
            manager=relays,
            channel=channel,
            key=settings.effective_secret(),
            purpose=purpose,
        )
    except Intake as exc:
        return _answer(request, exc)


@router.delete("/cameras/{channel_id}/live/{viewer}", status_code=status.HTTP_204_NO_CONTENT)
def leave_live(channel_id: str, viewer: str, principal: Live, relays: Relays) -> Response:
    relays.leave(channel_id, viewer)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/cameras/{channel_id}/live/{viewer}/{name}", include_in_schema=False)
def live_file(
    channel_id: str,
    viewer: str,
    name: str,
    db: SessionDep,
    principal: Live,
    channel: ValidChannel,
    relays: Relays,
) -> FileResponse:
    path = service.live_file(  # 404 unless the viewer is the caller's own
        manager=relays, channel_id=channel_id, viewer=viewer, username=principal.username, name=name
    )
    if name.endswith(".m3u8"):  # players re-read the playlist every segment: re-check access there
        service.recheck_live(db=db, principal=principal, manager=relays, channel=channel, viewer=viewer)
    return FileResponse(path, headers=NO_CACHE if name.endswith(".m3u8") else None)


@router.get("/cameras/{channel_id}/snapshot", responses={200: {"content": {"image/jpeg": {}}}})
def snapshot(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    principal: Live,
    channel: ValidChannel,
    purpose: OptionalPurpose,
) -> Response:
    """One keyframe of the stream as JPEG."""
    try:
        image = service.snapshot(
            db=db,
            principal=principal,
            plugin=request.app.state.relays.plugin,
            options=relay_options(settings),
            channel=channel,
            key=settings.effective_secret(),
            purpose=purpose,
        )
    except Intake as exc:
        return _answer(request, exc)
    return Response(image, media_type="image/jpeg", headers=NO_CACHE)


@router.post("/cameras/{channel_id}/public-links", response_model=PublicLinkRead, status_code=201)
def create_public_link(
    db: SessionDep, settings: SettingsDep, principal: Manager, channel: ValidChannel, body: PublicLinkCreate
) -> PublicLinkRead:
    return service.create_public_link(
        db=db,
        principal=principal,
        channel=channel,
        key=settings.effective_secret(),
        ttl=body.ttl_seconds,
        max_ttl=settings.stream_public_link_max_seconds,
    )


@router.get("/public/{token}/live", response_model=LiveRead, tags=["public"])
def public_live(
    request: Request, db: SessionDep, settings: SettingsDep, token: str, relays: Relays
) -> LiveRead | JSONResponse:
    """Watch a public camera through a signed link (no login); capped viewers."""
    key = settings.effective_secret()
    channel = service.public_channel(db=db, key=key, token=token)
    try:
        return service.join_public(
            db=db,
            manager=relays,
            channel=channel,
            key=key,
            token=token,
            cap=settings.stream_public_viewer_cap,
        )
    except Intake as exc:
        return _answer(request, exc)


@router.get("/public/{token}/{viewer}/{name}", include_in_schema=False)
def public_file(
    db: SessionDep, settings: SettingsDep, token: str, viewer: str, name: str, relays: Relays
) -> FileResponse:
    channel = service.public_channel(db=db, key=settings.effective_secret(), token=token)
    path = service.live_file(
        manager=relays, channel_id=channel.channel_id, viewer=viewer, username=f"public:{token}", name=name
    )
    return FileResponse(path, headers=NO_CACHE if name.endswith(".m3u8") else None)
