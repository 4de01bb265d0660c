"""Alerts to people: an in-process hub feeding the browser's SSE streams, the bus topic for other
platforms, listing and review (confirmed / false positive, recorded and audited)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from datetime import datetime

import orjson
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from xueliang.audit import service as audit
from xueliang.auth.principal import Principal
from xueliang.core.bus import Topic
from xueliang.core.db import utcnow
from xueliang.core.exceptions import ConflictError, ForbiddenError, NotFoundError
from xueliang.investigation import service as cases
from xueliang.investigation.enums import Review
from xueliang.investigation.models import Alert, Case, Disposition
from xueliang.investigation.schemas import AlertRead


class AlertRaised(BaseModel):
    """A disposition hit, for platforms that subscribe to ``investigation.alerts``."""

    alert_id: int
    disposition_id: int
    case_pk: int
    object_id: str
    record_kind: str
    match: str
    score: float
    observed: str
    device_id: str
    tollgate_id: str
    event_time: datetime


ALERTS = Topic("investigation.alerts", AlertRaised)


class AlertHub:
    """Fan-out of raised alerts to the open SSE streams (each with the case ids it may see)."""

    def __init__(self) -> None:
        self._listeners: list[
            tuple[asyncio.AbstractEventLoop, asyncio.Queue[AlertRaised], frozenset[int]]
        ] = []
        self._lock = threading.Lock()

    def publish(self, alert: AlertRaised) -> None:
        """Callable from any thread."""
        with self._lock:
            listeners = list(self._listeners)
        for loop, queue, case_ids in listeners:
            if alert.case_pk in case_ids:
                loop.call_soon_threadsafe(queue.put_nowait, alert)

    async def stream(
        self, case_ids: frozenset[int], *, limit: int = 0, heartbeat: float = 15.0
    ) -> AsyncIterator[str]:
        queue: asyncio.Queue[AlertRaised] = asyncio.Queue(maxsize=1000)
        entry = (asyncio.get_running_loop(), queue, case_ids)
        with self._lock:
            self._listeners.append(entry)
        sent = 0
        try:
            yield ": connected\n\n"
            while not limit or sent < limit:
                try:
                    alert = await asyncio.wait_for(queue.get(), heartbeat)
                except TimeoutError:
                    yield ": keep-alive\n\n"
                    continue
                sent += 1
                yield f"event: alert\nid: {alert.alert_id}\ndata: {alert.model_dump_json()}\n\n"
        finally:
            with self._lock:
                self._listeners.remove(entry)


def raised(alert: Alert, d: Disposition) -> AlertRaised:
    return AlertRaised(
        alert_id=alert.id, disposition_id=d.id, case_pk=d.case_pk, object_id=alert.object_id,
        record_kind=alert.record_kind, match=alert.match, score=alert.score, observed=alert.observed,
        device_id=alert.device_id, tollgate_id=alert.tollgate_id, event_time=alert.event_time,
    )  # fmt: skip


def list_alerts(*, db: Session, principal: Principal, review: str | None, limit: int) -> list[AlertRead]:
    mine = cases.member_case_ids(db=db, user_id=principal.user_id)
    query = (
        select(Alert)
        .join(Disposition, Disposition.id == Alert.disposition_pk)
        .where(Disposition.case_pk.in_(mine))
        .order_by(Alert.id.desc())
        .limit(limit)
    )
    if review:
        query = query.where(Alert.review == review)
    return [AlertRead.model_validate(a) for a in db.scalars(query)]


def review_alert(*, db: Session, principal: Principal, alert_pk: int, review: Review, note: str) -> Alert:
    alert = db.get(Alert, alert_pk)
    if alert is None:
        raise NotFoundError(f"alert {alert_pk} not found")
    d = db.get(Disposition, alert.disposition_pk)
    case = db.get(Case, d.case_pk) if d else None
    if case is None or not cases.is_member(db=db, case=case, user_id=principal.user_id):
        raise ForbiddenError("only members of the disposition's case review its alerts")
    if alert.review != Review.pending:
        raise ConflictError(f"alert {alert_pk} was already reviewed ({alert.review})")
    alert.review, alert.review_note = review, note
    alert.reviewed_by, alert.reviewed_at = principal.user_id, utcnow()
    audit.record(
        db=db, actor=principal, action="investigation.alert.review", object_type="alert", object_id=alert.id,
        case_id=case.number, request={"review": str(review), "note": note},
    )  # fmt: skip
    return alert


def sse_json(value: object) -> str:
    return orjson.dumps(value).decode()
