"""Time-limit rules as data: (category × urgency × stage) → amount + unit.

The category key of a rule is a category code, ``kind:<kind>`` (consultation, help, complaint,
suggestion, city_management, …) or ``*``; the urgency key is an urgency or ``*``. The most specific
rule wins, urgency first (an emergency is handled the same day whatever its category):
(code, urgency) > (kind, urgency) > (*, urgency) > (code, *) > (kind, *) > (*, *).
Rows of ``incident_time_limit`` override the defaults below at the same key.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from xueliang.incident.enums import Stage, TimeUnit
from xueliang.incident.models import TimeLimitRule

WH, WD, NH = TimeUnit.working_hours, TimeUnit.working_days, TimeUnit.natural_hours
ANY = "*"


@dataclass(frozen=True)
class Limit:
    amount: float
    unit: TimeUnit


RuleKey = tuple[str, str, Stage]  # (category key, urgency key, stage)

# Defaults from grid-governance.md §2.3 (configurable: override them with incident_time_limit rows).
DEFAULT_RULES: dict[RuleKey, Limit] = {
    (ANY, ANY, Stage.accept): Limit(1, WH),
    (ANY, "urgent", Stage.accept): Limit(0.25, WH),
    (ANY, "emergency", Stage.accept): Limit(0.25, NH),
    (ANY, ANY, Stage.dispatch): Limit(1, WH),
    (ANY, "emergency", Stage.dispatch): Limit(0.25, NH),
    (ANY, ANY, Stage.sign): Limit(2, WH),
    (ANY, "urgent", Stage.sign): Limit(0.5, WH),
    (ANY, "emergency", Stage.sign): Limit(0.5, NH),
    (ANY, ANY, Stage.handle): Limit(5, WD),
    (ANY, "urgent", Stage.handle): Limit(1, WD),
    (ANY, "emergency", Stage.handle): Limit(0, WD),  # the same day
    ("kind:consultation", ANY, Stage.handle): Limit(3, WD),
    ("kind:help", ANY, Stage.handle): Limit(3, WD),
    ("kind:complaint", ANY, Stage.handle): Limit(13, WD),
    ("kind:suggestion", ANY, Stage.handle): Limit(13, WD),
    (ANY, ANY, Stage.verify): Limit(1, WD),
    (ANY, ANY, Stage.callback): Limit(1, WD),
}


def lookup_order(category_code: str, category_kind: str, urgency: str) -> list[tuple[str, str]]:
    cats = [category_code, f"kind:{category_kind}", ANY]
    return [(c, urgency) for c in cats] + [(c, ANY) for c in cats]


def resolve(
    rules: Mapping[RuleKey, Limit], *, category_code: str, category_kind: str, urgency: str, stage: Stage
) -> Limit:
    for cat, urg in lookup_order(category_code, category_kind, urgency):
        found = rules.get((cat, urg, stage))
        if found is not None:
            return found
    return DEFAULT_RULES[(ANY, ANY, stage)]


def merged_rules(rows: Iterable[TimeLimitRule]) -> dict[RuleKey, Limit]:
    rules = dict(DEFAULT_RULES)
    for row in rows:
        rules[(row.category, row.urgency, Stage(row.stage))] = Limit(row.amount, TimeUnit(row.unit))
    return rules


def load_rules(*, db: Session) -> dict[RuleKey, Limit]:
    return merged_rules(db.scalars(select(TimeLimitRule)).all())
