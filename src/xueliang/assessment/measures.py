"""Measures: the named counts that indicators divide, as SQL over incidents, their stage columns,
timeline events and call-backs, plus the two input tables (patrol days, contractor months).

Every measure of a period P = [s, e) is a predicate on one row of its source; the engine
(``compute.py``) sums ``CASE WHEN predicate THEN 1 ELSE 0 END`` per subject in one ``GROUP BY``
query per source. Definitions follow grid-governance.md §2.4 with these choices:

* 应结案 (due to close): not void/merged/rejected, and closed in P, or handle due in P and not
  closed before P (an incident due in P and closed in P+1 counts open in P and closed in P+1).
* A stage population ("应签收", "应处置", …): stages with a due time (timed stages) that ended
  in P, or were due in P and had not ended before P. On time = the stage's ``<stage>_on_time``
  written at the transition. Self-handled incidents have no dispatch, sign or handle due.
* 按期结案 divides by 应结案 (not 结案); self-handled incidents count as on time.
* 返工 / 延期 count incidents with at least one rework / approved extension (rates stay ≤ 100 %).
* 准确派遣: first dispatch in P and never returned (退单) afterwards.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Float, and_, false, not_, or_
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from xueliang.incident.enums import Satisfaction, Source, Stage, State
from xueliang.incident.models import Callback, Incident, IncidentEvent

I = Incident.__table__.c  # noqa: E741 - short alias for the SQL below
E = IncidentEvent.__table__.c
CB = Callback.__table__.c

STAGES = (Stage.accept, Stage.dispatch, Stage.sign, Stage.handle, Stage.verify)
NOT_COUNTED = (State.void, State.merged)  # never in any population
NOT_REGISTERED = (State.void, State.merged, State.rejected)
SATISFIED = (Satisfaction.satisfied, Satisfaction.basic)
VALID_CALLBACK = (*SATISFIED, Satisfaction.unsatisfied)


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime


Predicate = Callable[[Window], ColumnElement[bool]]


@dataclass(frozen=True)
class Measure:
    """A count over one source: ``incident`` (attributed to the incident's place, department or
    reporter), ``dispatch`` / ``return`` (timeline events), ``callback``, ``patrol``, ``contractor``."""

    code: str
    source: str
    zh: str
    en: str
    predicate: Predicate | None = None  # None: the source computes it itself
    by_reporter: bool = False  # grid workers: attributed to the reporter, not to the grid's members


class seconds_between(FunctionElement[float]):
    """``end - start`` in seconds on SQLite (julianday) and PostgreSQL (epoch)."""

    type = Float()
    inherit_cache = True


@compiles(seconds_between)
def _seconds_pg(element: Any, compiler: Any, **kw: Any) -> str:
    end, start = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"EXTRACT(EPOCH FROM ({end} - {start}))"


@compiles(seconds_between, "sqlite")
def _seconds_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    end, start = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"((julianday({end}) - julianday({start})) * 86400.0)"


def within(column: Any, w: Window) -> ColumnElement[bool]:
    return and_(column >= w.start, column < w.end)


def is_true(column: Any) -> ColumnElement[bool]:
    return column.is_(True)  # type: ignore[no-any-return]


def counted() -> ColumnElement[bool]:
    return I.state.not_in([str(s) for s in NOT_COUNTED])


def due_to_close(w: Window) -> ColumnElement[bool]:
    closed_in = within(I.closed_at, w)
    due_in = and_(within(I.handle_due, w), or_(I.closed_at.is_(None), I.closed_at >= w.start))
    return and_(I.state.not_in([str(s) for s in NOT_REGISTERED]), or_(closed_in, due_in))


def closed(w: Window) -> ColumnElement[bool]:
    return and_(due_to_close(w), within(I.closed_at, w), I.state.in_([State.closed, State.archived]))


def stage_population(stage: Stage) -> Predicate:
    at, due = I[f"{stage}_at"], I[f"{stage}_due"]

    def predicate(w: Window) -> ColumnElement[bool]:
        ended_in = within(at, w)
        due_in = and_(within(due, w), or_(at.is_(None), at >= w.start))
        return and_(counted(), due.is_not(None), or_(ended_in, due_in))

    return predicate


def stage_done(stage: Stage) -> Predicate:
    return lambda w: and_(stage_population(stage)(w), within(I[f"{stage}_at"], w))


def stage_on_time(stage: Stage) -> Predicate:
    return lambda w: and_(stage_done(stage)(w), is_true(I[f"{stage}_on_time"]))


def reported(w: Window) -> ColumnElement[bool]:
    return and_(I.source == Source.grid_worker, within(I.reported_at, w))


def registered(w: Window) -> ColumnElement[bool]:
    return and_(within(I.accept_at, w), I.state.not_in([str(s) for s in NOT_REGISTERED]))


def relevance_columns() -> list[Any]:
    """The timestamps a measure reads: an incident matters to P if one of them lies in P."""
    stage_columns = [I[f"{s}_{part}"] for s in (*STAGES, Stage.callback) for part in ("at", "due")]
    return [I.reported_at, I.closed_at, I.first_dispatched_at, *stage_columns]


def _incident(code: str, zh: str, en: str, predicate: Predicate, *, by_reporter: bool = False) -> Measure:
    return Measure(code, "incident", zh, en, predicate, by_reporter)


STAGE_ZH = {"accept": "立案", "dispatch": "派遣", "sign": "签收", "handle": "处置", "verify": "核查"}

MEASURES: dict[str, Measure] = {
    m.code: m
    for m in (
        _incident("due_close", "应结案数", "cases due to close", due_to_close),
        _incident("closed", "结案数", "cases closed", closed),
        _incident(
            "closed_on_time",
            "按期结案数",
            "cases closed on time",
            lambda w: and_(closed(w), or_(is_true(I.handle_on_time), is_true(I.self_handled))),
        ),
        _incident(
            "closed_first_time",
            "一次完成数",
            "closed without rework, return or reopening",
            lambda w: and_(closed(w), I.rework_count == 0, I.returned_count == 0, I.reopen_count == 0),
        ),
        _incident(
            "reworked", "返工数", "cases reworked", lambda w: and_(due_to_close(w), I.rework_count > 0)
        ),
        _incident(
            "extended", "延期件数", "cases extended", lambda w: and_(due_to_close(w), I.extension_count > 0)
        ),
        _incident(
            "dispatched", "派遣数", "first dispatches", lambda w: and_(counted(), within(I.dispatch_at, w))
        ),
        _incident(
            "dispatched_accurate",
            "准确派遣数",
            "first dispatches never returned",
            lambda w: and_(counted(), within(I.dispatch_at, w), I.returned_count == 0),
        ),
        *(
            _incident(f"{s}_due", f"应{STAGE_ZH[s]}数", f"{s} stages due", stage_population(s))
            for s in STAGES
        ),
        *(_incident(f"{s}_done", f"{STAGE_ZH[s]}数", f"{s} stages done", stage_done(s)) for s in STAGES),
        *(
            _incident(f"{s}_on_time", f"按时{STAGE_ZH[s]}数", f"{s} stages on time", stage_on_time(s))
            for s in STAGES
        ),
        _incident("reported", "上报数", "reports by the grid worker", reported, by_reporter=True),
        _incident(
            "reported_valid",
            "有效上报数",
            "valid reports (registered or self-handled)",
            lambda w: and_(
                reported(w),
                or_(I.accept_at.is_not(None), is_true(I.self_handled)),
                I.state.not_in([str(s) for s in NOT_REGISTERED]),
            ),
            by_reporter=True,
        ),
        _incident(
            "self_handled",
            "自处置数",
            "valid self-handled reports",
            lambda w: and_(reported(w), is_true(I.self_handled), I.state != State.void),
            by_reporter=True,
        ),
        _incident("registered", "立案数", "cases registered in the grid", registered),
        _incident(
            "missed",
            "漏报数",
            "registered cases from the public, not from the grid worker",
            lambda w: and_(registered(w), I.source != Source.grid_worker),
        ),
        Measure("dispatches", "dispatch", "派单数", "dispatch events"),
        Measure("returns", "return", "退单次数", "approved returns"),
        Measure("callbacks_valid", "callback", "有效回访数", "call-backs answered"),
        Measure("callbacks_satisfied", "callback", "满意数", "satisfied or basically satisfied"),
        Measure("patrol_days", "patrol", "巡查天数", "days with a patrol in the worker's own grid"),
        Measure("checkins", "patrol", "签到数", "patrol check-ins"),
        Measure("working_days", "patrol", "工作日数", "working days in the period"),
        Measure("device_hours", "contractor", "设备应在线时长", "device hours"),
        Measure("online_hours", "contractor", "设备在线时长", "device hours online"),
        Measure("orders_due", "contractor", "应完成工单数", "work orders due"),
        Measure("orders_on_time", "contractor", "按时完成工单数", "work orders done on time"),
    )
}


def event_predicates(kind: str, w: Window) -> ColumnElement[bool]:
    if kind == "dispatch":
        return and_(E.action == "dispatch", within(E.at, w))
    if kind == "return":
        return and_(E.action == "approve", E.data["kind"].as_string() == "return", within(E.at, w))
    return false()


def callback_valid(w: Window) -> ColumnElement[bool]:
    return and_(within(CB.at, w), CB.satisfaction.in_([str(s) for s in VALID_CALLBACK]))


def callback_satisfied(w: Window) -> ColumnElement[bool]:
    return and_(within(CB.at, w), CB.satisfaction.in_([str(s) for s in SATISFIED]))


# Stage times: (name, start column, end column); the population is "ended in P".
STAGE_TIMES = {
    "accept": ("受理", I.reported_at, I.accept_at),
    "dispatch": ("派遣", I.accept_at, I.dispatch_at),
    "sign": ("签收", I.first_dispatched_at, I.sign_at),
    "handle": ("处置", I.sign_at, I.handle_at),
    "close": ("结案", I.handle_at, I.closed_at),
}


def stage_time_filter(stage: str, w: Window) -> ColumnElement[bool]:
    _, start, end = STAGE_TIMES[stage]
    return and_(counted(), within(end, w), start.is_not(None), not_(end < start))
