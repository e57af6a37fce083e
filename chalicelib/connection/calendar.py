"""Russian production calendar and deadline arithmetic (pure, stdlib only).

Non-working days = Saturdays and Sundays + the public holidays of Трудовой кодекс РФ ст. 112 ч. 1
+ the moves of ст. 112 ч. 2 (a holiday on a weekend gives the next working day off) + what each year's
government decree moves on top (the January holidays that fall on a weekend are moved by decree only).

Data per year (add a year when its decree is published):
- 2026: Постановление Правительства РФ от 24.09.2025 № 1466 «О переносе выходных дней в 2026 году»:
  Sat 3 Jan → Fri 9 Jan, Sun 4 Jan → Thu 31 Dec; no working Saturdays (247 working days).
- 2027: no decree yet (adopted in late 2026) — only ст. 112 applies, so 2 and 3 January (a weekend)
  give no extra days off; `PROVISIONAL_YEARS` marks it. Any later year is computed the same way.

Deadline arithmetic follows Гражданский кодекс РФ: a term in days starts the day after the event
(ст. 191); a term in months ends on the same date of the last month, or that month's last day
(ст. 192 п. 3); an end on a non-working day moves to the next working day (ст. 193).
"""

from __future__ import annotations

import calendar as _calendar
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

# ТК РФ ст. 112 ч. 1: (month, day).
NEW_YEAR_HOLIDAYS = tuple((1, day) for day in range(1, 9))  # 1–6 and 8 January, 7 January (Christmas)
OTHER_HOLIDAYS = ((2, 23), (3, 8), (5, 1), (5, 9), (6, 12), (11, 4))


@dataclass(frozen=True)
class Decree:
    """A year's government decree: days off moved onto working days, and weekends made working."""

    source: str
    days_off: tuple[date, ...] = ()
    working_weekends: tuple[date, ...] = ()


DECREES: dict[int, Decree] = {
    2026: Decree(
        source="Постановление Правительства РФ от 24.09.2025 № 1466", days_off=(date(2026, 1, 9), date(2026, 12, 31))
    ),
}
PROVISIONAL_YEARS = frozenset({2027})


def _is_weekend(day: date) -> bool:
    return day.weekday() >= 5


@lru_cache(maxsize=16)
def non_working_weekdays(year: int) -> frozenset[date]:
    """Weekdays (Mon–Fri) that are days off in `year`."""
    holidays = [date(year, m, d) for m, d in NEW_YEAR_HOLIDAYS + OTHER_HOLIDAYS]
    off = {h for h in holidays if not _is_weekend(h)}
    # ст. 112 ч. 2: a non-January holiday on a weekend moves the day off to the next working day.
    for holiday in holidays:
        if holiday.month == 1 or not _is_weekend(holiday):
            continue
        moved = holiday + timedelta(days=1)
        while _is_weekend(moved) or moved in off:
            moved += timedelta(days=1)
        off.add(moved)
    decree = DECREES.get(year)
    if decree is not None:
        off.update(decree.days_off)
    return frozenset(off)


def is_working_day(day: date) -> bool:
    decree = DECREES.get(day.year)
    if decree is not None and day in decree.working_weekends:
        return True
    return not _is_weekend(day) and day not in non_working_weekdays(day.year)


def next_working_day(day: date) -> date:
    """`day` itself if it is a working day, else the first working day after it (ГК РФ ст. 193)."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def add_working_days(start: date, days: int) -> date:
    """The last day of a term of `days` working days counted from the day after `start`."""
    if days < 1:
        raise ValueError("a term is at least one working day")
    day, counted = start, 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return day


def working_days_before(due: date, days: int) -> date:
    """The day from which `days` working days remain to `due` inclusive: `add_working_days` of it is `due`
    when `due` is a working day (every deadline of the Правила ends on one, ГК РФ ст. 193)."""
    if days < 1:
        raise ValueError("a term is at least one working day")
    day, counted = due, 0
    while counted < days:
        day -= timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return day


def add_months(start: date, months: int) -> date:
    """The last day of a term of `months` months from `start` (ГК РФ ст. 192 п. 3 and ст. 193)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    day = min(start.day, _calendar.monthrange(year, month)[1])
    return next_working_day(date(year, month, day))


def working_days_in(year: int) -> int:
    day, count = date(year, 1, 1), 0
    while day.year == year:
        count += is_working_day(day)
        day += timedelta(days=1)
    return count
