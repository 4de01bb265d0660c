"""A small asyncio scheduler for periodic jobs that domains declare in their ``scheduled.py``.

>>> @scheduled("audit.verify", every=timedelta(hours=1))
... async def verify_chain() -> str: ...
>>> @scheduled("assessment.monthly_report", day=1, at="02:00")   # monthly, Asia/Shanghai
... def build_monthly_report() -> None: ...                       # sync jobs run in a thread

The app's lifespan builds ``Scheduler()``, calls ``add_registered()`` and ``start()``/``stop()``.
Schedules are jitter-free wall-clock times in one timezone; the clock is injectable
(``ManualClock`` in tests). A job never overlaps itself: a tick that finds it still running is
skipped. A job that raises is logged with its traceback, recorded in its ``JobState``, and runs
again at its next tick; nothing a job does stops the scheduler. Missed ticks (the process was
down, or a run overran) are not caught up: the job runs once, then at the next future slot.
"""

from __future__ import annotations

import asyncio
import calendar
import contextlib
import inspect
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol, TypeVar
from zoneinfo import ZoneInfo

logger = logging.getLogger(__name__)

JobFunc = Callable[[], Awaitable[Any]] | Callable[[], Any]
F = TypeVar("F", bound=JobFunc)
DEFAULT_TZ = "Asia/Shanghai"


class Clock(Protocol):
    def now(self) -> datetime: ...

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class ManualClock:
    """A clock that only moves when ``advance`` is called; sleepers wake when their time comes."""

    def __init__(self, start: datetime) -> None:
        self._now = start
        self._sleepers: list[tuple[datetime, asyncio.Future[None]]] = []

    def now(self) -> datetime:
        return self._now

    async def sleep(self, seconds: float) -> None:
        sleeper = (self._now + timedelta(seconds=seconds), asyncio.get_running_loop().create_future())
        self._sleepers.append(sleeper)
        try:
            await sleeper[1]
        finally:
            self._sleepers.remove(sleeper)

    async def advance(self, delta: timedelta) -> None:
        """Move the time on, wake the due sleepers and let the tasks they wake run a few steps."""
        self._now += delta
        for deadline, future in self._sleepers:
            if deadline <= self._now and not future.done():
                future.set_result(None)
        for _ in range(10):
            await asyncio.sleep(0)


class Schedule(Protocol):
    def next_after(self, moment: datetime, tz: ZoneInfo) -> datetime:
        """The first run time strictly after ``moment``."""
        ...


@dataclass(frozen=True)
class Every:
    interval: timedelta

    def next_after(self, moment: datetime, tz: ZoneInfo) -> datetime:
        return moment + self.interval

    def __str__(self) -> str:
        return f"every {self.interval}"


@dataclass(frozen=True)
class DailyAt:
    at: time

    def next_after(self, moment: datetime, tz: ZoneInfo) -> datetime:
        local = moment.astimezone(tz)
        candidate = datetime.combine(local.date(), self.at, tzinfo=tz)
        if candidate <= local:
            candidate = datetime.combine(local.date() + timedelta(days=1), self.at, tzinfo=tz)
        return candidate

    def __str__(self) -> str:
        return f"daily at {self.at:%H:%M}"


@dataclass(frozen=True)
class MonthlyAt:
    """On ``day`` of each month at ``at``; in shorter months, on their last day."""

    day: int
    at: time

    def next_after(self, moment: datetime, tz: ZoneInfo) -> datetime:
        local = moment.astimezone(tz)
        candidate = self._in_month(local.year, local.month, tz)
        if candidate <= local:
            year, month = divmod(local.year * 12 + local.month, 12)  # the month after, 1-based
            candidate = self._in_month(year, month + 1, tz)
        return candidate

    def _in_month(self, year: int, month: int, tz: ZoneInfo) -> datetime:
        day = min(self.day, calendar.monthrange(year, month)[1])
        return datetime.combine(date(year, month, day), self.at, tzinfo=tz)

    def __str__(self) -> str:
        return f"monthly on day {self.day} at {self.at:%H:%M}"


def make_schedule(
    *, every: timedelta | None = None, at: str | None = None, day: int | None = None
) -> Schedule:
    """``every=`` a fixed interval, ``at="HH:MM"`` daily, or ``day=D, at="HH:MM"`` monthly."""
    if (every is None) == (at is None):
        raise ValueError("give exactly one of every= or at=")
    if every is not None:
        if day is not None or every <= timedelta(0):
            raise ValueError("every= must be a positive interval, without day=")
        return Every(every)
    assert at is not None
    at_time = time.fromisoformat(at)
    if day is None:
        return DailyAt(at_time)
    if not 1 <= day <= 31:
        raise ValueError(f"day={day} is not a day of the month")
    return MonthlyAt(day, at_time)


@dataclass(frozen=True)
class JobSpec:
    name: str
    func: JobFunc
    schedule: Schedule


@dataclass
class JobState:
    """What a jobs page shows about one job; ``Scheduler.jobs()`` hands out copies."""

    name: str
    schedule: str
    next_run_at: datetime | None = None
    running: bool = False
    runs: int = 0
    failures: int = 0
    last_started_at: datetime | None = None
    last_finished_at: datetime | None = None
    last_ok: bool | None = None
    last_result: Any = None
    last_error: str | None = None


REGISTRY: dict[str, JobSpec] = {}


def _add_spec(registry: dict[str, JobSpec], spec: JobSpec) -> None:
    if spec.name in registry:
        raise ValueError(f"job {spec.name!r} is already registered")
    registry[spec.name] = spec


