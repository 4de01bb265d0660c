"""From indicator values to scores, ranks and changes (pure functions, no database).

Indicator score (0–100): a rate scores 100 × rate when higher is better and 100 × (1 − rate)
when lower is better; counts and stage times score relative to the best subject of the period
(count / best count; best time / time). The subject's score is the weighted sum over the
indicators that have a value, with the weights of the others spread over these (renormalised);
manual adjustments are then added and the result is kept within 0–100. Subjects whose sample is
below the plan's minimum get "insufficient data" and no rank; ranks are 1, 2, 2, 4 … by score.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from xueliang.assessment.enums import Direction, Status
from xueliang.assessment.indicators import BY_CODE, Indicator


@dataclass
class Row:
    key: str
    values: dict[str, dict[str, Any]]
    sample: int
    adjustment: float = 0.0
    raw_score: float | None = None
    score: float | None = None
    status: Status = Status.ranked
    rank: int | None = None
    previous_score: float | None = None
    previous_rank: int | None = None
    notes: list[str] = field(default_factory=list)


def _bests(indicator: Indicator, values: list[float]) -> float | None:
    if not values:
        return None
    return max(values) if indicator.direction is Direction.up else min(values)


def indicator_score(indicator: Indicator, value: float | None, best: float | None) -> float | None:
    if value is None:
        return None
    if indicator.kind == "ratio":
        return 100.0 * (value if indicator.direction is Direction.up else 1.0 - value)
    if best is None:
        return None
    if indicator.direction is Direction.up:
        return 100.0 if best <= 0 else 100.0 * value / best
    return 100.0 if value <= 0 else 100.0 * min(1.0, best / value)


def score_rows(rows: list[Row], weights: dict[str, float], min_sample: int) -> None:
    """Fill each row's per-indicator ``score``, its raw and final score, status and rank."""
    bests = {
        code: _bests(
            BY_CODE[code], [r.values[code]["value"] for r in rows if r.values[code]["value"] is not None]
        )
        for code in weights
    }
    for row in rows:
        total, used = 0.0, 0.0
        for code, weight in weights.items():
            cell = row.values[code]
            cell["score"] = indicator_score(BY_CODE[code], cell["value"], bests[code])
            if cell["score"] is not None and weight > 0:
                total, used = total + weight * cell["score"], used + weight
        row.raw_score = None if used == 0 else round(total / used, 2)
        base = row.raw_score if row.raw_score is not None else 0.0
        row.score = round(min(100.0, max(0.0, base + row.adjustment)), 2) if used or row.adjustment else None
        row.status = (
            Status.ranked if row.sample >= min_sample and row.score is not None else Status.insufficient
        )
    rank_rows(rows)


def rank_rows(rows: list[Row]) -> None:
    ranked = sorted((r for r in rows if r.status is Status.ranked), key=lambda r: -(r.score or 0.0))
    previous: float | None = None
    for position, row in enumerate(ranked, start=1):
        row.rank = position if row.score != previous else ranked[position - 2].rank
        previous = row.score
    for row in rows:
        if row.status is not Status.ranked:
            row.rank = None
