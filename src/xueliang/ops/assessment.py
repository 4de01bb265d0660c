"""The contractor's monthly figures, for the assessment domain (fee deduction):

- ``availability``: sample-averaged online rate of the cameras under the contractor's contracts over
  the month, from ``ops_online_daily`` (district rows whose key starts with a contract's prefix);
- ``timeliness``: of the month's work orders (created in the month, local time) that are closed or
  past their repair limit, the share of limits met: (responded on time + repaired on time) / (2 × n).

``month_figures`` computes them; the monthly job stores them in ``ops_contractor_month`` (one row per
month and contractor), which is what other domains read (``stored_month``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xueliang.core.exceptions import InvalidInputError
from xueliang.ops.enums import Dimension, OrderState
from xueliang.ops.models import Contract, ContractorMonth, OnlineDaily, WorkOrder


@dataclass(frozen=True)
class Figures:
    org_unit_id: int
    availability: float | None
    orders: int
    responded_on_time: int
    repaired_on_time: int
    timeliness: float | None


def month_bounds(month: str, tz: ZoneInfo) -> tuple[date, date, datetime, datetime]:
    try:
        first = date.fromisoformat(f"{month}-01")
    except ValueError as exc:
        raise InvalidInputError(f"month must look like 2026-03: {month!r}", field="month") from exc
    nxt = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    start = datetime(first.year, first.month, 1, tzinfo=tz)
    return first, nxt, start, datetime(nxt.year, nxt.month, 1, tzinfo=tz)


def _availability(db: Session, prefixes: list[str], first: date, nxt: date) -> float | None:
    total = online = 0
    for prefix in prefixes:
        t, o = db.execute(
            select(func.sum(OnlineDaily.total), func.sum(OnlineDaily.online)).where(
                OnlineDaily.dimension == Dimension.district.value,
                OnlineDaily.day >= first,
                OnlineDaily.day < nxt,
                OnlineDaily.key.startswith(prefix, autoescape=True),
            )
        ).one()
        total, online = total + int(t or 0), online + int(o or 0)
    return online / total if total else None


def _timeliness(
    db: Session, org_unit_id: int, start: datetime, end: datetime, now: datetime
) -> tuple[int, int, int]:
    orders = db.scalars(
        select(WorkOrder).where(
            WorkOrder.contractor_id == org_unit_id,
            WorkOrder.created_at >= start,
            WorkOrder.created_at < end,
            WorkOrder.state != OrderState.cancelled.value,
        )
    ).all()
    due = [o for o in orders if o.state == OrderState.closed or o.repair_due < now]
    responded = sum(1 for o in due if o.responded_at is not None and o.responded_at <= o.response_due)
    repaired = sum(1 for o in due if o.closed_at is not None and o.closed_at <= o.repair_due)
    return len(due), responded, repaired


def month_figures(*, db: Session, month: str, tz: ZoneInfo, now: datetime) -> list[Figures]:
    first, nxt, start, end = month_bounds(month, tz)
    prefixes: dict[int, list[str]] = {}
    for org_unit_id, prefix in db.execute(select(Contract.org_unit_id, Contract.region_prefix)):
        prefixes.setdefault(org_unit_id, []).append(prefix)
    figures = []
    for org_unit_id, own in sorted(prefixes.items()):
        n, responded, repaired = _timeliness(db, org_unit_id, start, end, now)
        figures.append(
            Figures(
                org_unit_id=org_unit_id,
                availability=_availability(db, own, first, nxt),
                orders=n,
                responded_on_time=responded,
                repaired_on_time=repaired,
                timeliness=(responded + repaired) / (2 * n) if n else None,
            )
        )
    return figures


def store_month(*, db: Session, month: str, tz: ZoneInfo, now: datetime) -> int:
    existing = {
        r.org_unit_id: r for r in db.scalars(select(ContractorMonth).where(ContractorMonth.month == month))
    }
    figures = month_figures(db=db, month=month, tz=tz, now=now)
    for f in figures:
        row = existing.get(f.org_unit_id) or ContractorMonth(month=month, org_unit_id=f.org_unit_id)
        row.availability, row.orders, row.timeliness = f.availability, f.orders, f.timeliness
        row.responded_on_time, row.repaired_on_time, row.computed_at = (
            f.responded_on_time,
            f.repaired_on_time,
            now,
        )
        db.add(row)
    db.flush()
    return len(figures)


def stored_month(*, db: Session, month: str) -> list[ContractorMonth]:
    """The stored figures of a month: the interface of the assessment domain."""
    return list(
        db.scalars(
            select(ContractorMonth)
            .where(ContractorMonth.month == month)
            .order_by(ContractorMonth.org_unit_id)
        )
    )
