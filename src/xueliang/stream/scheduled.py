"""Periodic stream jobs: start and stop recorders according to the plans (every 30 s), and enforce
retention by age and size per group (every 10 min)."""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import partial
from weakref import WeakKeyDictionary

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from xueliang.camera import service as cameras
from xueliang.camera.enums import Admission
from xueliang.camera.models import Channel
from xueliang.core.config import Settings
from xueliang.core.db import session_scope, utcnow
from xueliang.core.scheduler import Scheduler
from xueliang.stream import recording, service
from xueliang.stream.models import RecordingPlan
from xueliang.stream.plugins import relay_options
from xueliang.stream.recorder import Recorder, SegmentInfo

logger = logging.getLogger(__name__)


class Recordings:
    """The running recorders of this process, keyed by channel id."""

    def __init__(self, factory: sessionmaker[Session], settings: Settings) -> None:
        self.factory, self.settings = factory, settings
        self.running: dict[str, Recorder] = {}
        self.refused: set[str] = set()  # channels whose device failed admission (alarm raised once)

    def reconcile(self) -> str:
        with session_scope(self.factory) as db:
            wanted = self._wanted(db)
        for channel_id in set(self.running) - set(wanted):
            self.running.pop(channel_id).stop()
        for channel_id, (source, channel_pk, group) in wanted.items():
            if channel_id not in self.running:
                self.running[channel_id] = self._start(channel_id, source, channel_pk, group)
        return f"{len(self.running)} cameras recording"

    def _wanted(self, db: Session) -> dict[str, tuple[str, int, str]]:
        now, key, wanted = utcnow(), self.settings.effective_secret(), {}
        for plan, channel in db.execute(
            select(RecordingPlan, Channel).join(Channel, Channel.id == RecordingPlan.channel_pk)
        ):
            source = cameras.stream_url(channel=channel, key=key, which="main")
            active = source and recording.plan_active(plan, now, self.settings.timezone)
            if source and active and self._admitted(db, channel, key, source):
                wanted[channel.channel_id] = (source, channel.id, plan.retention_group)
        return wanted

    def _admitted(self, db: Session, channel: Channel, key: str, source: str) -> bool:
        """Admission (安全准入) before recording; the alarm and audit entry are written once per
        refusal, not every 30 s, until the device is admitted again."""
        if channel.channel_id in self.refused:
            device_id = service.device_id_of(db=db, channel=channel)
            device = cameras.get_device(db=db, device_id=device_id)
            if device is None or device.admission != Admission.admitted:
                return False
        try:
            service.admitted_source(db=db, channel=channel, key=key, source=source)
        except cameras.DeviceNotAdmittedError as exc:
            logger.warning("not recording %s: %s", channel.channel_id, exc.detail)
            self.refused.add(channel.channel_id)
            return False
        self.refused.discard(channel.channel_id)
        return True

    def _start(self, channel_id: str, source: str, channel_pk: int, group: str) -> Recorder:
        def indexed(info: SegmentInfo) -> None:
            with session_scope(self.factory) as db:
                recording.index_segment(db=db, channel_pk=channel_pk, group=group, info=info)

        out_dir = self.settings.data_dir / "stream" / "rec" / channel_id
        recorder = Recorder(
            channel_id,
            source,
            out_dir,
            segment_seconds=self.settings.stream_record_segment_seconds,
            options=relay_options(self.settings),
            on_segment=indexed,
        )
        recorder.start()
        return recorder

    def stop(self) -> None:
        """Stop every recorder: signal all first, then wait for each (the open segment is closed)."""
        for recorder in self.running.values():
            recorder.stop_event.set()
        for recorder in self.running.values():
            recorder.stop()
        self.running.clear()


def retention(factory: sessionmaker[Session]) -> str:
    with session_scope(factory) as db:
        deleted = recording.apply_retention(db=db, now=utcnow())
    return f"{deleted} segments deleted"


_BY_SCHEDULER: WeakKeyDictionary[Scheduler, Recordings] = WeakKeyDictionary()


def stop_recorders(scheduler: Scheduler) -> None:
    """At shutdown: stop the recorders started by this scheduler's ``stream.recordings`` job."""
    recordings = _BY_SCHEDULER.pop(scheduler, None)
    if recordings is not None:
        recordings.stop()


def register(scheduler: Scheduler, *, factory: sessionmaker[Session], settings: Settings) -> Recordings:
    recordings = _BY_SCHEDULER[scheduler] = Recordings(factory, settings)
    scheduler.register("stream.recordings", recordings.reconcile, every=timedelta(seconds=30))
    scheduler.register("stream.retention", partial(retention, factory), every=timedelta(minutes=10))
    return recordings
