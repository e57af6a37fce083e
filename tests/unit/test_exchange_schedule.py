"""UTC cron expressions of the billing exchange and the period close, from company-local times."""
from datetime import datetime, time, timezone
from zoneinfo import ZoneInfo

import pytest

from chalicelib.exchange.schedule import (ExchangeSchedule, cron_fields, daily_runs_cron, derive_schedule,
                                          exchange_run_crons, offset_changes_within_year, period_close_cron)
from chalicelib.readings.rules import InvalidReadingSettings, Period, ReadingWindowPolicy, parse_lock_windows

WINTER = datetime(2026, 1, 15, tzinfo=timezone.utc)
SUMMER = datetime(2026, 7, 15, tzinfo=timezone.utc)


def schedule_of(zone: str, at: datetime = WINTER,
                lock_windows: str = "00:55-01:25,12:55-13:25") -> ExchangeSchedule:
    policy = ReadingWindowPolicy(ZoneInfo(zone), lock_windows=parse_lock_windows(lock_windows))
    return derive_schedule(policy, at)


@pytest.mark.parametrize("zone, runs, close", [
    ("Europe/Moscow", ("cron(55 21 * * ? *)", "cron(55 9 * * ? *)"), "cron(0 21 L * ? *)"),
    ("UTC", ("cron(55 0 * * ? *)", "cron(55 12 * * ? *)"), "cron(0 0 1 * ? *)"),
    ("Asia/Kolkata", ("cron(25 19 * * ? *)", "cron(25 7 * * ? *)"), "cron(30 18 L * ? *)"),      # +05:30
    ("Asia/Kathmandu", ("cron(10 19 * * ? *)", "cron(10 7 * * ? *)"), "cron(15 18 L * ? *)"),    # +05:45
    ("America/Bogota", ("cron(55 5 * * ? *)", "cron(55 17 * * ? *)"), "cron(0 5 1 * ? *)"),      # −05:00
    ("Pacific/Kiritimati", ("cron(55 10 * * ? *)", "cron(55 22 * * ? *)"), "cron(0 10 L * ? *)"),  # +14:00
])
def test_zones_without_daylight_saving_get_stable_crons(zone, runs, close):
    assert schedule_of(zone) == ExchangeSchedule(exchange_runs=runs, period_close=close, offset_changes=False)


def test_st_johns_half_hour_west_of_utc_stays_on_the_first_and_is_flagged_for_dst():
    # Newfoundland: −03:30 in winter, −02:30 in summer.
    assert schedule_of("America/St_Johns", WINTER) == ExchangeSchedule(
        ("cron(25 4 * * ? *)", "cron(25 16 * * ? *)"), "cron(30 3 1 * ? *)", offset_changes=True)
    assert schedule_of("America/St_Johns", SUMMER) == ExchangeSchedule(
        ("cron(25 3 * * ? *)", "cron(25 15 * * ? *)"), "cron(30 2 1 * ? *)", offset_changes=True)


def test_daylight_saving_zone_uses_the_offset_at_deployment_and_is_flagged():
    assert schedule_of("Europe/Berlin", WINTER) == ExchangeSchedule(
        ("cron(55 23 * * ? *)", "cron(55 11 * * ? *)"), "cron(0 23 L * ? *)", offset_changes=True)
    assert schedule_of("Europe/Berlin", SUMMER) == ExchangeSchedule(
        ("cron(55 22 * * ? *)", "cron(55 10 * * ? *)"), "cron(0 22 L * ? *)", offset_changes=True)


def test_one_off_offset_change_is_flagged_too():
    # Moscow was on +04 until 26 October 2014, then moved to +03 for good.
    before = schedule_of("Europe/Moscow", datetime(2014, 1, 15, tzinfo=timezone.utc))
    assert before.exchange_runs[0] == "cron(55 20 * * ? *)"
    assert before.period_close == "cron(0 20 L * ? *)"
    assert before.offset_changes
    after = datetime(2014, 10, 27, tzinfo=timezone.utc)
    assert not offset_changes_within_year(ZoneInfo("Europe/Moscow"), after)


@pytest.mark.parametrize("zone", ["Europe/Moscow", "Asia/Kolkata", "Pacific/Kiritimati"])
def test_last_day_cron_east_of_utc_is_local_midnight_on_the_first_in_every_month(zone):
    tz = ZoneInfo(zone)
    minute, hour, day = period_close_cron(tz, WINTER)[len("cron("):].split()[:3]
    assert day == "L"
    for month in range(1, 13):   # 2028: a leap February among them
        last_day = Period(2028, month).last_day
        fired = datetime(last_day.year, last_day.month, last_day.day, int(hour), int(minute),
                         tzinfo=timezone.utc)
        local = fired.astimezone(tz)
        assert (local.day, local.hour, local.minute) == (1, 0, 0)
        assert Period.of(local) == Period(2028, month).next()


def test_late_evening_run_west_of_utc_moves_to_the_next_utc_day():
    assert schedule_of("America/Bogota", lock_windows="21:30-22:00").exchange_runs == ("cron(30 2 * * ? *)",)


def test_runs_follow_lock_window_order_and_no_windows_means_no_runs():
    assert schedule_of("UTC", lock_windows="12:55-13:25,00:55-01:25").exchange_runs == (
        "cron(55 0 * * ? *)", "cron(55 12 * * ? *)")
    assert schedule_of("UTC", lock_windows="").exchange_runs == ()


def test_run_times_with_seconds_cannot_be_expressed_in_cron():
    with pytest.raises(ValueError, match="whole minutes"):
        exchange_run_crons(ZoneInfo("UTC"), [time(0, 55, 30)], WINTER)


@pytest.mark.parametrize("derive", [period_close_cron, offset_changes_within_year])
def test_naive_deployment_time_is_a_programming_error(derive):
    with pytest.raises(ValueError, match="timezone-aware"):
        derive(ZoneInfo("Europe/Moscow"), datetime(2026, 1, 15))


def test_offset_change_lookahead_spans_the_new_year():
    # From 1 November 2026 (after the autumn change) the next change is in March 2027.
    assert offset_changes_within_year(ZoneInfo("Europe/Berlin"), datetime(2026, 11, 1, tzinfo=timezone.utc))


# --- what app.py registers with Chalice ------------------------------------------------------------

def test_a_cron_expression_splits_into_the_six_fields_of_chalice_cron():
    assert cron_fields("cron(0 21 L * ? *)") == ("0", "21", "L", "*", "?", "*")
    with pytest.raises(ValueError):
        cron_fields("rate(5 minutes)")


def test_the_daily_runs_share_one_cron_with_an_hour_list():
    assert daily_runs_cron(schedule_of("Europe/Moscow").exchange_runs) == "cron(55 9,21 * * ? *)"
    assert daily_runs_cron(schedule_of("Asia/Kolkata").exchange_runs) == "cron(25 7,19 * * ? *)"
    assert daily_runs_cron(schedule_of("UTC", lock_windows="06:00-06:30").exchange_runs) == "cron(0 6 * * ? *)"


def test_runs_at_different_minutes_or_none_at_all_are_refused():
    with pytest.raises(InvalidReadingSettings, match="одну и ту же минуту"):
        daily_runs_cron(schedule_of("UTC", lock_windows="00:55-01:25,12:40-13:10").exchange_runs)
    with pytest.raises(InvalidReadingSettings, match="хотя бы одно"):
        daily_runs_cron(schedule_of("UTC", lock_windows="").exchange_runs)
