"""Live matching on the bus: every stored pass is checked against the active plate dispositions
(exact, or one misread character), every face capture against the active face dispositions (by
threshold); hits become alerts (idempotent per disposition and record: redeliveries add nothing).
The same consumer loop feeds new embeddings into the vector index."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from xueliang.investigation import dispositions
from xueliang.investigation.embeddings import Vectors, feature_of
from xueliang.investigation.enums import DispositionKind, MatchKind
from xueliang.investigation.models import Alert, Disposition
from xueliang.investigation.plates import one_misread
from xueliang.viewlib.kinds import BY_NAME
from xueliang.viewlib.schemas import RecordStored
from xueliang.viewlib.service import read_stored
from xueliang.viewlib.stores.base import RecordStore

RELOAD_SECONDS = 5.0


def _masks(plate: str) -> list[str]:
    return [plate[:i] + "?" + plate[i + 1 :] for i in range(len(plate))]


@dataclass
class PlateBook:
    """Active plate dispositions by exact plate and by each one-character mask."""

    exact: dict[str, list[Disposition]] = field(default_factory=dict)
    fuzzy: dict[str, list[Disposition]] = field(default_factory=dict)

    @classmethod
    def of(cls, items: list[Disposition]) -> PlateBook:
        book = cls()
        for d in items:
            plate = d.plate_no or ""
            book.exact.setdefault(plate, []).append(d)
            for m in _masks(plate):
                book.fuzzy.setdefault(m, []).append(d)
        return book

    def matches(self, plate: str) -> list[tuple[Disposition, MatchKind]]:
        if not self.exact:  # no active plate disposition (the usual case): no masks to build
            return []
        found = {d.id: (d, MatchKind.exact) for d in self.exact.get(plate, [])}
        for m in _masks(plate):
            for d in self.fuzzy.get(m, []):
                if d.id not in found and one_misread(plate, d.plate_no or ""):
                    found[d.id] = (d, MatchKind.fuzzy)
        return list(found.values())


@dataclass
class Matcher:
    threshold: float
    loaded_at: float = -1e9
    plates: PlateBook = field(default_factory=PlateBook)
    faces: dispositions.Watchlist | None = None

    def stale(self) -> bool:
        return time.monotonic() - self.loaded_at > RELOAD_SECONDS

    def refresh(self, db: Session, *, force: bool = False) -> None:
        if force or self.stale():
            self.plates = PlateBook.of(dispositions.active(db=db, kind=DispositionKind.plate))
            self.faces = dispositions.Watchlist(
                dispositions.active(db=db, kind=DispositionKind.face), self.threshold
            )
            self.loaded_at = time.monotonic()


def _in_area(d: Disposition, msg: RecordStored) -> bool:
    return not d.area or bool({msg.device_id, msg.tollgate_id} & set(d.area.split(",")))


def _valid(d: Disposition, msg: RecordStored) -> bool:
    at = msg.event_time.replace(tzinfo=None) if d.valid_from.tzinfo is None else msg.event_time
    return d.valid_from <= at < d.valid_until and _in_area(d, msg)


def candidates(
    matcher: Matcher, msg: RecordStored, raw: dict[str, Any] | None
) -> list[tuple[Disposition, str, float]]:
    if msg.kind == "motor_vehicle" and msg.plate_no:
        return [(d, m, 1.0) for d, m in matcher.plates.matches(msg.plate_no) if _valid(d, msg)]
    vec = feature_of(raw, "face") if msg.kind == "face" and raw else None
    if vec is None or matcher.faces is None:
        return []
    return [(d, MatchKind.face, s) for d, s in matcher.faces.hits(vec) if _valid(d, msg)]


def match_record(
    *, db: Session, matcher: Matcher, msg: RecordStored, raw: dict[str, Any] | None
) -> list[tuple[Alert, Disposition]]:
    """Alerts for one stored record (only new ones; the caller commits)."""
    matcher.refresh(db)
    made = []
    for d, kind, score in candidates(matcher, msg, raw):
        seen = db.scalar(
            select(Alert.id).where(Alert.disposition_pk == d.id, Alert.object_id == msg.object_id)
        )
        if seen is not None:
            continue
        alert = Alert(
            disposition_pk=d.id,
            object_id=msg.object_id,
            record_kind=msg.kind,
            match=kind,
            score=round(score, 4),
            observed=msg.plate_no,
            device_id=msg.device_id,
            tollgate_id=msg.tollgate_id,
            event_time=msg.event_time,
        )
        db.add(alert)
        db.flush()
        made.append((alert, d))
    return made


def feed_vector(*, vectors: Vectors, msg: RecordStored, raw: dict[str, Any] | None) -> bool:
    """Add the record's embedding (if it has one) to the index of its kind."""
    vec = feature_of(raw, msg.kind) if raw else None
    if vec is None:
        return False
    index = vectors.index(msg.kind)
    return (
        index.add([msg.object_id], vec.reshape(1, -1), [int(msg.event_time.timestamp())], [msg.device_id]) > 0
    )


def read_raw(store: RecordStore, msg: RecordStored) -> dict[str, Any] | None:
    text = read_stored(store=store, kind=BY_NAME[msg.kind], message=msg)
    return orjson.loads(text) if text else None
