"""Whether an exchange run is due, on the company's local wall clock: the tick's decision."""

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from chalicelib.exchange.schedule import exchange_due
from chalicelib.readings.rules import ReadingWindowPolicy
from chalicelib.settings.parsers import parse_lock_windows


def due(zone: str, now: datetime, windows: str = "00:55-01:25,12:55-13:25"):
    found = exchange_due(ReadingWindowPolicy(ZoneInfo(zone), lock_windows=parse_lock_windows(windows)), now)
    return None if found is None else (found[0], f"{found[1]}")


@pytest.mark.parametrize(
    "utc, expected",
    [
        (datetime(2026, 11, 26, 9, 54, 59, tzinfo=UTC), None),  # 12:54:59
        (datetime(2026, 11, 26, 9, 55, tzinfo=UTC), ("2026-11-26", "12:55-13:25")),  # the start
        (datetime(2026, 11, 26, 10, 24, 59, tzinfo=UTC), ("2026-11-26", "12:55-13:25")),
        (datetime(2026, 11, 26, 10, 25, tzinfo=UTC), None),  # the end is open
        # 00:55 Moscow is 21:55 UTC of the day before: the local date names the occurrence.
        (datetime(2026, 11, 30, 21, 55, tzinfo=UTC), ("2026-12-01", "00:55-01:25")),
    ],
)
def test_a_run_is_due_inside_a_lock_window_of_the_local_day(utc, expected):
    assert due("Europe/Moscow", utc) == expected


def test_daylight_saving_time_follows_the_wall_clock():
    # 00:55 in Berlin is 23:55 UTC in winter and 22:55 UTC in summer; no redeployment between.
    assert due("Europe/Berlin", datetime(2026, 1, 14, 23, 55, tzinfo=UTC)) == ("2026-01-15", "00:55-01:25")
    assert due("Europe/Berlin", datetime(2026, 7, 14, 22, 55, tzinfo=UTC)) == ("2026-07-15", "00:55-01:25")
    assert due("Europe/Berlin", datetime(2026, 7, 14, 23, 55, tzinfo=UTC)) is None


@pytest.mark.parametrize("zone", ["Asia/Kolkata", "Asia/Kathmandu", "America/St_Johns", "Pacific/Kiritimati"])
def test_windows_at_any_minute_in_any_zone_are_found(zone):
    windows = "00:55-01:25,12:40-13:10,21:07-21:08"
    tz = ZoneInfo(zone)
    for start in (time(0, 55), time(12, 40), time(21, 7)):
        local = datetime(2026, 3, 10, start.hour, start.minute, 30, tzinfo=tz)
        assert due(zone, local.astimezone(UTC), windows) == (
            "2026-03-10",
            next(w for w in windows.split(",") if w.startswith(f"{start:%H:%M}")),
        )


def test_no_lock_windows_means_no_scheduled_exchange():
    assert due("UTC", datetime(2026, 11, 26, 0, 55, tzinfo=UTC), windows="") is None
