"""Scheduler tests: a ManualClock drives time, nothing sleeps for real seconds."""

from __future__ import annotations

import asyncio
import logging
import threading
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from xueliang.core import scheduler as scheduler_module
from xueliang.core.scheduler import (
    DailyAt,
    Every,
    JobSpec,
    ManualClock,
    MonthlyAt,
    Scheduler,
    make_schedule,
    scheduled,
)

pytestmark = pytest.mark.anyio

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = ZoneInfo("UTC")


def _sh(year: int, month: int, day: int, hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=SHANGHAI)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(_sh(2024, 5, 10, 12, 0))


class Counter:
    def __init__(self, fail_first: int = 0) -> None:
        self.calls = 0
        self.fail_first = fail_first

    async def __call__(self) -> int:
        self.calls += 1
        if self.calls <= self.fail_first:
            raise RuntimeError(f"boom {self.calls}")
        return self.calls


@pytest.mark.parametrize(
    ("schedule", "moment", "expected"),
    [
        (Every(timedelta(minutes=5)), _sh(2024, 5, 10, 12, 0), _sh(2024, 5, 10, 12, 5)),
        (DailyAt(time(3, 30)), _sh(2024, 5, 10, 1, 0), _sh(2024, 5, 10, 3, 30)),
        (DailyAt(time(3, 30)), _sh(2024, 5, 10, 3, 30), _sh(2024, 5, 11, 3, 30)),
        (DailyAt(time(3, 30)), datetime(2024, 5, 9, 19, 29, tzinfo=UTC), _sh(2024, 5, 10, 3, 30)),
        (DailyAt(time(3, 30)), datetime(2024, 5, 9, 19, 31, tzinfo=UTC), _sh(2024, 5, 11, 3, 30)),
        (MonthlyAt(1, time(2, 0)), _sh(2024, 5, 10, 12, 0), _sh(2024, 6, 1, 2, 0)),
        (MonthlyAt(15, time(2, 0)), _sh(2024, 5, 10, 12, 0), _sh(2024, 5, 15, 2, 0)),
        (MonthlyAt(1, time(2, 0)), _sh(2024, 12, 1, 2, 0), _sh(2025, 1, 1, 2, 0)),
        (MonthlyAt(31, time(2, 0)), _sh(2024, 2, 1, 0, 0), _sh(2024, 2, 29, 2, 0)),
        (MonthlyAt(31, time(2, 0)), _sh(2023, 2, 28, 3, 0), _sh(2023, 3, 31, 2, 0)),
    ],
)
def test_schedule__next_after(
    schedule: Every | DailyAt | MonthlyAt, moment: datetime, expected: datetime
) -> None:
    assert schedule.next_after(moment, SHANGHAI) == expected


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"every": timedelta(hours=1)}, Every(timedelta(hours=1))),
        ({"at": "03:30"}, DailyAt(time(3, 30))),
        ({"day": 1, "at": "02:00"}, MonthlyAt(1, time(2, 0))),
    ],
)
def test_make_schedule__builds_each_kind(kwargs: dict[str, object], expected: object) -> None:
    assert make_schedule(**kwargs) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"every": timedelta(hours=1), "at": "03:00"},
        {"every": timedelta(0)},
        {"every": timedelta(hours=1), "day": 1},
        {"day": 32, "at": "02:00"},
        {"at": "25:00"},
    ],
)
def test_make_schedule__refuses_bad_combinations(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        make_schedule(**kwargs)  # type: ignore[arg-type]


async def test_scheduler__interval_job_runs_once_per_interval(clock: ManualClock) -> None:
    job = Counter()
    sched = Scheduler(clock=clock)
    sched.register("ops.poll", job, every=timedelta(hours=1))
    await sched.tick()
    assert job.calls == 0
    await clock.advance(timedelta(hours=1))
    await sched.tick()
    await sched.tick()
    state = sched.job("ops.poll")
    assert (job.calls, state.runs, state.last_result) == (1, 1, 1)
    assert state.next_run_at == _sh(2024, 5, 10, 14, 0)


async def test_scheduler__missed_ticks_are_not_caught_up(clock: ManualClock) -> None:
    job = Counter()
    sched = Scheduler(clock=clock)
    sched.register("ops.poll", job, every=timedelta(minutes=1))
    await clock.advance(timedelta(minutes=10, seconds=30))
    await sched.tick()
    assert job.calls == 1
    assert sched.job("ops.poll").next_run_at == _sh(2024, 5, 10, 12, 11, 30)


async def test_scheduler__failing_job_is_recorded_and_runs_next_tick(
    clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    job = Counter(fail_first=1)
    sched = Scheduler(clock=clock)
    sched.register("audit.verify", job, every=timedelta(hours=1))
    await clock.advance(timedelta(hours=1))
    with caplog.at_level(logging.ERROR, logger="xueliang.core.scheduler"):
        await sched.tick()
    failed = sched.job("audit.verify")
    assert (failed.last_ok, failed.last_error, failed.failures) == (False, "RuntimeError('boom 1')", 1)
    assert "job failed: job=audit.verify" in caplog.text
    await clock.advance(timedelta(hours=1))
    await sched.tick()
    recovered = sched.job("audit.verify")
    assert (recovered.last_ok, recovered.last_error, recovered.last_result) == (True, None, 2)
    assert (recovered.runs, recovered.failures) == (2, 1)


async def test_scheduler__job_never_overlaps_itself(clock: ManualClock) -> None:
    release = asyncio.Event()
    starts = 0

    async def slow() -> None:
        nonlocal starts
        starts += 1
        await release.wait()

    sched = Scheduler(clock=clock)
    sched.register("grid.import", slow, every=timedelta(minutes=1))
    await clock.advance(timedelta(minutes=1))
    first = asyncio.create_task(sched.tick())
    await clock.advance(timedelta(minutes=1))
    second = asyncio.create_task(sched.tick())
    manual = asyncio.create_task(sched.run_now("grid.import"))
    await clock.advance(timedelta(0))
    assert (starts, sched.job("grid.import").running) == (1, True)
    release.set()
    await asyncio.gather(first, second, manual)
    assert (starts, sched.job("grid.import").runs) == (1, 1)


async def test_scheduler__run_now_runs_sync_jobs_in_a_thread(clock: ManualClock) -> None:
    def report() -> str:
        return threading.current_thread().name

    sched = Scheduler(clock=clock)
    sched.register("assessment.monthly", report, day=1, at="02:00")
    state = await sched.run_now("assessment.monthly")
    assert state.last_ok is True
    assert state.last_result != threading.current_thread().name
    assert state.next_run_at == _sh(2024, 6, 1, 2, 0)


async def test_scheduler__loop_runs_daily_job_at_its_wall_clock_time(clock: ManualClock) -> None:
    job = Counter()
    sched = Scheduler(clock=clock)
    sched.register("retention.sweep", job, at="03:30")
    sched.start()
    try:
        await clock.advance(timedelta(hours=15, minutes=29))  # 2024-05-11 03:29
        assert job.calls == 0
        await clock.advance(timedelta(minutes=1))
        assert job.calls == 1
        await clock.advance(timedelta(days=1))
        assert job.calls == 2
        assert sched.job("retention.sweep").next_run_at == _sh(2024, 5, 13, 3, 30)
    finally:
        await sched.stop()


async def test_scheduler__stop_cancels_a_running_job(clock: ManualClock) -> None:
    async def forever() -> None:
        await asyncio.Event().wait()

    sched = Scheduler(clock=clock)
    sched.register("stuck", forever, every=timedelta(seconds=1))
    sched.start()
    await clock.advance(timedelta(seconds=1))
    assert sched.job("stuck").running
    await sched.stop()
    assert not sched.job("stuck").running


def test_scheduler__refuses_duplicate_and_unknown_names(clock: ManualClock) -> None:
    sched = Scheduler(clock=clock)
    sched.register("a.b", Counter(), every=timedelta(hours=1))
    with pytest.raises(ValueError, match="already registered"):
        sched.register("a.b", Counter(), at="01:00")
    with pytest.raises(KeyError, match="no job named"):
        sched.job("nope")


def test_scheduled__decorator_registers_for_add_registered(
    clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(scheduler_module, "REGISTRY", {})

    @scheduled("incident.overdue_sweep", every=timedelta(minutes=5))
    async def sweep() -> None:
        return None

    assert {
        "incident.overdue_sweep": JobSpec("incident.overdue_sweep", sweep, Every(timedelta(minutes=5)))
    } == scheduler_module.REGISTRY
    sched = Scheduler(clock=clock)
    sched.add_registered()
    assert [(s.name, s.schedule, s.next_run_at) for s in sched.jobs()] == [
        ("incident.overdue_sweep", "every 0:05:00", _sh(2024, 5, 10, 12, 5))
    ]


async def test_scheduler__awaits_a_coroutine_returned_by_a_plain_callable(clock: ManualClock) -> None:
    job = Counter()
    sched = Scheduler(clock=clock)
    sched.register("viid.outbox", lambda: job(), every=timedelta(minutes=1))
    state = await sched.run_now("viid.outbox")
    assert (state.last_ok, state.last_result, job.calls) == (True, 1, 1)
