"""布控: create (pending), approve or reject by a second user holding ``disposition.approve``, revoke,
expire; the watchlist of active face dispositions for 1:N. Every step is audited."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import faiss
import numpy as np
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from xueliang.analytics.extractors import FACE_DIM
from xueliang.audit import service as audit
from xueliang.auth.enums import Permission
from xueliang.auth.principal import Principal
from xueliang.core.db import utcnow
from xueliang.core.exceptions import ConflictError, ForbiddenError, InvalidInputError, NotFoundError
from xueliang.investigation import service as cases
from xueliang.investigation.embeddings import decode_feature, encode_feature
from xueliang.investigation.enums import DispositionKind, DispositionStatus
from xueliang.investigation.models import Case, Disposition
from xueliang.investigation.schemas import DispositionCreate, WatchlistHit
from xueliang.investigation.service import CaseContext
from xueliang.investigation.times import aware
from xueliang.investigation.vectors.base import F32


def _audit(
    db: Session, principal: Principal, d: Disposition, case: Case, action: str, **extra: object
) -> None:
    audit.record(
        db=db, actor=principal, action=f"investigation.disposition.{action}", object_type="disposition",
        object_id=d.id, case_id=case.number, request={"kind": d.kind, "plate_no": d.plate_no, **extra},
    )  # fmt: skip


def create(
    *, db: Session, principal: Principal, ctx: CaseContext, body: DispositionCreate, face: F32 | None, tz: str
) -> Disposition:
    principal.require(Permission.disposition_manage)
    if principal.user_id is None:
        raise ForbiddenError("dispositions are made by users")
    start = aware(body.valid_from, tz) if body.valid_from else utcnow()
    until = aware(body.valid_until, tz)
    if until <= max(start, utcnow()):
        raise InvalidInputError(
            "valid_until must lie in the future and after valid_from", field="valid_until"
        )
    if (body.kind == DispositionKind.plate) != (body.plate_no is not None) or (body.kind == "face") != (
        face is not None
    ):
        raise InvalidInputError("a plate disposition needs plate_no, a face disposition a face", field="kind")
    d = Disposition(
        case_pk=ctx.case.id, kind=body.kind, plate_no=body.plate_no, plate_color=body.plate_color,
        feature=encode_feature(face) if face is not None else None, threshold=body.threshold,
        reason=body.reason, area=",".join(body.area), valid_from=start, valid_until=until,
        created_by=principal.user_id,
    )  # fmt: skip
    db.add(d)
    db.flush()
    _audit(db, principal, d, ctx.case, "create", reason=body.reason, until=until.isoformat())
    return d


def get_or_raise(*, db: Session, disposition_pk: int) -> Disposition:
    d = db.get(Disposition, disposition_pk)
    if d is None:
        raise NotFoundError(f"disposition {disposition_pk} not found")
    return d


def decide(*, db: Session, principal: Principal, d: Disposition, approve: bool, note: str) -> Disposition:
    """Approval by a second user: the author may not approve (or reject) their own disposition."""
    principal.require(Permission.disposition_approve)
    if d.created_by == principal.user_id:
        raise ForbiddenError("a disposition is approved by a second user: you cannot decide your own")
    if d.status != DispositionStatus.pending:
        raise ConflictError(f"disposition {d.id} is {d.status}, not pending")
    if approve and aware(d.valid_until, "UTC") <= utcnow():
        raise ConflictError(f"disposition {d.id} has already expired")
    d.status = DispositionStatus.active if approve else DispositionStatus.rejected
    d.decided_by, d.decided_at = principal.user_id, utcnow()
    case = db.get(Case, d.case_pk)
    assert case is not None
    _audit(db, principal, d, case, "approve" if approve else "reject", note=note)
    return d


def revoke(*, db: Session, principal: Principal, d: Disposition) -> Disposition:
    principal.require(Permission.disposition_manage)
    case = db.get(Case, d.case_pk)
    assert case is not None
    if not cases.is_member(db=db, case=case, user_id=principal.user_id):
        raise ForbiddenError(f"you are not a member of case {case.number!r}")
    if d.status not in (DispositionStatus.pending, DispositionStatus.active):
        raise ConflictError(f"disposition {d.id} is {d.status}")
    d.status = DispositionStatus.revoked
    _audit(db, principal, d, case, "revoke")
    return d


def expire(*, db: Session, now: datetime | None = None) -> int:
    """Mark active and pending dispositions past their validity as expired (scheduled sweep)."""
    result = db.execute(
        update(Disposition)
        .where(
            Disposition.status.in_([DispositionStatus.active, DispositionStatus.pending]),
            Disposition.valid_until <= (now or utcnow()),
        )
        .values(status=DispositionStatus.expired)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def active(*, db: Session, kind: DispositionKind, now: datetime | None = None) -> list[Disposition]:
    moment = now or utcnow()
    query = select(Disposition).where(
        Disposition.kind == kind,
        Disposition.status == DispositionStatus.active,
        Disposition.valid_from <= moment,
        Disposition.valid_until > moment,
    )
    return list(db.scalars(query))


def list_for(*, db: Session, principal: Principal, status: str | None) -> list[Disposition]:
    """Dispositions of the caller's cases; approvers also see every pending one (the approval queue)."""
    mine = cases.member_case_ids(db=db, user_id=principal.user_id)
    query = select(Disposition).order_by(Disposition.id.desc()).limit(500)
    if status:
        query = query.where(Disposition.status == status)
    rows = list(db.scalars(query))
    approver = principal.has(Permission.disposition_approve)
    return [d for d in rows if d.case_pk in mine or (approver and d.status == DispositionStatus.pending)]


