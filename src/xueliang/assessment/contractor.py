"""The contractor input interface and the service-fee deduction table.

The ``ops`` domain (maintenance work orders, device health) owns the raw data. Assessment reads one
row per contractor and month through a ``ContractorFeed``: the default reads the
``assessment_contractor_month`` table, which ops fills with ``service.put_contractor_month``; tests
pass a fake feed. Deduction rules are plan data (``plan.config["fee_rules"]``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from xueliang.assessment.models import ContractorMonth


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


def default_feed() -> ContractorFeed:
    return TableFeed()
