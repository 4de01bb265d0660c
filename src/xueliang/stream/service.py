"""Live view, snapshots and public links: rights, purpose and audit around the relay manager."""

from __future__ import annotations

import re
import secrets
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from xueliang.audit import service as audit
from xueliang.audit.dependencies import MIN_PURPOSE_CHARS, PurposeContext
from xueliang.audit.enums import Outcome
from xueliang.auth.principal import Principal
from xueliang.camera import access, flows
from xueliang.camera import service as cameras
from xueliang.camera.enums import Right, Status
from xueliang.camera.models import Channel, Device
from xueliang.core.exceptions import ForbiddenError, InvalidInputError, NotFoundError, PurposeRequiredError
from xueliang.stream import links
from xueliang.stream.exceptions import CameraOfflineError, LinkInvalidError
from xueliang.stream.manager import PUBLIC_PREFIX, RelayManager
from xueliang.stream.relay import RelayOptions, RelayPlugin
from xueliang.stream.schemas import LiveRead, PublicLinkRead

HLS_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}\.(m3u8|ts|m4s|mp4)$")
LIVE = "/api/v1/cameras/{channel_id}/live/{viewer}/index.m3u8"
PUBLIC = "/api/v1/public/{token}/{viewer}/index.m3u8"


def source_of(*, channel: Channel, key: str) -> str:
    source = cameras.stream_url(channel=channel, key=key, which="sub")
    if source is None:
        raise CameraOfflineError("offline: no stream URL registered", channel_id=channel.channel_id)
    return source


def device_id_of(*, db: Session, channel: Channel) -> str:
    """The id of the channel's device (an IPC without a device row is its own device)."""
    if channel.device_pk is None:
        return channel.channel_id
    return db.scalar(select(Device.device_id).where(Device.id == channel.device_pk)) or channel.channel_id


def admitted_source(*, db: Session, channel: Channel, key: str, source: str | None = None) -> str:
    """The stream URL to pull, once the channel's device passes admission (安全准入); otherwise
    ``DeviceNotAdmittedError`` after an alarm and an audit entry written in ``db`` (the routers answer
    the refusal themselves so that both commit)."""
    source = source or source_of(channel=channel, key=key)
    flows.check_pull_source(
        db=db,
        device_id=device_id_of(db=db, channel=channel),
        source=source,
        channel_id=channel.channel_id,
        own_transaction=False,
    )
    return source


def require_viewing(
    *, db: Session, principal: Principal, channel: Channel, right: Right, purpose: PurposeContext
) -> None:
    """Scope or grant for ``right``; a non-public camera also needs a case or a purpose."""
    access.require_right(db=db, principal=principal, channel=channel, right=right)
    if channel.is_public:
        return
    if purpose.case_id is None and len(purpose.purpose or "") < MIN_PURPOSE_CHARS:
        raise PurposeRequiredError(
            f"camera {channel.channel_id} is not public: give a case number (case_id) or a purpose "
            f"of at least {MIN_PURPOSE_CHARS} characters"
        )


def _audit(
    db: Session,
    principal: Principal,
    action: str,
    channel: Channel,
    purpose: PurposeContext,
    outcome: Outcome = Outcome.ok,
    **request: object,
) -> None:
    audit.record(
        db=db,
        actor=principal,
        action=action,
        outcome=outcome,
        object_type="camera",
        object_id=channel.channel_id,
        purpose=purpose.purpose,
        case_id=purpose.case_id,
        request=request,
    )


def start_live(
    *,
    db: Session,
    principal: Principal,
    manager: RelayManager,
    channel: Channel,
    key: str,
    purpose: PurposeContext,
) -> LiveRead:
    require_viewing(db=db, principal=principal, channel=channel, right=Right.live, purpose=purpose)
    viewer = secrets.token_urlsafe(12)
    try:
        source = admitted_source(db=db, channel=channel, key=key)
    except cameras.DeviceNotAdmittedError as exc:
        _audit(db, principal, "stream.live", channel, purpose, Outcome.denied, state=exc.detail)
        raise
    try:
        manager.join(channel.channel_id, source, viewer=viewer, username=principal.username)
    except CameraOfflineError as exc:
        channel.status = Status.offline
        _audit(db, principal, "stream.live", channel, purpose, Outcome.failed, state=exc.detail)
        raise
    channel.status = Status.online
    _audit(db, principal, "stream.live", channel, purpose)
    url = LIVE.format(channel_id=channel.channel_id, viewer=viewer)
    return LiveRead(
        channel_id=channel.channel_id,
        state="live",
        viewer_id=viewer,
        playlist_url=url,
        viewers=manager.viewer_count(channel.channel_id),
    )


