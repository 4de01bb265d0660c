"""Each formula against the hand-computed March 2026 fixture (conftest.py).

Town 一街道 (T1) has incidents A–H, K, M; E closed in February, F is void, H rejected. Department
d1 handled A–F and K; d2 first got C (and returned it) and J."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from tests.assessment.conftest import T1, TZ, FakeContractorFeed, Month
from xueliang.assessment.compute import Computed, compute
from xueliang.assessment.enums import SubjectType
from xueliang.assessment.indicators import CATALOGUE, for_subject
from xueliang.assessment.periods import Period

MARCH = Period.parse("2026-03")


def _run(db: Session, subject_type: SubjectType, *, days: int = 0, sample: str = "due_close") -> Computed:
    codes = [
        i.code for i in for_subject(SubjectType.town if subject_type is SubjectType.city else subject_type)
    ]
    return compute(
        db=db,
        subject_type=subject_type,
        period=MARCH,
        tz=TZ,
        codes=codes,
        sample_measure=sample,
        working_days=days,
        feed=FakeContractorFeed(),
    )


# (indicator, numerator, denominator) for town T1; the comment names the incidents counted.
TOWN_T1 = [
    ("closure_rate", 3, 4),  # closed A B G / due A B C G
    ("closure_on_time_rate", 2, 4),  # A on time, G self-handled
    ("handle_rate", 2, 3),  # handled A B / handle due A B C
    ("handle_on_time_rate", 1, 3),  # A
    ("sign_on_time_rate", 3, 5),  # A D K / A B C D K
    ("rework_rate", 1, 4),  # B
    ("extension_rate", 1, 4),  # C
    ("return_rate", 1, 6),  # C returned once / dispatch events A B C C D K
    ("first_time_rate", 2, 3),  # A G / A B G
    ("satisfaction_rate", 1, 2),  # A satisfied, K unsatisfied
    ("dispatch_accuracy", 4, 5),  # A B D K / first dispatches A B C D K
    ("dispatch_on_time_rate", 4, 5),  # C late
    ("accept_on_time_rate", 5, 7),  # A C D H K / A B C D H K M
    ("verify_on_time_rate", 3, 4),  # A G K / A B G K
]


@pytest.mark.parametrize(("code", "num", "den"), TOWN_T1, ids=[row[0] for row in TOWN_T1])
def test_compute__town_formulas(db: Session, month: Month, code: str, num: int, den: int) -> None:
    value = _run(db, SubjectType.town).values[T1][code]
    assert (value.numerator, value.denominator) == (num, den)
    assert value.value == pytest.approx(num / den)


DEPARTMENTS = [
    ("d1", "closure_rate", 2, 3),  # A B / A B C
    ("d1", "closure_on_time_rate", 1, 3),
    ("d1", "return_rate", 0, 5),  # dispatches to d1: A B C D K
    ("d2", "return_rate", 1, 2),  # C returned by d2 / C J
    ("d1", "satisfaction_rate", 1, 2),  # A / A K
    ("d2", "satisfaction_rate", 1, 1),  # J basically satisfied; the no-answer call is not valid
    ("d2", "closure_rate", 1, 1),
]


@pytest.mark.parametrize(
    ("dept", "code", "num", "den"), DEPARTMENTS, ids=[f"{r[0]}-{r[1]}" for r in DEPARTMENTS]
)
def test_compute__department_formulas(
    db: Session, month: Month, dept: str, code: str, num: int, den: int
) -> None:
    key = str(getattr(month, dept))
    value = _run(db, SubjectType.department).values[key][code]
    assert (value.numerator, value.denominator) == (num, den)


WORKER = [
    ("reports", 3, None),  # B G H
    ("valid_report_rate", 2, 3),  # B G (H rejected)
    ("self_handle_rate", 1, 3),  # G
    ("miss_rate", 4, 5),  # registered in grid 1: A B C D K; not from the worker: A C D K
    ("verify_on_time_rate", 3, 4),
    ("patrol_coverage", 3, 22),  # 2, 3, 5 March in the own grid / 22 working days
    ("patrol_checkins", 6, None),  # 2 + 1 + 3
]


@pytest.mark.parametrize(("code", "num", "den"), WORKER, ids=[row[0] for row in WORKER])
def test_compute__grid_worker_formulas(
    db: Session, month: Month, code: str, num: int, den: int | None
) -> None:
    value = _run(db, SubjectType.grid_worker, days=22, sample="reported").values[str(month.w1)][code]
    assert (value.numerator, value.denominator) == (num, den)


CONTRACTOR = [
    ("X", "availability", 0.94),
    ("Y", "availability", 0.99),
    ("X", "work_order_on_time_rate", 0.95),
    ("Y", "work_order_on_time_rate", 0.8),
]


@pytest.mark.parametrize(("key", "code", "expected"), CONTRACTOR, ids=[f"{r[0]}-{r[1]}" for r in CONTRACTOR])
def test_compute__contractor_formulas(db: Session, key: str, code: str, expected: float) -> None:
    value = _run(db, SubjectType.contractor, sample="orders_due").values[key][code]
    assert value.value == pytest.approx(expected)


STAGE_TIMES = [
    ("handle_time_mean", 2, 96.0),  # A 72 h, B 120 h (sign → handled)
    ("handle_time_p90", 2, 120.0),  # nearest rank ceil(0.9 × 2) = 2
    ("close_time_mean", 3, 18.0),  # A 24, B 24, G 6 (handled → closed)
    ("close_time_p90", 3, 24.0),
    ("accept_time_mean", 6, 3.5 / 6),  # A 0.5, B 2, C D K 1/6, H 0.5
    ("accept_time_p90", 6, 2.0),
]


@pytest.mark.parametrize(("code", "n", "hours"), STAGE_TIMES, ids=[row[0] for row in STAGE_TIMES])
def test_compute__stage_times(db: Session, month: Month, code: str, n: int, hours: float) -> None:
    value = _run(db, SubjectType.town).values[T1][code]
    assert value.denominator == n
    assert value.value == pytest.approx(hours, abs=1e-3)


def test_compute__every_indicator_is_fixture_tested() -> None:
    tested = {r[0] for r in TOWN_T1 + WORKER + STAGE_TIMES} | {r[1] for r in DEPARTMENTS + CONTRACTOR}
    untested = (
        {i.code for i in CATALOGUE}
        - tested
        - {"dispatch_time_mean", "dispatch_time_p90", "sign_time_mean", "sign_time_p90"}
    )
    assert untested == set()


def test_compute__empty_period(db: Session, month: Month) -> None:
    codes = [i.code for i in for_subject(SubjectType.town)]
    result = compute(
        db=db,
        subject_type=SubjectType.town,
        period=Period.parse("2027-01"),
        tz=TZ,
        codes=codes,
        sample_measure="due_close",
    )
    assert result.values == {}


def test_compute__city_sums_every_town(db: Session, month: Month) -> None:
    value = _run(db, SubjectType.city).values["city"]["closure_rate"]
    assert (value.numerator, value.denominator) == (4, 5)  # T1 3/4 + T2 (J) 1/1


def test_compute__the_period_slice_is_dropped_afterwards(db: Session, month: Month) -> None:
    from sqlalchemy import func, select

    from xueliang.incident.models import Incident

    before = db.scalar(select(func.count()).select_from(Incident))
    _run(db, SubjectType.town)
    assert db.scalar(select(func.count()).select_from(Incident)) == before == len(month.incidents)
