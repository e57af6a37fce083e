"""Half-hour slots of a local day, their stored form, and day and month roll-up arithmetic."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from chalicelib.aiis.reads.periods import period_containing, period_named, year_periods
from chalicelib.aiis.storage.days import (
    DayTotals,
    Slot,
    day_attribute,
    day_totals,
    locate,
    month_days,
    slot_bounds,
    slots_in_day,
    slots_of,
    sum_totals,
)

MSK = ZoneInfo("Europe/Moscow")
BERLIN = ZoneInfo("Europe/Berlin")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_slots_count_from_local_midnight():
    # 2024-05-01 00:00 MSK is 2024-04-30 21:00 UTC.
    assert locate(utc(2024, 4, 30, 21, 0), MSK) == (date(2024, 5, 1), 0)
    assert locate(utc(2024, 5, 1, 20, 30), MSK) == (date(2024, 5, 1), 47)
    assert locate(utc(2024, 5, 1, 10, 15), MSK) is None  # off the half-hour grid
    assert slot_bounds(date(2024, 5, 1), 47, MSK) == (utc(2024, 5, 1, 20, 30), utc(2024, 5, 1, 21, 0))
    assert slots_in_day(date(2024, 5, 1), MSK) == 48


def test_daylight_saving_days_have_46_and_50_slots():
    assert slots_in_day(date(2024, 3, 31), BERLIN) == 46
    assert slots_in_day(date(2024, 10, 27), BERLIN) == 50
    # The repeated hour of the autumn change: two different slots, both on the same day.
    first = locate(utc(2024, 10, 27, 0, 30), BERLIN)
    second = locate(utc(2024, 10, 27, 1, 30), BERLIN)
    assert first == (date(2024, 10, 27), 5) and second == (date(2024, 10, 27), 7)


def test_slot_round_trip_keeps_absent_channels_absent():
    slot = Slot("estimated", {"A+": Decimal("0.512"), "R-": Decimal("12000")})
    assert slot.encode() == "e|0.512|||12000"
    assert Slot.decode(slot.encode()) == slot
    assert Slot("missing").encode() == "m||||"
    assert Slot.decode("m||||") == Slot("missing", {})
    assert Slot("ok", {"A+": Decimal("0.0")}).encode() == "o|0|||"


def test_day_totals_count_missing_slots_and_never_invent_energy():
    slots = {
        0: Slot("ok", {"A+": Decimal("0.5"), "A-": Decimal("0")}),
        1: Slot("estimated", {"A+": Decimal("0.25")}),
        2: Slot("missing"),
        3: Slot("ok", {"A+": Decimal("1.125"), "R+": Decimal("0.1")}),
    }
    totals = day_totals(slots, 48)
    assert totals.values == {"A+": Decimal("1.875"), "A-": Decimal("0"), "R+": Decimal("0.1")}
    assert "R-" not in totals.values  # never reported: no data, not zero
    assert (totals.ok, totals.estimated, totals.missing, totals.no_data) == (2, 1, 1, 44)
    assert not totals.complete
    assert DayTotals.decode(totals.encode()) == totals


def test_a_complete_day_and_slots_beyond_the_day_are_ignored():
    slots = {i: Slot("ok", {"A+": Decimal("0.1")}) for i in range(50)}
    totals = day_totals(slots, 48)
    assert totals.complete and totals.values["A+"] == Decimal("4.8")


def test_slots_are_read_back_from_a_stored_day_item():
    item = {
        "pk": "METER#1",
        "sk": "DAY#2024-05-01",
        "ver": 3,
        "s00": "o|1|||",
        "s47": "m||||",
        "reg": "1|||",
        "updated_at": "x",
    }
    assert slots_of(item) == {0: Slot("ok", {"A+": Decimal("1")}), 47: Slot("missing")}


def test_month_roll_up_sums_days():
    may1 = DayTotals({"A+": Decimal("10.5")}, 48, 0, 0, 48)
    may2 = DayTotals({"A+": Decimal("2"), "R+": Decimal("1")}, 40, 2, 6, 48)
    name1, version1 = day_attribute(date(2024, 5, 1))
    assert (name1, version1) == ("d01", "v01")
    item = {"sk": "MONTH#2024-05", name1: may1.encode(), version1: 4, "d02": may2.encode(), "v02": 1}
    days = month_days("2024-05", item)
    assert days == {date(2024, 5, 1): may1, date(2024, 5, 2): may2}
    month = sum_totals(days.values())
    assert month.values == {"A+": Decimal("12.5"), "R+": Decimal("1")}
    assert (month.ok, month.estimated, month.missing, month.slots) == (88, 2, 6, 96)


@pytest.mark.parametrize(
    "day, key, start, end",
    [
        (date(2024, 5, 24), "2024-05", date(2024, 4, 25), date(2024, 5, 24)),
        (date(2024, 5, 25), "2024-06", date(2024, 5, 25), date(2024, 6, 24)),
        (date(2024, 3, 1), "2024-03", date(2024, 2, 25), date(2024, 3, 24)),
    ],
)
def test_billing_periods_end_on_the_closing_day(day, key, start, end):
    span = period_containing(day, "billing", 24)
    assert (span.key, span.start, span.end) == (key, start, end)
    assert len(span.days()) == (end - start).days + 1


def test_a_closing_day_past_a_short_month_is_its_last_day_and_zero_means_calendar():
    march = period_named(2023, 3, "billing", 30)
    assert (march.start, march.end) == (date(2023, 3, 1), date(2023, 3, 30))
    february = period_named(2023, 2, "billing", 30)
    assert (february.start, february.end) == (date(2023, 1, 31), date(2023, 2, 28))
    assert period_named(2024, 2, "billing", 0) == period_named(2024, 2, "calendar", 24)
    assert period_containing(date(2024, 2, 29), "calendar", 24).end == date(2024, 2, 29)


def test_a_year_of_billing_periods_spans_thirteen_calendar_months():
    periods = year_periods(date(2024, 7, 1), "billing", 24)
    assert [p.key for p in periods] == [f"2024-{m:02d}" for m in range(1, 13)]
    assert (periods[0].start, periods[-1].end) == (date(2023, 12, 25), date(2024, 12, 24))
    calendar = year_periods(date(2024, 7, 1), "calendar", 24)
    assert (calendar[0].start, calendar[-1].end) == (date(2024, 1, 1), date(2024, 12, 31))
    # 26 December belongs to the billing year 2025.
    assert year_periods(date(2024, 12, 26), "billing", 24)[0].key == "2025-01"
