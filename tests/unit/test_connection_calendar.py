"""Production calendar and deadline arithmetic (ТК РФ ст. 112, ПП РФ № 1466 for 2026, ГК РФ ст. 191–193)."""

from __future__ import annotations

from datetime import date

import pytest

from chalicelib.connection import calendar


def test_2026_has_247_working_days_as_the_government_calendar():
    assert calendar.working_days_in(2026) == 247


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 1, 1),
        date(2026, 1, 2),
        date(2026, 1, 5),
        date(2026, 1, 8),
        date(2026, 1, 9),  # Sat 3 Jan moved here by the decree
        date(2026, 2, 23),
        date(2026, 3, 9),  # 8 March is a Sunday: ст. 112 ч. 2
        date(2026, 5, 1),
        date(2026, 5, 11),  # 9 May is a Saturday
        date(2026, 6, 12),
        date(2026, 11, 4),
        date(2026, 12, 31),  # Sun 4 Jan moved here by the decree
    ],
)
def test_2026_days_off(day):
    assert not calendar.is_working_day(day)


@pytest.mark.parametrize("day", [date(2026, 1, 12), date(2026, 3, 10), date(2026, 5, 12), date(2026, 12, 30)])
def test_2026_working_days_next_to_holidays(day):
    assert calendar.is_working_day(day)


def test_2027_follows_the_labour_code_until_its_decree_is_published():
    assert 2027 in calendar.PROVISIONAL_YEARS
    # Holidays on a weekend move to the next working day: 1 May (Sat), 9 May (Sun), 12 June (Sat).
    for day in (date(2027, 5, 3), date(2027, 5, 10), date(2027, 6, 14), date(2027, 1, 8), date(2027, 2, 23)):
        assert not calendar.is_working_day(day), day
    assert calendar.is_working_day(date(2027, 1, 11)) and calendar.is_working_day(date(2027, 5, 4))


def test_working_days_start_the_day_after_the_event():
    assert calendar.add_working_days(date(2026, 11, 20), 1) == date(2026, 11, 23)  # Friday → Monday
    assert calendar.add_working_days(date(2026, 11, 23), 3) == date(2026, 11, 26)


def test_working_days_skip_the_new_year_holidays():
    assert calendar.add_working_days(date(2026, 12, 25), 3) == date(2026, 12, 30)
    assert calendar.add_working_days(date(2026, 12, 30), 1) == date(2027, 1, 11)
    # 20 working days from 2 Feb 2026 cross 23 February.
    assert calendar.add_working_days(date(2026, 2, 2), 20) == date(2026, 3, 3)


def test_a_term_is_at_least_one_working_day():
    with pytest.raises(ValueError):
        calendar.add_working_days(date(2026, 1, 12), 0)


@pytest.mark.parametrize(
    "start,months,due",
    [
        (date(2026, 1, 15), 4, date(2026, 5, 15)),
        (date(2026, 1, 31), 1, date(2026, 3, 2)),  # 28 Feb is a Saturday → next working day
        (date(2026, 3, 31), 2, date(2026, 6, 1)),  # 31 May is a Sunday
        (date(2026, 4, 12), 2, date(2026, 6, 15)),  # 12 June is a holiday
        (date(2026, 12, 10), 12, date(2027, 12, 10)),
    ],
)
def test_month_terms_end_on_the_same_date_or_the_next_working_day(start, months, due):
    assert calendar.add_months(start, months) == due
