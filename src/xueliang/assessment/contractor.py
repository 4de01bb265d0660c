"""The contractor input interface and the service-fee deduction table.

The ``ops`` domain (maintenance work orders, device health) owns the raw data and stores one row
per contractor and month (``ops_contractor_month``). Assessment reads contractor months through a
``ContractorFeed``: ``OpsFeed`` (the default) reads ops' stored months and merges the
``assessment_contractor_month`` table (monthly fees; hand-entered months or corrections through
``service.put_contractor_month``); ``TableFeed`` reads the table alone; tests pass a fake feed.
Deduction rules are plan data (``plan.config["fee_rules"]``)."""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from xueliang.assessment.models import ContractorMonth
from xueliang.auth.models import OrgUnit


@dataclass(frozen=True)
class MonthFigures:
    contractor_code: str
    contractor_name: str
    month: date
    device_hours: float
    online_hours: float
    orders_due: int
    orders_on_time: int
    monthly_fee: float


class ContractorFeed(Protocol):
    def months(self, db: Session, first: date, after: date) -> list[MonthFigures]:
        """Every contractor's month figures for months starting in [first, after)."""
        ...


class TableFeed:
    """The default feed: the ``assessment_contractor_month`` table."""

    def months(self, db: Session, first: date, after: date) -> list[MonthFigures]:
        rows = db.scalars(
            select(ContractorMonth).where(ContractorMonth.month >= first, ContractorMonth.month < after)
        )
        return [
            MonthFigures(
                r.contractor_code,
                r.contractor_name,
                r.month,
                r.device_hours,
                r.online_hours,
                r.orders_due,
                r.orders_on_time,
                r.monthly_fee,
            )
            for r in rows
        ]


# Default rules: the share of the fee deducted per percentage point below the target, capped.
DEFAULT_FEE_RULES: list[dict[str, Any]] = [
    {"indicator": "availability", "target": 95.0, "per_point": 1.0, "cap": 10.0},
    {"indicator": "work_order_on_time_rate", "target": 90.0, "per_point": 0.5, "cap": 10.0},
]
TOTAL_CAP = 20.0  # % of the fee at most, all rules together


@dataclass(frozen=True)
class DeductionLine:
    contractor_code: str
    contractor_name: str
    indicator: str
    actual: float | None  # %
    target: float
    shortfall: float  # percentage points below target
    deduction_pct: float  # % of the fee
    fee: float
    deduction: float  # money


def deductions(
    values: dict[str, dict[str, Any]],
    fees: dict[str, float],
    names: dict[str, str],
    rules: list[dict[str, Any]],
) -> list[DeductionLine]:
    """One line per contractor and rule, plus a total line (indicator ``total``) per contractor."""
    lines: list[DeductionLine] = []
    for code in sorted(values):
        fee, total_pct, own = fees.get(code, 0.0), 0.0, []
        for rule in rules:
            value = values[code].get(rule["indicator"], {}).get("value")
            actual = None if value is None else round(100.0 * value, 2)
            short = 0.0 if actual is None else max(0.0, float(rule["target"]) - actual)
            pct = min(float(rule["cap"]), round(short * float(rule["per_point"]), 2))
            total_pct += pct
            own.append(
                DeductionLine(
                    code,
                    names.get(code, code),
                    rule["indicator"],
                    actual,
                    rule["target"],
                    round(short, 2),
                    pct,
                    fee,
                    round(fee * pct / 100.0, 2),
                )
            )
        total_pct = min(TOTAL_CAP, total_pct)
        lines += own
        lines.append(
            DeductionLine(
                code,
                names.get(code, code),
                "total",
                None,
                0.0,
                0.0,
                round(total_pct, 2),
                fee,
                round(fee * total_pct / 100.0, 2),
            )
        )
    return lines


class OpsFeed:
    """The ``ops`` domain's stored months (``ops.assessment.stored_month``), merged with the table.

    Ops stores availability as a rate and, per work order, two limits (response and repair): the
    rate becomes online hours out of the month's hours, so that months add up by time, and the
    timeliness becomes (responded + repaired on time) out of 2 × orders. Contractors are keyed by
    their org unit's code. A table row of the same contractor and month (``put_contractor_month``)
    gives the monthly fee and, when it has device hours, replaces ops' figures (a correction)."""

    def months(self, db: Session, first: date, after: date) -> list[MonthFigures]:
        from xueliang.ops.assessment import stored_month  # ops is optional for this domain

        table = {(r.contractor_code, r.month): r for r in TableFeed().months(db, first, after)}
        units = {u.id: u for u in db.scalars(select(OrgUnit))}
        out: dict[tuple[str, date], MonthFigures] = {}
        for month in _month_starts(first, after):
            hours = 24.0 * monthrange(month.year, month.month)[1]
            for row in stored_month(db=db, month=f"{month:%Y-%m}"):
                unit = units.get(row.org_unit_id)
                code = unit.code if unit else str(row.org_unit_id)
                fee = table[(code, month)].monthly_fee if (code, month) in table else 0.0
                out[(code, month)] = MonthFigures(
                    code,
                    unit.name if unit else code,
                    month,
                    0.0 if row.availability is None else hours,
                    (row.availability or 0.0) * hours,
                    2 * row.orders,
                    row.responded_on_time + row.repaired_on_time,
                    fee,
                )
        for key, entered in table.items():
            if key not in out or entered.device_hours > 0:
                out[key] = entered
        return sorted(out.values(), key=lambda r: (r.contractor_code, r.month))


def _month_starts(first: date, after: date) -> list[date]:
    months, day = [], first.replace(day=1)
    while day < after:
        months.append(day)
        day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return months


def default_feed() -> ContractorFeed:
    try:
        import xueliang.ops.assessment  # noqa: F401
    except ImportError:  # a build without the ops domain: the table alone
        return TableFeed()
    return OpsFeed()
