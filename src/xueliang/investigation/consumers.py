"""The investigation's durable bus consumers, started with the app (before any publisher):
``investigation`` on ``records.motor_vehicle`` and ``records.face`` — disposition matching (alerts
to the hub and to ``investigation.alerts``) and incremental vector indexing."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from xueliang.core.bus import Bus
from xueliang.investigation import alerts, matcher
from xueliang.investigation.embeddings import vectors_of
from xueliang.viewlib.dependencies import viewlib_of
from xueliang.viewlib.schemas import RECORDS_FACE, RECORDS_MOTOR_VEHICLE, RecordsStored, RecordStored

logger = logging.getLogger(__name__)
DURABLE = "investigation"
SAVE_EVERY_SECONDS = 60.0


class Consumer:
    def __init__(self, app: Any) -> None:
        self.state = app.state
        self.matcher = matcher.Matcher(threshold=app.state.settings.face_match_threshold)
        self.hub: alerts.AlertHub = app.state.alert_hub
        self.saved_at = time.monotonic()

    def needs_work(self, msg: RecordStored) -> bool:
        """False when the record has no feature to index and can match no active disposition: most
        records, decided on the event loop without reading the record or opening a session."""
        if msg.has_feature is not False or self.matcher.stale():
            return True
        return bool(matcher.candidates(self.matcher, msg, None))

    def process(self, msg: RecordStored) -> list[alerts.AlertRaised]:
        """Blocking part (store read, database, index): run in a worker thread."""
        store = viewlib_of(self.state).store
        raw = matcher.read_raw(store, msg) if msg.has_feature is not False else None
        vectors = vectors_of(self.state)
        matcher.feed_vector(vectors=vectors, msg=msg, raw=raw)
        if time.monotonic() - self.saved_at > SAVE_EVERY_SECONDS:
            vectors.save()
            self.saved_at = time.monotonic()
        with self.state.sessionmaker() as db:
            made = matcher.match_record(db=db, matcher=self.matcher, msg=msg, raw=raw)
            out = [alerts.raised(a, d) for a, d in made]
            db.commit()
        for alert in out:
            self.hub.publish(alert)
        return out

    def process_all(self, records: list[RecordStored]) -> list[alerts.AlertRaised]:
        return [alert for msg in records for alert in self.process(msg)]

    def idle_for(self, batch: RecordsStored) -> bool:
        """True when no record of the batch can need work: none has a feature to index and there is
        no active plate disposition (the usual upload), decided once for the batch."""
        m = self.matcher
        return not m.stale() and not m.plates.exact and all(r.has_feature is False for r in batch.records)

    async def handle(self, batch: RecordsStored) -> None:
        if self.idle_for(batch):
            return
        todo = [msg for msg in batch.records if self.needs_work(msg)]
        if not todo:
            return
        for alert in await asyncio.to_thread(self.process_all, todo):
            await self.state.bus.publish(alerts.ALERTS, alert)


async def start(app: Any, bus: Bus, *, subscribe: bool = True) -> Consumer:
    """Set up the alert hub and, unless ``subscribe`` is false (settings.run_consumers), subscribe
    the consumer to the record topics."""
    app.state.alert_hub = getattr(app.state, "alert_hub", None) or alerts.AlertHub()
    consumer = Consumer(app)
    if subscribe:
        for topic in (RECORDS_MOTOR_VEHICLE, RECORDS_FACE):
            await bus.subscribe(topic, durable=DURABLE, handler=consumer.handle)
    return consumer


def stop(app: Any) -> None:
    vectors = getattr(app.state, "vectors", None)
    if vectors is not None:
        vectors.close()
