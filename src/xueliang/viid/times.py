"""GA/T 1400 times: ``yyyyMMddHHmmss`` local time (the standard), epoch milliseconds and RFC 3339
(vendor variants). Everything is converted to aware UTC datetimes; output is the standard form."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

EPOCH_MS_MIN = 946_684_800_000  # 2000-01-01: smaller numbers are not plausible capture times
EPOCH_MS_MAX = 4_102_444_800_000  # 2100-01-01


class BadTime(ValueError):
    """A time that is malformed or impossible; the message says why."""


@lru_cache(maxsize=8)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def parse_time(value: object, *, tz: str) -> datetime:
    """Parse any accepted form into an aware UTC datetime; BadTime otherwise."""
    if isinstance(value, bool):
        raise BadTime(f"not a time: {value!r}")
    if isinstance(value, int | float):
        return _from_epoch_ms(int(value))
    if not isinstance(value, str) or not value:
        raise BadTime(f"not a time: {str(value)[:40]!r}")
    if value.isdigit():
        return _from_digits(value, tz=tz)
    return _from_rfc3339(value, tz=tz)


def _from_epoch_ms(ms: int) -> datetime:
    if not EPOCH_MS_MIN <= ms <= EPOCH_MS_MAX:
        raise BadTime(f"epoch milliseconds out of range: {ms}")
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=ms)


def _from_digits(value: str, *, tz: str) -> datetime:
    if len(value) == 13:
        return _from_epoch_ms(int(value))
    if len(value) not in (14, 17):
        raise BadTime(f"expected yyyyMMddHHmmss, epoch ms or RFC 3339, got {value[:40]!r}")
    try:
        local = datetime(
            int(value[0:4]),
            int(value[4:6]),
            int(value[6:8]),
            int(value[8:10]),
            int(value[10:12]),
            int(value[12:14]),
            int(value[14:17] or 0) * 1000,
            tzinfo=zone(tz),
        )
    except ValueError as exc:
        raise BadTime(f"impossible time {value!r}: {exc}") from None
    return local.astimezone(UTC)


def _from_rfc3339(value: str, *, tz: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise BadTime(f"expected yyyyMMddHHmmss, epoch ms or RFC 3339, got {value[:40]!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone(tz))
    return moment.astimezone(UTC)


def format_time(moment: datetime, *, tz: str) -> str:
    """The standard form, ``yyyyMMddHHmmss`` in local time."""
    return moment.astimezone(zone(tz)).strftime("%Y%m%d%H%M%S")


def to_sql(moment: datetime) -> str:
    """``YYYY-MM-DD HH:MM:SS.mmm`` in UTC, as ClickHouse reads DateTime64(3, 'UTC')."""
    utc = moment.astimezone(UTC)
    return f"{utc:%Y-%m-%d %H:%M:%S}.{utc.microsecond // 1000:03d}"


def from_sql(text: str) -> datetime:
    """The inverse of ``to_sql`` (the store's text of a DateTime64(3, 'UTC'))."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)
