"""Working-time arithmetic on the shipped 2026 calendar: weekends, holidays, 调休 working days."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.incident.conftest import local
from xueliang.core.exceptions import InvalidInputError
from xueliang.incident.calendar import WorkCalendar, parse_calendar_csv, parse_periods, shipped_days
from xueliang.incident.enums import TimeUnit

WH, WD, NH = TimeUnit.working_hours, TimeUnit.working_days, TimeUnit.natural_hours
CAL = WorkCalendar(overrides={d: w for d, (w, _n) in shipped_days().items()})


@pytest.mark.parametrize(
    ("start", "amount", "unit", "due"),
    [
        ("2026-03-04 10:00", 1, WH, "2026-03-04 11:00"),  # plain Wednesday morning
        ("2026-03-04 11:30", 1, WH, "2026-03-04 14:00"),  # across the lunch break
        ("2026-03-04 12:30", 1, WH, "2026-03-04 14:30"),  # started during the break
        ("2026-03-04 20:00", 1, WH, "2026-03-05 10:00"),  # started after hours
        ("2026-03-06 16:30", 2, WH, "2026-03-09 10:00"),  # Friday → Monday (weekend)
        ("2026-03-04 10:00", 0.25, WH, "2026-03-04 10:15"),  # 15 working minutes
        ("2026-09-30 16:30", 2, WH, "2026-10-08 10:00"),  # National Day week skipped
        ("2026-10-09 17:00", 1, WH, "2026-10-10 09:30"),  # 调休 Saturday 10-10 is a working day
        ("2026-01-03 10:00", 1, WH, "2026-01-04 10:00"),  # holiday Saturday → 调休 Sunday 01-04
        ("2026-02-13 10:00", 1, WD, "2026-02-14 17:30"),  # next working day is 调休 Saturday 02-14
        ("2026-02-13 10:00", 3, WD, "2026-02-25 17:30"),  # Spring Festival 02-15..02-23 skipped
        ("2026-04-30 09:00", 13, WD, "2026-05-21 17:30"),  # Labour Day + 调休 Saturday 05-09 counted
        ("2026-03-04 10:00", 0, WD, "2026-03-04 17:30"),  # same day
        ("2026-03-04 20:00", 0, WD, "2026-03-05 17:30"),  # same day, but the day is over
        ("2026-03-07 10:00", 0, WD, "2026-03-09 17:30"),  # same day on a Saturday → Monday
        ("2026-03-06 10:00", 5, WD, "2026-03-13 17:30"),  # counted from the next day
        ("2026-03-06 10:00", 24, NH, "2026-03-07 10:00"),  # natural hours ignore the weekend
        ("2026-10-01 10:00", 2, NH, "2026-10-01 12:00"),  # and holidays
    ],
)
def test_calendar_add__table(start: str, amount: float, unit: TimeUnit, due: str) -> None:
    assert CAL.add(local(start), amount, unit) == local(due)


@pytest.mark.parametrize(
    ("a", "b", "hours"),
    [
        ("2026-03-06 16:30", "2026-03-09 10:00", 2.0),
        ("2026-03-04 09:00", "2026-03-04 17:30", 7.0),
        ("2026-09-30 17:00", "2026-10-08 09:30", 1.0),
        ("2026-10-09 17:00", "2026-10-10 10:00", 1.5),
        ("2026-03-04 12:00", "2026-03-04 13:30", 0.0),
        ("2026-03-05 10:00", "2026-03-04 10:00", 0.0),
    ],
)
def test_calendar_working_seconds_between__table(a: str, b: str, hours: float) -> None:
    assert CAL.working_seconds_between(local(a), local(b)) == hours * 3600


@pytest.mark.parametrize(
    ("start", "due", "unit", "warn"),
    [
        ("2026-03-09 09:00", "2026-03-09 15:30", WH, "2026-03-09 14:30"),  # 80 % of 5 working hours
        ("2026-03-06 16:30", "2026-03-09 10:00", WH, "2026-03-09 09:36"),  # across the weekend
        ("2026-03-06 10:00", "2026-03-07 10:00", NH, "2026-03-07 05:12"),
    ],
)
def test_calendar_fraction__eighty_percent(start: str, due: str, unit: TimeUnit, warn: str) -> None:
    assert CAL.fraction(local(start), local(due), unit, 0.8) == local(warn)


def test_calendar_shift__inverse_of_measure() -> None:
    start = local("2026-09-30 15:00")
    seconds = CAL.measure(start, local("2026-10-08 11:00"), WH)
    assert CAL.shift(start, seconds, WH) == local("2026-10-08 11:00")
    assert CAL.shift(start, 3600, NH) == start + timedelta(hours=1)


def test_calendar_is_workday__shipped_2026() -> None:
    days = shipped_days()
    assert len([d for d, (w, _) in days.items() if not w]) == 33
    assert sorted(d.isoformat() for d, (w, _) in days.items() if w) == [
        "2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10",
    ]  # fmt: skip
    assert not CAL.is_workday(local("2026-02-16 00:00").date())
    assert CAL.is_workday(local("2026-09-20 00:00").date())


def test_parse_calendar_csv__rejects_bad_rows() -> None:
    assert parse_calendar_csv("date,kind,name\n2027-01-01,holiday,元旦\n# note\n")[
        local("2027-01-01 00:00").date()
    ] == (False, "元旦")
    with pytest.raises(InvalidInputError):
        parse_calendar_csv("2027-01-01,maybe,x")
    with pytest.raises(InvalidInputError):
        parse_calendar_csv("2027-13-01,holiday,x")


def test_parse_periods__rejects_overlap_and_garbage() -> None:
    assert len(parse_periods("08:30-12:00, 14:00-17:30")) == 2
    for bad in ("9-12", "12:00-09:00", "09:00-12:00,11:00-13:00"):
        with pytest.raises(InvalidInputError):
            parse_periods(bad)
