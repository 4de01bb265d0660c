"""Health cycle: which channels are online (RTSP probe, VIID keepalive, running relay), their uptime
history, and the daily online rate by district, department and owner (set-based SQL)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Integer, case, cast, func, select
from sqlalchemy.orm import Session

from xueliang.camera import service as cameras
from xueliang.camera.enums import Status
from xueliang.camera.models import Channel, Device
from xueliang.ops.enums import Dimension, Source
from xueliang.ops.models import Health, OnlineDaily, StateChange
from xueliang.ops.probe import ProbeResult

Verdict = tuple[bool, Source, str, float | None]  # online, source, detail, latency ms


def probe_targets(*, db: Session, key: str) -> dict[int, str]:
    """Channels with an RTSP stream URL (sub-stream preferred) → URL."""
    targets = {}
    for channel in db.scalars(
        select(Channel).where(Channel.sub_stream_enc.is_not(None) | Channel.main_stream_enc.is_not(None))
    ):
        url = cameras.stream_url(channel=channel, key=key, which="sub") or cameras.stream_url(
            channel=channel, key=key, which="main"
        )
        if url and url.lower().startswith("rtsp://"):
            targets[channel.id] = url
    return targets


def channel_pks(*, db: Session, channel_ids: Collection[str]) -> set[int]:
    """Primary keys of the channels with these ids (unknown ids are ignored)."""
    if not channel_ids:
        return set()
    return set(db.scalars(select(Channel.id).where(Channel.channel_id.in_(list(channel_ids)))))


def keepalive_verdicts(
    *, db: Session, now: datetime, timeout_s: float, skip: Collection[int]
) -> dict[int, Verdict]:
    """Channels without an RTSP URL whose device speaks VIID: online while keepalives are fresh."""
    fresh = now - timedelta(seconds=timeout_s)
    rows = db.execute(
        select(Channel.id, Device.status, Device.last_keepalive_at).join(
            Device, Device.id == Channel.device_pk
        )
    )
    out: dict[int, Verdict] = {}
    for pk, status, last in rows:
        if pk in skip or (last is None and status == Status.unknown):
            continue
        online = status == Status.online and last is not None and last >= fresh
        out[pk] = (online, Source.keepalive, "ok" if online else "offline: no keepalive", None)
    return out


def merge(
    probes: Mapping[int, ProbeResult], keepalive: Mapping[int, Verdict], live: Collection[int]
) -> dict[int, Verdict]:
    verdicts = dict(keepalive)
    for pk, result in probes.items():
        verdicts[pk] = (result.online, Source.rtsp, result.detail, result.latency_ms)
    for pk in live:  # a running live relay is receiving the stream right now
        verdicts[pk] = (True, Source.stream, "ok: live relay running", None)
    return verdicts


def apply(*, db: Session, verdicts: Mapping[int, Verdict], now: datetime) -> int:
    """Write the current health; a change of state adds a row to the uptime history. Returns the
    number of changes."""
    existing = {
        h.channel_pk: h for h in db.scalars(select(Health).where(Health.channel_pk.in_(list(verdicts))))
    }
    changes = []
    for pk, (online, source, detail, latency) in verdicts.items():
        row = existing.get(pk)
        if row is None:
            row = Health(channel_pk=pk, online=not online, changed_at=now)
            db.add(row)
        if row.online != online:
            row.online, row.changed_at = online, now
            changes.append(
                StateChange(channel_pk=pk, online=online, source=source, detail=detail[:200], at=now)
            )
        row.source, row.detail, row.latency_ms, row.checked_at = source, detail[:200], latency, now
    db.add_all(changes)
    db.flush()
    return len(changes)


def _grouped(db: Session, key: ColumnElement[Any]) -> list[tuple[str, int, int]]:
    online = func.sum(cast(case((Health.online, 1), else_=0), Integer))
    query = (
        select(key, func.count(), online)
        .select_from(Health)
        .join(Channel, Channel.id == Health.channel_pk)
        .group_by(key)
    )
    return [(str(k) if k is not None else "", int(n), int(o or 0)) for k, n, o in db.execute(query)]


def sample_daily(*, db: Session, day: date) -> int:
    """Add this cycle's counts to the day's rows (one GROUP BY per dimension, then an upsert of a few
    hundred rows)."""
    keys: dict[Dimension, Any] = {
        Dimension.district: func.substr(Channel.region_code, 1, 6),
        Dimension.department: Channel.org_unit_id,
        Dimension.owner: Channel.owner,
    }
    existing = {
        (r.dimension, r.key): r for r in db.scalars(select(OnlineDaily).where(OnlineDaily.day == day))
    }
    written = 0
    for dimension, key in keys.items():
        for value, total, online in _grouped(db, key):
            row = existing.get((dimension.value, value))
            if row is None:
                row = OnlineDaily(day=day, dimension=dimension.value, key=value, total=0, online=0, samples=0)
                db.add(row)
            row.total, row.online, row.samples = row.total + total, row.online + online, row.samples + 1
            written += 1
    db.flush()
    return written


def uptime(*, db: Session, channel_pk: int, start: datetime, end: datetime) -> float | None:
    """Share of [start, end) the channel was online, from its state changes (None: never checked)."""
    before = db.scalar(
        select(StateChange.online)
        .where(StateChange.channel_pk == channel_pk, StateChange.at <= start)
        .order_by(StateChange.at.desc())
        .limit(1)
    )
    rows = db.execute(
        select(StateChange.at, StateChange.online)
        .where(StateChange.channel_pk == channel_pk, StateChange.at > start, StateChange.at < end)
        .order_by(StateChange.at)
    ).all()
    if before is None and not rows:
        return None
    state, since, up = bool(before), start, 0.0
    for at, online in rows:
        up += (at - since).total_seconds() if state else 0.0
        state, since = bool(online), at
    up += (end - since).total_seconds() if state else 0.0
    return up / max((end - start).total_seconds(), 1e-9)
