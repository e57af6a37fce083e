"""Time rules of outages (pure): lookup periods, overlap, durations, local time.

MAX_DURATION is also the look-back of the address lookup: outages are stored under their street
sorted by start, so "what overlaps [from, to)" is one Query for starts in [from − MAX_DURATION, to).
An outage cannot last longer, so none that overlaps is missed — except an emergency whose end is
still unknown after MAX_DURATION, which staff are expected to close long before that.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Literal

Kind = Literal["planned", "emergency"]
KIND_TITLES: dict[str, str] = {"planned": "Плановое", "emergency": "Аварийное"}

MAX_RANGE_DAYS = 92
DEFAULT_RANGE_DAYS = 14
MAX_DURATION = timedelta(days=14)


@dataclass
class RuleError(ValueError):
    path: str
    message: str


def lookup_range(date_from: date | None, date_to: date | None, today: date) -> tuple[date, date]:
    """The days to show, both inclusive: today…+14 days unless given, at most 92 days."""
    first = date_from or today
    last = date_to or first + timedelta(days=DEFAULT_RANGE_DAYS)
    if last < first:
        raise RuleError("to", "Дата окончания периода раньше даты начала")
    if (last - first).days + 1 > MAX_RANGE_DAYS:
        raise RuleError("to", f"Период не может быть длиннее {MAX_RANGE_DAYS} дней")
    return first, last


def day_bounds(first: date, last: date, tz: tzinfo) -> tuple[datetime, datetime]:
    """[first 00:00, the day after last 00:00) in company local time, as UTC instants."""
    start = datetime.combine(first, time.min, tzinfo=tz)
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)


def earliest_start(range_start: datetime) -> datetime:
    """The lower bound of starts to read for outages overlapping a period that begins at range_start."""
    return range_start - MAX_DURATION


def overlaps(start: datetime, end: datetime | None, range_start: datetime, range_end: datetime) -> bool:
    """Half-open intervals; an outage without an end (an emergency in progress) is still going on."""
    return start < range_end and (end is None or end > range_start)


def end_problem(kind: str | None, start: datetime | None, end: datetime | None) -> str | None:
    """What is wrong with an outage's end, if anything. Only emergencies may have no end yet."""
    if end is None:
        return "Укажите окончание планового отключения" if kind == "planned" else None
    if start is None:
        return None
    if end <= start:
        return "Окончание должно быть позже начала"
    if end - start > MAX_DURATION:
        return f"Отключение не может длиться дольше {MAX_DURATION.days} дней"
    return None


def to_utc(value: datetime, tz: tzinfo) -> datetime:
    """Staff type local time; a value without an offset is company local time."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value.astimezone(UTC)


def month_of(start: datetime, tz: tzinfo) -> str:
    """The month (local) an outage is listed under in the staff console: that of its start."""
    return start.astimezone(tz).strftime("%Y-%m")