def recheck_live(
    *, db: Session, principal: Principal, manager: RelayManager, channel: Channel, viewer: str
) -> None:
    """A scope or grant that ended (validity passed, revoked), or a device whose admission was
    revoked, stops a running view at once: the viewer is dropped from the relay and the player
    gets 403 at its next playlist refresh."""
    device = db.get(Device, channel.device_pk) if channel.device_pk is not None else None
    try:
        access.require_right(db=db, principal=principal, channel=channel, right=Right.live)
        if device is not None:
            cameras.require_admitted(device=device)
    except ForbiddenError:
        manager.leave(channel.channel_id, viewer)
        raise


def live_file(*, manager: RelayManager, channel_id: str, viewer: str, username: str, name: str) -> Path:
    """A playlist or segment of a running relay, for one of the caller's viewers."""
    if not HLS_NAME.match(name):
        raise InvalidInputError("not an HLS file name", field="name")
    folder = manager.touch(channel_id, viewer, username)
    if folder is None:
        raise NotFoundError("no such live session (start it again)")
    path = folder / name
    if not path.is_file():
        raise NotFoundError(f"{name} is not ready yet")
    return path


def snapshot(
    *,
    db: Session,
    principal: Principal,
    plugin: RelayPlugin,
    options: RelayOptions,
    channel: Channel,
    key: str,
    purpose: PurposeContext,
) -> bytes:
    require_viewing(db=db, principal=principal, channel=channel, right=Right.snapshot, purpose=purpose)
    try:
        source = admitted_source(db=db, channel=channel, key=key)
    except cameras.DeviceNotAdmittedError as exc:
        _audit(db, principal, "stream.snapshot", channel, purpose, Outcome.denied, state=exc.detail)
        raise
    try:
        image = plugin.snapshot(source, options)
    except CameraOfflineError:
        raise
    except Exception as exc:
        from xueliang.stream.relay import offline_reason

        raise CameraOfflineError(offline_reason(exc), channel_id=channel.channel_id) from exc
    _audit(db, principal, "stream.snapshot", channel, purpose)
    return image


def create_public_link(
    *, db: Session, principal: Principal, channel: Channel, key: str, ttl: int, max_ttl: int
) -> PublicLinkRead:
    if not channel.is_public:
        raise LinkInvalidError(f"camera {channel.channel_id} is not published as public")
    expires = int(time.time()) + min(ttl, max_ttl)
    token = links.sign(key=key, channel_id=channel.channel_id, expires=expires)
    audit.record(
        db=db,
        actor=principal,
        action="stream.public_link",
        object_type="camera",
        object_id=channel.channel_id,
        request={"expires": expires},
    )
    return PublicLinkRead(
        channel_id=channel.channel_id,
        url=f"/api/v1/public/{token}/live",
        expires_at=datetime.fromtimestamp(expires, tz=UTC),
    )


def public_channel(*, db: Session, key: str, token: str) -> Channel:
    channel = cameras.get_channel(db=db, channel_id=links.verify(key=key, token=token))
    if channel is None or not channel.is_public:
        raise LinkInvalidError("this camera is not public")
    return channel


def join_public(
    *, db: Session, manager: RelayManager, channel: Channel, key: str, token: str, cap: int
) -> LiveRead:
    viewer = PUBLIC_PREFIX + secrets.token_urlsafe(12)
    source = admitted_source(db=db, channel=channel, key=key)
    manager.join(channel.channel_id, source, viewer=viewer, username=f"public:{token}", cap=cap)
    return LiveRead(
        channel_id=channel.channel_id,
        state="live",
        viewer_id=viewer,
        playlist_url=PUBLIC.format(token=token, viewer=viewer),
        viewers=manager.viewer_count(channel.channel_id),
    )
