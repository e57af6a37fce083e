"""The company's date, on which every kind of case counts its days: due dates, ПП 861 deadlines,
registration numbers (an appeal's year, an application's day)."""

from __future__ import annotations

from datetime import date

from chalicelib.core import clock
from chalicelib.core.config import get_settings


def company_today() -> date:
    return clock.now().astimezone(get_settings().tz).date()