class Watchlist:
    """Active face dispositions as one matrix: a probe is compared with all at once; above
    ``IVF_FROM`` entries through a faiss IVF index (the hits above a threshold are near the probe,
    so the probed lists hold them), else exactly."""

    IVF_FROM = 20_000
    K = 32

    def __init__(self, items: list[Disposition], default_threshold: float) -> None:
        vecs = [decode_feature(d.feature or "", FACE_DIM) for d in items]
        self.items = [d for d, v in zip(items, vecs, strict=True) if v is not None]
        self.matrix = (
            np.stack([v for v in vecs if v is not None])
            if self.items
            else np.zeros((0, FACE_DIM), np.float32)
        )
        self.thresholds = np.asarray([d.threshold or default_threshold for d in self.items], np.float32)
        self.ivf: Any = None
        if len(self.items) >= self.IVF_FROM:
            nlist = int(4 * np.sqrt(len(self.items)))
            self.ivf = faiss.IndexIVFFlat(
                faiss.IndexFlatIP(FACE_DIM), FACE_DIM, nlist, faiss.METRIC_INNER_PRODUCT
            )
            self.ivf.train(self.matrix)
            self.ivf.add(self.matrix)
            self.ivf.nprobe = 16

    def hits(self, vec: F32) -> list[tuple[Disposition, float]]:
        if not self.items:
            return []
        if self.ivf is not None:
            scores, found = self.ivf.search(vec.reshape(1, -1), self.K)
            pairs = [(int(i), float(s)) for s, i in zip(scores[0], found[0], strict=True) if i >= 0]
            return [(self.items[i], s) for i, s in pairs if s >= self.thresholds[i]]
        scores = self.matrix @ vec
        found_at = np.flatnonzero(scores >= self.thresholds)
        return sorted(((self.items[int(i)], float(scores[i])) for i in found_at), key=lambda p: -p[1])


def identify(
    *, db: Session, principal: Principal, ctx: CaseContext, vec: F32, threshold: float
) -> list[WatchlistHit]:
    """1:N against the watchlists (active face dispositions) of the caller's cases."""
    principal.require(Permission.face_search)
    mine = cases.member_case_ids(db=db, user_id=principal.user_id)
    items = [d for d in active(db=db, kind=DispositionKind.face) if d.case_pk in mine]
    numbers = {c.id: c.number for c in db.scalars(select(Case).where(Case.id.in_(mine)))}
    hits = [
        WatchlistHit(disposition_id=d.id, case_number=numbers[d.case_pk], score=round(s, 4), reason=d.reason)
        for d, s in Watchlist(items, threshold).hits(vec)
    ]
    params = {"watchlists": len(items)}
    action = "investigation.face.watchlist"
    cases.audit_lookup(
        db=db, principal=principal, ctx=ctx, action=action, params=params, result_count=len(hits)
    )
    return hits