def scheduled(
    name: str, *, every: timedelta | None = None, at: str | None = None, day: int | None = None
) -> Callable[[F], F]:
    """Declare a periodic job in the module-level ``REGISTRY`` (see the module docstring)."""

    def decorate(func: F) -> F:
        _add_spec(REGISTRY, JobSpec(name, func, make_schedule(every=every, at=at, day=day)))
        return func

    return decorate


class _Job:
    def __init__(self, spec: JobSpec, next_run_at: datetime) -> None:
        self.spec = spec
        self.state = JobState(spec.name, str(spec.schedule), next_run_at=next_run_at)
        self.task: asyncio.Task[None] | None = None


class Scheduler:
    """Runs registered jobs on their schedules inside one event loop (the app's lifespan)."""

    def __init__(
        self, *, tz: str = DEFAULT_TZ, clock: Clock | None = None, max_sleep: timedelta = timedelta(minutes=1)
    ) -> None:
        self.tz = ZoneInfo(tz)
        self.clock: Clock = clock or SystemClock()
        self.max_sleep = max_sleep  # wake this often anyway: picks up jobs added later, clock jumps
        self._jobs: dict[str, _Job] = {}
        self._loop_task: asyncio.Task[None] | None = None

    def register(
        self,
        name: str,
        func: JobFunc,
        *,
        every: timedelta | None = None,
        at: str | None = None,
        day: int | None = None,
    ) -> None:
        self.add(JobSpec(name, func, make_schedule(every=every, at=at, day=day)))

    def add(self, spec: JobSpec) -> None:
        if spec.name in self._jobs:
            raise ValueError(f"job {spec.name!r} is already registered")
        first = spec.schedule.next_after(self.clock.now(), self.tz)
        self._jobs[spec.name] = _Job(spec, first)

    def add_registered(self) -> None:
        """Add every job declared with ``@scheduled`` (import the domains' ``scheduled`` modules first)."""
        for spec in REGISTRY.values():
            self.add(spec)

    def jobs(self) -> list[JobState]:
        return [replace(job.state) for job in self._jobs.values()]

    def job(self, name: str) -> JobState:
        return replace(self._get(name).state)

    async def run_now(self, name: str) -> JobState:
        """Run a job at once (or join its current run) and return its state afterwards."""
        await self._trigger(self._get(name))
        return self.job(name)

    async def tick(self) -> None:
        """Run the jobs that are due now and wait for them; the loop does this without waiting."""
        await asyncio.gather(*self._launch_due())

    def start(self) -> None:
        if self._loop_task is not None:
            raise RuntimeError("scheduler already started")
        self._loop_task = asyncio.create_task(self._loop(), name="scheduler")
        logger.info("scheduler started: jobs=%s tz=%s", len(self._jobs), self.tz.key)

    async def stop(self) -> None:
        """Stop the loop and cancel running async jobs (a sync job's thread finishes on its own)."""
        tasks = [self._loop_task] + [job.task for job in self._jobs.values()]
        for task in tasks:
            if task is not None:
                task.cancel()
        for task in tasks:
            if task is not None:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._loop_task = None
        logger.info("scheduler stopped")

    async def _loop(self) -> None:
        while True:
            self._launch_due()
            await self.clock.sleep(self._seconds_to_next())

    def _seconds_to_next(self) -> float:
        now = self.clock.now()
        upcoming = [job.state.next_run_at for job in self._jobs.values() if job.state.next_run_at]
        wait = min([self.max_sleep, *(moment - now for moment in upcoming)])
        return max(wait.total_seconds(), 0.0)

    def _launch_due(self) -> list[asyncio.Task[None]]:
        now = self.clock.now()
        due = [job for job in self._jobs.values() if job.state.next_run_at and job.state.next_run_at <= now]
        for job in due:
            job.state.next_run_at = self._next_slot(job, now)
        return [self._trigger(job) for job in due]

    def _next_slot(self, job: _Job, now: datetime) -> datetime:
        """The slot after the one just due, or the first one after ``now`` if we fell behind."""
        assert job.state.next_run_at is not None
        slot = job.spec.schedule.next_after(job.state.next_run_at, self.tz)
        return slot if slot > now else job.spec.schedule.next_after(now, self.tz)

    def _trigger(self, job: _Job) -> asyncio.Task[None]:
        if job.task is not None and not job.task.done():
            logger.info("job still running, tick skipped: job=%s", job.spec.name)
            return job.task
        job.task = asyncio.create_task(self._run(job), name=f"job:{job.spec.name}")
        return job.task

    async def _run(self, job: _Job) -> None:
        state = job.state
        state.running, state.last_started_at = True, self.clock.now()
        try:
            result = await _call(job.spec.func)
        except Exception as exc:
            logger.exception("job failed: job=%s", job.spec.name)
            state.failures += 1
            state.last_ok, state.last_result, state.last_error = False, None, repr(exc)
        else:
            state.last_ok, state.last_result, state.last_error = True, result, None
        finally:
            state.running, state.last_finished_at = False, self.clock.now()
            state.runs += 1

    def _get(self, name: str) -> _Job:
        try:
            return self._jobs[name]
        except KeyError:
            raise KeyError(f"no job named {name!r}") from None


async def _call(func: JobFunc) -> Any:
    """Await async jobs; run sync ones in a thread so they cannot block the event loop."""
    if inspect.iscoroutinefunction(func) or inspect.iscoroutinefunction(type(func).__call__):
        return await func()
    result = await asyncio.to_thread(func)
    return await result if inspect.isawaitable(result) else result  # e.g. a lambda returning a coroutine
