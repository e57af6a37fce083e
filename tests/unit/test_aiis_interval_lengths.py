"""Slots of any interval length on the local day's grid, and 80020 half hours summed from them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

import pytest

from chalicelib.aiis.admin.export80020 import ExportPoint, build_80020, half_hourly
from chalicelib.aiis.storage.days import (
    INTERVALS,
    Slot,
    interval_of,
    locate,
    slot_bounds,
    slots_in_day,
    stored_interval,
)

MSK = ZoneInfo("Europe/Moscow")
BERLIN = ZoneInfo("Europe/Berlin")


def test_interval_lengths_are_the_divisors_of_an_hour():
    assert INTERVALS == (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60)
    assert [m for m in INTERVALS if half_hourly(m)] == [1, 2, 3, 5, 6, 10, 15, 30]


@pytest.mark.parametrize("minutes, regular, spring, autumn", [(60, 24, 23, 25), (15, 96, 92, 100), (5, 288, 276, 300)])
def test_a_daylight_saving_day_has_an_hour_of_slots_more_or_less(minutes, regular, spring, autumn):
    assert slots_in_day(date(2024, 5, 1), BERLIN, minutes) == regular
    assert slots_in_day(date(2024, 3, 31), BERLIN, minutes) == spring
    assert slots_in_day(date(2024, 10, 27), BERLIN, minutes) == autumn


def test_starts_are_located_on_the_grid_of_their_length_from_local_midnight():
    start = datetime(2024, 5, 1, 7, 45, tzinfo=UTC)  # 10:45 in Moscow
    assert locate(start, MSK, 15) == (date(2024, 5, 1), 43)
    assert locate(start, MSK, 30) is None and locate(start, MSK, 60) is None
    assert locate(datetime(2024, 4, 30, 21, 0, tzinfo=UTC), MSK, 60) == (date(2024, 5, 1), 0)
    assert slot_bounds(date(2024, 5, 1), 43, MSK, 15) == (start, datetime(2024, 5, 1, 8, 0, tzinfo=UTC))


def test_a_day_item_without_its_length_is_half_hourly_once_it_holds_slots():
    assert stored_interval({"iv": 15, "s00": "o|1|||"}) == 15
    assert stored_interval({"s07": "o|1|||", "reg": "1|||"}) == 30  # written before `iv` existed
    assert stored_interval({"reg": "1|||", "snp": "m|1|||", "sk": "DAY#2024-05-01"}) is None
    assert interval_of({}, 15) == 15 and interval_of({}) == 30


def test_80020_sums_five_minute_intervals_into_half_hours():
    slots = {i: Slot("ok", {"A+": Decimal("0.1")}) for i in range(288)}
    slots[7] = Slot("estimated", {"A+": Decimal("0.1")})  # in the second half hour
    del slots[20]  # the fourth: one interval never arrived
    raw = build_80020(
        1,
        datetime(2024, 5, 2, 7, 0, tzinfo=UTC),
        date(2024, 5, 1),
        MSK,
        "Сети",
        "",
        [ExportPoint("P5", "Пятиминутный", slots, 5)],
    )
    periods = ET.fromstring(raw).findall("area/measuringpoint/measuringchannel/period")
    assert len(periods) == 48 and (periods[1].get("start"), periods[1].get("end")) == ("0030", "0100")
    statuses = [p.find("value").get("status") for p in periods]
    assert statuses[:4] == ["0", "1", "0", "1"] and set(statuses[4:]) == {"0"}
    # 0.6 kWh a half hour (0.5 in the fourth), carried: the day's whole kWh follow the exact sum 28.7.
    assert sum(int(p.find("value").text) for p in periods) == 29
