"""Billing periods (calendar months) and the current one on the company's clock.

The lowest layer of metering and readings: readings are stored per period (`PERIOD#<key>`), billing
reports the last period it billed, reading rules, the exchange and the reminders all judge a period.
"The current period" is the month on the company's wall clock (settings «Часовой пояс»), never the UTC
date: at 31 Dec 22:30 UTC it is already January in Yekaterinburg, and the meter card, the entry form
and the exchange must agree on that.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from chalicelib.core import clock
from chalicelib.core.config import get_settings

MONTHS_NOMINATIVE = (
    "Январь",
    "Февраль",
    "Март",
    "Апрель",
    "Май",
    "Июнь",
    "Июль",
    "Август",
    "Сентябрь",
    "Октябрь",
    "Ноябрь",
    "Декабрь",
)
MONTHS_GENITIVE = (
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
)


class InvalidPeriod(ValueError):
    """A period key that is not "YYYY-MM"; the message is Russian and safe to show."""


_PERIOD_KEY = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True, order=True)
class Period:
    """A billing period (calendar month). Ordered, so "is this the current period or history" is `<`."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12 or not 1 <= self.year <= 9999:
            raise InvalidPeriod("Период указывается в формате ГГГГ-ММ, например 2026-11")

    @classmethod
    def of(cls, local: date) -> Period:
        """The period of a company-local date or datetime (convert to the company zone first)."""
        return cls(local.year, local.month)

    @classmethod
    def parse(cls, key: str) -> Period:
        match = _PERIOD_KEY.match(key.strip())
        if match is None:
            raise InvalidPeriod("Период указывается в формате ГГГГ-ММ, например 2026-11")
        return cls(int(match[1]), int(match[2]))

    @property
    def key(self) -> str:
        """ "YYYY-MM": sorts lexically in time order, which the `PERIOD#<key>` sort keys rely on."""
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def label_ru(self) -> str:
        """As the history table shows it: «Ноябрь 2016»."""
        return f"{MONTHS_NOMINATIVE[self.month - 1]} {self.year}"

    def previous(self) -> Period:
        return Period(self.year - 1, 12) if self.month == 1 else Period(self.year, self.month - 1)

    def next(self) -> Period:
        return Period(self.year + 1, 1) if self.month == 12 else Period(self.year, self.month + 1)

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        # Day before the next month's first: leap years come from the calendar, not from a table.
        return self.next().first_day - timedelta(days=1)

    def __str__(self) -> str:
        return self.key


def current_period() -> Period:
    """The period in progress on the company's clock (the settings document's time zone, read at run time)."""
    return Period.of(clock.now().astimezone(get_settings().tz))
