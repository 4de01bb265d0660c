"""Periodic ops jobs: the health cycle (probes, keepalives → health, uptime history, online-rate
sample, then the alarm rules and automatic work orders), the diagnosis cycle (a snapshot of every
online, admitted camera), and the monthly contractor figures (day 1, 02:00, for the month before)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Collection
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from xueliang.camera.enums import Admission
from xueliang.camera.models import Channel, Device
from xueliang.core.blobs import BlobStore
from xueliang.core.config import Settings
from xueliang.core.db import session_scope, utcnow, write_retrying
from xueliang.core.scheduler import Scheduler
from xueliang.incident.notify import Notifiers, make_notifiers
from xueliang.incident.service import load_calendar
from xueliang.ops import alarms, assessment, diagnosis, health, orders
from xueliang.ops.metrics import STATS
from xueliang.ops.models import Alarm, Health
from xueliang.ops.probe import Prober, RtspProber
from xueliang.stream.manager import RelayManager
from xueliang.stream.plugins import plugin_for, relay_options

LiveChannels = Callable[[], Collection[str]]  # channel ids (GB codes) with a running live relay


def running_relays(manager: RelayManager) -> LiveChannels:
    """The channels whose live relay runs right now (read from the app's relay manager)."""

    def live() -> set[str]:
        sessions = dict(manager.sessions)  # a copy: the manager's threads change the dict
        return {channel_id for channel_id, s in sessions.items() if s.relay.running}

    return live


def no_relays() -> Collection[str]:
    return ()


def default_snapshotter(settings: Settings) -> diagnosis.Snapshotter:
    plugin, options = plugin_for(settings.stream_relay_type), relay_options(settings)
    return lambda url: plugin.snapshot(url, options)


def ops_notifiers(settings: Settings) -> Notifiers:
    """The incident notifiers named by ``XUELIANG_OPS_NOTIFIERS`` (``in_app`` is the alarm list itself)."""
    kinds = ",".join(k for k in settings.ops_notifiers.split(",") if k.strip() and k.strip() != "in_app")
    return make_notifiers(settings.model_copy(update={"incident_notifiers": kinds}))


@dataclass
class OpsJobs:
    factory: sessionmaker[Session]
    settings: Settings
    prober: Prober
    snapshotter: diagnosis.Snapshotter
    notifiers: Notifiers = field(default_factory=Notifiers)
    live: LiveChannels = no_relays

    @property
    def blobs(self) -> BlobStore:
        return BlobStore(self.settings.data_dir / "blobs")

    def health_cycle(self) -> str:
        started, now = time.perf_counter(), utcnow()
        with session_scope(self.factory) as db:
            targets = health.probe_targets(db=db, key=self.settings.effective_secret())
        results = asyncio.run(self.prober.probe_many(targets))

        def record(db: Session) -> tuple[dict[int, Any], int, list[Alarm], int]:
            timeout = self.settings.viid_keepalive_timeout_seconds
            keepalive = health.keepalive_verdicts(db=db, now=now, timeout_s=timeout, skip=set(targets))
            live = health.channel_pks(db=db, channel_ids=self.live())
            verdicts = health.merge(results, keepalive, live)
            changes = health.apply(db=db, verdicts=verdicts, now=now)
            health.sample_daily(db=db, day=now.astimezone(ZoneInfo(self.settings.timezone)).date())
            return (verdicts, changes, *self.alarm_rules(db))

        # reads, then writes, while keepalives commit: retried on a write conflict (7 failures in the
        # simulated peak hour on SQLite, "database is locked")
        verdicts, changes, raised, cleared = write_retrying(self.factory, record)
        online = sum(1 for v in verdicts.values() if v[0])
        STATS.cycle("health", time.perf_counter() - started, checked=len(verdicts), online=online)
        return f"{online}/{len(verdicts)} online, {changes} changes, alarms +{len(raised)} -{cleared}"

    def alarm_rules(self, db: Session) -> tuple[list[Alarm], int]:
        now, s = utcnow(), self.settings
        rules = alarms.Rules(s.ops_offline_alarm_minutes, s.ops_storage_alarm_percent, s.data_dir)
        raised, cleared = alarms.evaluate(db=db, rules=rules, now=now, notifiers=self.notifiers)
        if s.ops_auto_work_orders and raised:
            orders.from_alarms(db=db, limits=self.limits(db), alarms=raised, now=now)
        return raised, cleared

    def limits(self, db: Session) -> orders.Limits:
        calendar = load_calendar(db=db, settings=self.settings)
        return orders.Limits(calendar, self.settings.ops_response_hours, self.settings.ops_repair_hours)

    def diagnosis_targets(self, db: Session) -> dict[int, str]:
        admitted = (
            select(Channel.id)
            .outerjoin(Device, Device.id == Channel.device_pk)
            .where(or_(Channel.device_pk.is_(None), Device.admission == Admission.admitted.value))
        )
        online = select(Health.channel_pk).where(Health.online.is_(True), Health.channel_pk.in_(admitted))
        wanted = set(db.scalars(online))
        targets = health.probe_targets(db=db, key=self.settings.effective_secret())
        return {pk: url for pk, url in targets.items() if pk in wanted}

    def diagnosis_cycle(self) -> str:
        started = time.perf_counter()
        with session_scope(self.factory) as db:
            targets = self.diagnosis_targets(db)
        with ThreadPoolExecutor(self.settings.ops_diagnosis_workers) as pool:
            shots = list(pool.map(lambda item: diagnosis.take(self.snapshotter, *item), targets.items()))
        faulty = 0
        with session_scope(self.factory) as db:
            for shot in shots:
                faulty += not diagnosis.record(db=db, blobs=self.blobs, shot=shot, now=utcnow()).ok
        STATS.cycle("diagnosis", time.perf_counter() - started, checked=len(shots), faulty=faulty)
        return f"{len(shots)} cameras diagnosed, {faulty} with faults"

    def monthly(self) -> str:
        tz = ZoneInfo(self.settings.timezone)
        last_month = (utcnow().astimezone(tz).replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
        with session_scope(self.factory) as db:
            n = assessment.store_month(db=db, month=last_month, tz=tz, now=utcnow())
        return f"{last_month}: figures of {n} contractors stored"


def register(
    scheduler: Scheduler,
    *,
    factory: sessionmaker[Session],
    settings: Settings,
    relays: RelayManager | None = None,
) -> None:
    """The ops jobs; with the app's ``relays`` a channel with a running live relay counts as online."""
    prober = RtspProber(settings.ops_probe_timeout_seconds, settings.ops_probe_concurrency)
    jobs = OpsJobs(factory, settings, prober, default_snapshotter(settings), ops_notifiers(settings))
    if relays is not None:
        jobs.live = running_relays(relays)
    scheduler.register("ops.health", jobs.health_cycle, every=timedelta(seconds=settings.ops_probe_seconds))
    every = timedelta(minutes=settings.ops_diagnosis_minutes)
    scheduler.register("ops.diagnosis", jobs.diagnosis_cycle, every=every)
    scheduler.register("ops.contractor_month", jobs.monthly, at="02:00", day=1)
