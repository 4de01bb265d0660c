"""Assessment periods (month, quarter, year): labels, local boundaries, UTC windows, neighbours."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from xueliang.assessment.enums import PeriodKind
from xueliang.core.exceptions import InvalidInputError

_LABEL = re.compile(r"^(\d{4})(?:-(?:(\d{2})|Q([1-4])))?$")


@dataclass(frozen=True)
class Period:
    """A calendar period [first, after) in local days; ``window`` gives it in UTC."""

    kind: PeriodKind
    year: int
    index: int  # month 1–12, quarter 1–4, or 1 for a year

    @classmethod
    def parse(cls, label: str) -> Period:
        """``2026-03`` (month), ``2026-Q1`` (quarter) or ``2026`` (year)."""
        match = _LABEL.match(label.strip())
        if not match:
            raise InvalidInputError(f"period {label!r} is not YYYY-MM, YYYY-Qn or YYYY", field="period")
        year, month, quarter = int(match[1]), match[2], match[3]
        if month is not None:
            if not 1 <= int(month) <= 12:
                raise InvalidInputError(f"period {label!r}: no month {month}", field="period")
            return cls(PeriodKind.month, year, int(month))
        if quarter is not None:
            return cls(PeriodKind.quarter, year, int(quarter))
        return cls(PeriodKind.year, year, 1)

    @classmethod
    def containing(cls, kind: PeriodKind, day: date) -> Period:
        index = {PeriodKind.month: day.month, PeriodKind.quarter: (day.month - 1) // 3 + 1}.get(kind, 1)
        return cls(kind, day.year, index)

    @property
    def label(self) -> str:
        if self.kind is PeriodKind.month:
            return f"{self.year}-{self.index:02d}"
        if self.kind is PeriodKind.quarter:
            return f"{self.year}-Q{self.index}"
        return f"{self.year}"

    @property
    def months(self) -> int:
        return {PeriodKind.month: 1, PeriodKind.quarter: 3, PeriodKind.year: 12}[self.kind]

    @property
    def first(self) -> date:
        month = {PeriodKind.month: self.index, PeriodKind.quarter: 3 * self.index - 2}.get(self.kind, 1)
        return date(self.year, month, 1)

    @property
    def after(self) -> date:
        """The first day after the period."""
        serial = self.first.year * 12 + self.first.month - 1 + self.months
        return date(serial // 12, serial % 12 + 1, 1)

    def shift(self, steps: int) -> Period:
        """The period ``steps`` periods later (negative: earlier)."""
        per_year = 12 // self.months
        serial = self.year * per_year + self.index - 1 + steps
        return Period(self.kind, serial // per_year, serial % per_year + 1)

    @property
    def previous(self) -> Period:
        return self.shift(-1)

    def window(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """[start, end) in UTC: local midnight of the first day to local midnight after the last."""
        start = datetime.combine(self.first, time(0), tzinfo=tz).astimezone(UTC)
        return start, datetime.combine(self.after, time(0), tzinfo=tz).astimezone(UTC)

    def month_starts(self) -> list[date]:
        return [Period(PeriodKind.month, self.year, self.first.month + i).first for i in range(self.months)]
