"""Which days a consumption chart covers: calendar months, or billing periods (seed 004: «Расчетным
периодом является период между датами передачи показаний, установленный энергоснабжающей
организацией»).

Pure code. A billing period is named after the month it ends in and ends on the company's closing
day (`aiis_billing_period_end_day`; 0 means the month's last day, i.e. calendar months). With closing
day 24 the period «май» runs from 25 April to 24 May. A closing day past a short month's end is that
month's last day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

Basis = Literal["calendar", "billing"]


@dataclass(frozen=True)
class Span:
    """Inclusive range of local days named by the month `key` ("YYYY-MM")."""

    key: str
    start: date
    end: date

    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]


def _next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def _previous_month(year: int, month: int) -> tuple[int, int]:
    return (year - 1, 12) if month == 1 else (year, month - 1)


def _month_end(year: int, month: int) -> date:
    following = _next_month(year, month)
    return date(*following, 1) - timedelta(days=1)


def _closing_day(year: int, month: int, end_day: int) -> date:
    last = _month_end(year, month)
    return last if end_day == 0 else last.replace(day=min(end_day, last.day))


def period_named(year: int, month: int, basis: Basis, end_day: int) -> Span:
    key = f"{year:04d}-{month:02d}"
    if basis == "calendar" or end_day == 0:
        return Span(key, date(year, month, 1), _month_end(year, month))
    start = _closing_day(*_previous_month(year, month), end_day) + timedelta(days=1)
    return Span(key, start, _closing_day(year, month, end_day))


def period_containing(day: date, basis: Basis, end_day: int) -> Span:
    if basis == "calendar" or day <= _closing_day(day.year, day.month, end_day):
        return period_named(day.year, day.month, basis, end_day)
    return period_named(*_next_month(day.year, day.month), basis, end_day)


def year_periods(day: date, basis: Basis, end_day: int) -> list[Span]:
    """The twelve periods named January…December of the year the period containing `day` is in."""
    year = int(period_containing(day, basis, end_day).key[:4])
    return [period_named(year, month, basis, end_day) for month in range(1, 13)]
