"""Analytics queries: which channels are structured, and their pipelines' states. Keyword-only."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from xueliang.analytics.leases import Entry
from xueliang.analytics.schemas import CameraPipelineRead
from xueliang.auth.enums import Permission
from xueliang.auth.principal import Principal
from xueliang.camera.models import Channel
from xueliang.core.config import Settings
from xueliang.core.exceptions import PermissionDeniedError


def analytics_channels(*, db: Session, settings: Settings) -> list[Channel]:
    """The channels to structure: ``analytics_channels`` if set, else every channel with a stream."""
    query = select(Channel).where(
        or_(Channel.sub_stream_enc.is_not(None), Channel.main_stream_enc.is_not(None))
    )
    wanted = [c.strip() for c in settings.analytics_channels.split(",") if c.strip()]
    if wanted:
        query = query.where(Channel.channel_id.in_(wanted))
    return list(db.scalars(query.order_by(Channel.channel_id)))


def _time(epoch: Any) -> datetime | None:
    return datetime.fromtimestamp(float(epoch), UTC) if epoch else None


def _read(channel: Channel, entry: Entry | None, now: float) -> CameraPipelineRead:
    base = {"camera_id": channel.channel_id, "name": channel.name}
    if entry is None or not entry.value.get("worker"):
        return CameraPipelineRead(**base, state="unassigned")
    status = entry.value.get("status") or {}
    fresh = float(entry.value["expires"]) > now
    return CameraPipelineRead(
        **base,
        state=status.get("state", "starting") if fresh else "stale",
        reason=status.get("reason", ""),
        worker=entry.value["worker"],
        **{
            k: status[k]
            for k in ("fps", "frames", "dropped", "restarts", "detector_calls", "tracks")
            if k in status
        },
        since=_time(status.get("since")),
        lease_expires_at=_time(entry.value["expires"]),
    )


def camera_states(
    *, db: Session, principal: Principal, settings: Settings, entries: dict[str, Entry], now: float
) -> list[CameraPipelineRead]:
    if not (principal.has(Permission.ops_read) or principal.has(Permission.camera_read)):
        raise PermissionDeniedError(
            "permission 'ops.read' or 'camera.read' is required", permission="ops.read"
        )
    return pipeline_states(db=db, settings=settings, entries=entries, now=now)


def pipeline_states(
    *, db: Session, settings: Settings, entries: dict[str, Entry], now: float
) -> list[CameraPipelineRead]:
    """Every structured camera's pipeline from its lease (no permission check: callers have one, or
    are the metrics scrape, which shows no personal data)."""
    return [
        _read(c, entries.get(f"camera.{c.channel_id}"), now)
        for c in analytics_channels(db=db, settings=settings)
    ]
