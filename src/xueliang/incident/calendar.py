"""Working-time arithmetic on a work calendar with Chinese adjusted working days (调休).

A day is a working day when the calendar data says so; days the data does not mention are working
days from Monday to Friday. Holidays are listed as ``holiday`` and the weekend days moved into
working days (调休上班) as ``workday``. Within a working day, time counts only inside the working
periods (default 09:00–12:00 and 13:30–17:30, local time).

- ``add(start, amount, unit)``: the due time of a limit started at ``start``.
  * natural hours: plain elapsed time;
  * working hours: working time only, e.g. 2 working hours from Friday 16:30 → Monday 10:30;
  * working days: the end of the N-th working day *after* the start's day ("from the next day",
    as 12345 rules count); 0 working days = the end of the start's own day (or of the next working
    day when the start's day is not one).
- ``measure(a, b, unit)``: time between two instants in the unit's measure (seconds of working time
  for both working units), used for 80 % warnings and to pause a clock (suspension).
- ``shift(start, seconds, unit)``: the inverse of ``measure``.

Calendar data is CSV ``date,kind,name`` (kind = holiday | workday); ``data/calendar_2026.csv`` ships
with the package, ``xueliang incident calendar import FILE`` adds rows to the database.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from xueliang.core.exceptions import InvalidInputError
from xueliang.incident.enums import TimeUnit

DATA_DIR = Path(__file__).parent / "data"
MAX_DAYS = 3660  # a limit never spans more than ten years of calendar
DEFAULT_PERIODS = "09:00-12:00,13:30-17:30"


def parse_periods(text: str) -> tuple[tuple[time, time], ...]:
    """``"09:00-12:00,13:30-17:30"`` → ordered, non-overlapping periods."""
    periods: list[tuple[time, time]] = []
    try:
        for part in text.split(","):
            first, last = part.strip().split("-")
            periods.append((time.fromisoformat(first.strip()), time.fromisoformat(last.strip())))
    except ValueError as exc:
        raise InvalidInputError(f"working periods must look like 09:00-12:00,13:30-17:30: {text!r}") from exc
    for (a, b), nxt in zip(periods, [*periods[1:], None], strict=True):
        if not a < b or (nxt is not None and nxt[0] < b):
            raise InvalidInputError(f"working periods must be ordered and not overlap: {text!r}")
    return tuple(periods)


@dataclass(frozen=True)
class WorkCalendar:
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))
    periods: tuple[tuple[time, time], ...] = field(default_factory=lambda: parse_periods(DEFAULT_PERIODS))
    overrides: Mapping[date, bool] = field(default_factory=dict)  # date → is a working day

    def is_workday(self, day: date) -> bool:
        return self.overrides.get(day, day.weekday() < 5)

    def _intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        if not self.is_workday(day):
            return []
        return [
            (datetime.combine(day, a, self.tz), datetime.combine(day, b, self.tz)) for a, b in self.periods
        ]

    def _days_from(self, start: datetime) -> Iterable[date]:
        first = start.astimezone(self.tz).date()
        return (first + timedelta(days=i) for i in range(MAX_DAYS))

    def add_working_seconds(self, start: datetime, seconds: float) -> datetime:
        remaining = timedelta(seconds=max(0.0, seconds))
        for day in self._days_from(start):
            for a, b in self._intervals(day):
                begin = max(a, start)
                if begin >= b:
                    continue
                if remaining <= b - begin:
                    return begin + remaining
                remaining -= b - begin
        raise InvalidInputError("time limit runs past the end of the calendar")

    def end_of_working_day(self, start: datetime, n: int) -> datetime:
        """The end of the n-th working day after the start's day. n = 0: the end of the start's own
        day, or of the next working day when the start's day is not one or is already over."""
        local_day = start.astimezone(self.tz).date()
        count = 0
        for day in self._days_from(start):
            end = datetime.combine(day, self.periods[-1][1], self.tz)
            if not self.is_workday(day) or (day == local_day and (n > 0 or start >= end)):
                continue
            count += 1
            if count >= n:
                return end
        raise InvalidInputError("time limit runs past the end of the calendar")

    def working_seconds_between(self, a: datetime, b: datetime) -> float:
        if b <= a:
            return 0.0
        total = 0.0
        for day in self._days_from(a):
            if datetime.combine(day, time(0), self.tz) >= b:
                break
            for start, end in self._intervals(day):
                lo, hi = max(start, a), min(end, b)
                if hi > lo:
                    total += (hi - lo).total_seconds()
        return total

    def add(self, start: datetime, amount: float, unit: TimeUnit) -> datetime:
        if unit is TimeUnit.natural_hours:
            return start + timedelta(hours=amount)
        if unit is TimeUnit.working_hours:
            return self.add_working_seconds(start, amount * 3600)
        return self.end_of_working_day(start, int(amount))

    def measure(self, a: datetime, b: datetime, unit: TimeUnit) -> float:
        if unit is TimeUnit.natural_hours:
            return max(0.0, (b - a).total_seconds())
        return self.working_seconds_between(a, b)

    def shift(self, start: datetime, seconds: float, unit: TimeUnit) -> datetime:
        if unit is TimeUnit.natural_hours:
            return start + timedelta(seconds=seconds)
        return self.add_working_seconds(start, seconds)

    def fraction(self, start: datetime, due: datetime, unit: TimeUnit, share: float) -> datetime:
        """The instant when ``share`` of the limit from ``start`` to ``due`` has elapsed."""
        return self.shift(start, self.measure(start, due, unit) * share, unit)


# ---- calendar data ---------------------------------------------------------------------------
KINDS = {"holiday": False, "workday": True, "休": False, "班": True}


def parse_calendar_csv(text: str) -> dict[date, tuple[bool, str]]:
    """Rows ``date,kind,name`` (a header row and ``#`` comments are skipped)."""
    rows: dict[date, tuple[bool, str]] = {}
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    for number, row in enumerate(csv.reader(io.StringIO("\n".join(lines))), start=1):
        if number == 1 and row and row[0].strip().lower() == "date":
            continue
        if len(row) < 2 or row[1].strip() not in KINDS:
            raise InvalidInputError(f"calendar row {number}: expected date,holiday|workday,name: {row}")
        try:
            day = date.fromisoformat(row[0].strip())
        except ValueError as exc:
            raise InvalidInputError(f"calendar row {number}: bad date {row[0]!r}") from exc
        rows[day] = (KINDS[row[1].strip()], row[2].strip() if len(row) > 2 else "")
    return rows


def shipped_days() -> dict[date, tuple[bool, str]]:
    days: dict[date, tuple[bool, str]] = {}
    for path in sorted(DATA_DIR.glob("calendar_*.csv")):
        days.update(parse_calendar_csv(path.read_text(encoding="utf-8")))
    return days
