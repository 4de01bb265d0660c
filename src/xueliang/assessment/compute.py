"""The engine: every indicator of a plan for every subject of one period, set-based in SQL.

One ``GROUP BY subject`` query per source sums the measures' predicates (``measures.py``); stage
times are one ``UNION ALL`` over the stages with window functions for the p90 (nearest rank).
No per-incident Python: Python only divides the per-subject sums.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    and_,
    bindparam,
    case,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
    text,
    union_all,
)
from sqlalchemy.orm import Session

from xueliang.assessment import measures as m
from xueliang.assessment.contractor import ContractorFeed, MonthFigures, TableFeed
from xueliang.assessment.enums import SubjectType
from xueliang.assessment.indicators import BY_CODE, Indicator
from xueliang.assessment.models import PatrolDay
from xueliang.assessment.periods import Period
from xueliang.core.db import UTCDateTime
from xueliang.grid.models import GridMember
from xueliang.incident.models import Callback, Incident, IncidentEvent

T = SubjectType
I, E = m.I, m.E  # noqa: E741
GM = GridMember.__table__.c
PD = PatrolDay.__table__.c
Counts = dict[str, dict[str, float]]  # subject key → measure → count


@dataclass(frozen=True)
class Value:
    numerator: float | None
    denominator: float | None
    value: float | None  # ratio 0–1, count, or hours

    def as_dict(self) -> dict[str, Any]:
        return {"num": self.numerator, "den": self.denominator, "value": self.value}


@dataclass
class Computed:
    values: dict[str, dict[str, Value]]  # subject key → indicator code → value
    counts: Counts
    contractor_months: list[MonthFigures]


# The period's slice. Every query of a period reads only incidents with a timestamp in the period
# or changed since it began (each timeline event and call-back changes its incident). One scan of
# ``incident`` copies them into a temporary table of the same name, which shadows the real one for
# this connection (SQLite and PostgreSQL both resolve unqualified names to temporary tables
# first); the queries below then scan ~1/12 of a year's incidents instead of the whole table.
@contextmanager
def period_slice(db: Session, w: m.Window) -> Iterator[None]:
    connection = db.connection()
    postgres = connection.dialect.name == "postgresql"
    drop = text("DROP TABLE IF EXISTS " + ("pg_temp.incident" if postgres else "temp.incident"))
    columns = [c.name for c in m.relevance_columns()]
    chosen = " OR ".join(f"({c} >= :s AND {c} < :e)" for c in columns) + " OR updated_at >= :s"
    head = "CREATE TEMPORARY TABLE incident " + ("ON COMMIT DROP " if postgres else "")
    sql = f"{head}AS SELECT * FROM incident WHERE {chosen}"  # noqa: S608 - the model's column names
    bounds = (bindparam("s", w.start, type_=UTCDateTime()), bindparam("e", w.end, type_=UTCDateTime()))
    create = text(sql).bindparams(*bounds)
    connection.execute(drop)
    connection.execute(create)
    try:
        yield
    finally:
        connection.execute(drop)


def _place_key(subject_type: SubjectType) -> Any:
    if subject_type is T.city:
        return case((I.id.is_not(None), literal_column("'city'")))  # an expression PostgreSQL groups by
    return {
        T.town: I.town_code,
        T.community: I.community_code,
        T.grid: I.grid_id,
        T.department: I.department_id,
    }[subject_type]


def _member_of_grid(period: Period, grid_id: Any, user_id: Any = None) -> Any:
    valid = and_(
        or_(GM.valid_from.is_(None), GM.valid_from < period.after),
        or_(GM.valid_to.is_(None), GM.valid_to >= period.first),
    )
    return and_(GM.grid_id == grid_id, valid, *(() if user_id is None else (GM.user_id == user_id,)))


def _merge(into: Counts, rows: Any, codes: list[str]) -> None:
    for row in rows:
        key = str(row[0])
        for code, value in zip(codes, row[1:], strict=True):
            into[key][code] = into[key].get(code, 0.0) + float(value or 0)


def _incident_counts(
    db: Session,
    into: Counts,
    subject_type: SubjectType,
    period: Period,
    w: m.Window,
    measures: list[m.Measure],
) -> None:
    groups: dict[bool, list[m.Measure]] = defaultdict(list)
    for measure in measures:
        groups[measure.by_reporter and subject_type is T.grid_worker].append(measure)
    for by_reporter, group in groups.items():
        sums = [func.sum(case((measure.predicate(w), 1), else_=0)) for measure in group if measure.predicate]
        source: Any = Incident.__table__
        if subject_type is not T.grid_worker:
            key = _place_key(subject_type)
        elif by_reporter:
            key = I.reporter_user_id
        else:
            key = GM.user_id
            source = Incident.__table__.join(GridMember.__table__, _member_of_grid(period, I.grid_id))
        query = select(key, *sums).select_from(source).where(key.is_not(None)).group_by(key)
        _merge(into, db.execute(query), [measure.code for measure in group])


def _event_counts(
    db: Session, into: Counts, subject_type: SubjectType, w: m.Window, kinds: list[str]
) -> None:
    source: Any = Incident.__table__.join(IncidentEvent.__table__, E.incident_id == I.id)
    if subject_type is T.department:
        key: Any = case(
            (E.action == "dispatch", E.data["department_id"].as_integer()),
            else_=E.data["returned_by"].as_integer(),
        )
    else:
        key = _place_key(subject_type)
    predicates = {kind: m.event_predicates(kind, w) for kind in kinds}
    sums = [func.sum(case((predicates[kind], 1), else_=0)) for kind in kinds]
    query = (
        select(key, *sums)
        .select_from(source)
        .where(key.is_not(None), or_(*predicates.values()))
        .group_by(key)
    )
    _merge(into, db.execute(query), [{"dispatch": "dispatches", "return": "returns"}[k] for k in kinds])


def _callback_counts(db: Session, into: Counts, subject_type: SubjectType, w: m.Window) -> None:
    key = _place_key(subject_type)
    source = Incident.__table__.join(Callback.__table__, m.CB.incident_id == I.id)
    valid, satisfied = m.callback_valid(w), m.callback_satisfied(w)
    query = (
        select(key, func.sum(case((valid, 1), else_=0)), func.sum(case((satisfied, 1), else_=0)))
        .select_from(source)
        .where(key.is_not(None), m.counted(), m.within(m.CB.at, w))
        .group_by(key)
    )
    _merge(into, db.execute(query), ["callbacks_valid", "callbacks_satisfied"])


def _patrol_counts(db: Session, into: Counts, period: Period, working_days: int) -> None:
    own = exists().where(_member_of_grid(period, PD.grid_id, PD.user_id))
    query = (
        select(PD.user_id, func.count(PD.day.distinct()), func.sum(PD.checkins))
        .where(PD.day >= period.first, PD.day < period.after, own)
        .group_by(PD.user_id)
    )
    _merge(into, db.execute(query), ["patrol_days", "checkins"])
    for key in into:
        into[key]["working_days"] = float(working_days)


def _contractor_counts(into: Counts, months: list[MonthFigures]) -> None:
    for row in months:
        counts = into[row.contractor_code]
        for name in ("device_hours", "online_hours", "orders_due", "orders_on_time"):
            counts[name] = counts.get(name, 0.0) + float(getattr(row, name))


def stage_times(
    db: Session, subject_type: SubjectType, w: m.Window, stages: list[str]
) -> dict[str, dict[str, tuple[int, float, float]]]:
    """subject key → stage → (n, mean hours, p90 hours); p90 is the nearest-rank value."""
    key = _place_key(subject_type)
    branches = [
        select(
            key.label("k"),
            literal(stage).label("stage"),
            m.seconds_between(m.STAGE_TIMES[stage][2], m.STAGE_TIMES[stage][1]).label("s"),
        )
        .select_from(Incident.__table__)
        .where(key.is_not(None), m.stage_time_filter(stage, w))
        for stage in stages
    ]
    u = union_all(*branches).subquery()
    part = (u.c.k, u.c.stage)
    ranked = select(
        u.c.k,
        u.c.stage,
        u.c.s,
        func.row_number().over(partition_by=part, order_by=u.c.s).label("rn"),
        func.count().over(partition_by=part).label("n"),
    ).subquery()
    nearest = (9 * ranked.c.n + 9) // 10  # ceil(0.9 n)
    query = select(
        ranked.c.k,
        ranked.c.stage,
        func.count(),
        func.avg(ranked.c.s),
        func.max(case((ranked.c.rn == nearest, ranked.c.s))),
    ).group_by(ranked.c.k, ranked.c.stage)
    out: dict[str, dict[str, tuple[int, float, float]]] = defaultdict(dict)
    for k, stage, n, mean, p90 in db.execute(query):
        out[str(k)][stage] = (int(n), float(mean) / 3600.0, float(p90) / 3600.0)
    return out


def needed_measures(indicators: list[Indicator], extra: tuple[str, ...] = ()) -> list[m.Measure]:
    codes = {*extra}
    for indicator in indicators:
        if indicator.kind != "duration":
            codes.update(c for c in (indicator.numerator, indicator.denominator) if c)
    return [m.MEASURES[code] for code in sorted(codes)]


def compute(
    *,
    db: Session,
    subject_type: SubjectType,
    period: Period,
    tz: ZoneInfo,
    codes: list[str],
    sample_measure: str,
    working_days: int = 0,
    feed: ContractorFeed | None = None,
) -> Computed:
    indicators = [BY_CODE[code] for code in codes]
    w = m.Window(*period.window(tz))
    counts: Counts = defaultdict(dict)
    measures = needed_measures(indicators, (sample_measure,))
    by_source: dict[str, list[m.Measure]] = defaultdict(list)
    for measure in measures:
        by_source[measure.source].append(measure)
    months: list[MonthFigures] = []
    stages = sorted({i.numerator for i in indicators if i.kind == "duration"})
    times: dict[str, dict[str, tuple[int, float, float]]] = {}
    kinds = [k for k in ("dispatch", "return") if by_source[k]]
    if by_source["incident"] or by_source["callback"] or kinds or stages:
        with period_slice(db, w):
            if by_source["incident"]:
                _incident_counts(db, counts, subject_type, period, w, by_source["incident"])
            if kinds:
                _event_counts(db, counts, subject_type, w, kinds)
            if by_source["callback"]:
                _callback_counts(db, counts, subject_type, w)
            times = stage_times(db, subject_type, w, stages) if stages else {}
    if by_source["patrol"]:
        _patrol_counts(db, counts, period, working_days)
    if by_source["contractor"]:
        months = (feed or TableFeed()).months(db, period.first, period.after)
        _contractor_counts(counts, months)
    keys = set(counts) | set(times)
    values = {
        key: {i.code: _value(i, counts.get(key, {}), times.get(key, {})) for i in indicators} for key in keys
    }
    for key in keys:
        counts[key].setdefault(sample_measure, 0.0)
    return Computed(values, dict(counts), months)


def _value(
    indicator: Indicator, counts: dict[str, float], times: dict[str, tuple[int, float, float]]
) -> Value:
    if indicator.kind == "duration":
        n, mean, p90 = times.get(indicator.numerator, (0, 0.0, 0.0))
        if n == 0:
            return Value(None, 0, None)
        return Value(None, n, round(mean if indicator.stat == "mean" else p90, 4))
    num = counts.get(indicator.numerator, 0.0)
    if indicator.kind == "count":
        return Value(num, None, num)
    den = counts.get(indicator.denominator or "", 0.0)
    return Value(num, den, None if den == 0 else num / den)


def working_days(calendar: Any, period: Period) -> int:
    """Working days of the period on the incident work calendar (holidays, 调休 days)."""
    day, count = period.first, 0
    while day < period.after:
        count += bool(calendar.is_workday(day))
        day = date.fromordinal(day.toordinal() + 1)
    return count
