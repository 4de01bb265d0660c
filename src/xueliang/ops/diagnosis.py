"""Diagnosis of channels: take a snapshot, compare with the previous one and the scene reference,
store the result with the snapshot in the blob store. A snapshot that cannot be taken or decoded is
a signal-loss finding, never an error."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from xueliang.core.blobs import BlobStore
from xueliang.ops import quality
from xueliang.ops.enums import Fault
from xueliang.ops.models import Diagnosis, Health, Threshold

logger = logging.getLogger(__name__)
Snapshotter = Callable[[str], bytes]  # stream URL → JPEG bytes (raises when it cannot)


@dataclass(frozen=True)
class Shot:
    channel_pk: int
    data: bytes | None  # None: the snapshot could not be taken
    detail: str = ""


def take(snapshotter: Snapshotter, channel_pk: int, url: str) -> Shot:
    try:
        return Shot(channel_pk, snapshotter(url))
    except Exception as exc:  # any failure of a camera is a finding about that camera
        logger.info("snapshot of channel %s failed: %s", channel_pk, type(exc).__name__)
        return Shot(channel_pk, None, "snapshot failed")


def _frame(blobs: BlobStore, sha: str | None) -> quality.Frame | None:
    if sha is None or not blobs.exists(sha):
        return None
    return quality.decode(blobs.get(sha))


def last_diagnosis(db: Session, channel_pk: int) -> Diagnosis | None:
    query = select(Diagnosis).where(Diagnosis.channel_pk == channel_pk).order_by(Diagnosis.id.desc()).limit(1)
    return db.scalar(query)


def thresholds_for(db: Session, channel_pk: int) -> quality.Thresholds:
    row = db.get(Threshold, channel_pk)
    return quality.Thresholds.with_overrides(row.overrides if row else None)


def record(*, db: Session, blobs: BlobStore, shot: Shot, now: datetime) -> Diagnosis:
    """Diagnose one shot against the channel's previous snapshot and reference, and store it."""
    if shot.data is None:
        return _store(db, shot.channel_pk, (Fault.signal_loss,), {"decoded": 0.0}, None, now)
    previous = last_diagnosis(db, shot.channel_pk)
    health = db.get(Health, shot.channel_pk)
    reference_sha = health.reference_sha if health else None
    result, frame = quality.diagnose(
        shot.data,
        thresholds=thresholds_for(db, shot.channel_pk),
        previous=_frame(blobs, previous.snapshot_sha if previous else None),
        reference=_frame(blobs, reference_sha),
    )
    sha = blobs.put(shot.data) if frame is not None else None
    if health is not None and reference_sha is None and result.ok and sha is not None:
        health.reference_sha = sha  # the first good picture is the scene reference
    return _store(db, shot.channel_pk, result.faults, result.measures, sha, now)


def _store(
    db: Session,
    pk: int,
    faults: tuple[Fault, ...],
    measures: dict[str, float],
    sha: str | None,
    now: datetime,
) -> Diagnosis:
    row = Diagnosis(
        channel_pk=pk,
        at=now,
        ok=not faults,
        faults=",".join(f.value for f in faults),
        measures={k: round(v, 3) for k, v in measures.items()},
        snapshot_sha=sha,
    )
    db.add(row)
    db.flush()
    return row


def set_reference(*, db: Session, channel_pk: int, sha: str | None) -> None:
    """Accept the current view as the new scene (after a deliberate move), or clear it."""
    health = db.get(Health, channel_pk)
    if health is not None:
        health.reference_sha = sha
