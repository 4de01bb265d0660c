"""Times of investigation requests: naive = local (XUELIANG_TIMEZONE); the store works in UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo


def aware(moment: datetime, tz: str) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=ZoneInfo(tz))


def to_store(moment: datetime | None, tz: str) -> str | None:
    """``YYYY-MM-DD HH:MM:SS.mmm`` UTC, as the record store's DateTime64(3, 'UTC') reads."""
    if moment is None:
        return None
    utc = aware(moment, tz).astimezone(UTC)
    return f"{utc:%Y-%m-%d %H:%M:%S}.{utc.microsecond // 1000:03d}"


def from_store(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def hours_between(a: datetime | None, b: datetime | None) -> float | None:
    if a is None or b is None:
        return None
    return (b - a).total_seconds() / 3600
