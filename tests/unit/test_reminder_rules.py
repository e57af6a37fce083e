"""When reading-window and verification notices are due, on the company's wall clock."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from chalicelib.metering.schedule import SHARDS, shard_of
from chalicelib.readings.rules import ReadingWindowPolicy
from chalicelib.reminders.rules import (
    VERIFICATION_PASSED,
    VERIFICATION_SOON,
    WINDOW_CLOSING,
    WINDOW_OPEN,
    next_check_on,
    verification_keys,
    verification_stage,
    window_notice_due,
)

MSK = ZoneInfo("Europe/Moscow")
NSK = ZoneInfo("Asia/Novosibirsk")


def due(policy: ReadingWindowPolicy, *moment: int, zone: ZoneInfo = MSK):
    notice = window_notice_due(policy, datetime(*moment, tzinfo=zone))
    return (notice.kind, notice.period.key) if notice else None


@pytest.mark.parametrize(
    "moment,expected",
    [
        ((2026, 11, 24, 23, 59), None),  # the day before the window
        ((2026, 11, 25, 0, 0), None),  # the window is open, but it is midnight
        ((2026, 11, 25, 8, 59), None),
        ((2026, 11, 25, 9, 0), (WINDOW_OPEN, "2026-11")),
        ((2026, 11, 28, 23, 0), (WINDOW_OPEN, "2026-11")),
        ((2026, 11, 29, 8, 59), (WINDOW_OPEN, "2026-11")),
        ((2026, 11, 29, 9, 0), (WINDOW_CLOSING, "2026-11")),  # two days left: the 29th and the 30th
        ((2026, 11, 30, 23, 59), (WINDOW_CLOSING, "2026-11")),
        ((2026, 12, 1, 10, 0), None),  # closed
        ((2027, 2, 27, 10, 0), (WINDOW_CLOSING, "2027-02")),  # February: the 27th and 28th are the last two
        ((2027, 2, 26, 10, 0), (WINDOW_OPEN, "2027-02")),
    ],
)
def test_window_notices_follow_the_window_and_a_decent_hour(moment, expected):
    assert due(ReadingWindowPolicy(MSK), *moment) == expected


def test_the_time_zone_is_the_companys_and_a_late_start_day_sends_only_the_reminder():
    # 09:00 in Novosibirsk is 05:00 in Moscow: the company's wall clock decides.
    assert due(ReadingWindowPolicy(NSK), 2026, 11, 25, 9, 0, zone=NSK) == (WINDOW_OPEN, "2026-11")
    assert due(ReadingWindowPolicy(NSK), 2026, 11, 25, 5, 0) == (WINDOW_OPEN, "2026-11")  # 05:00 MSK = 09:00 NSK
    assert due(ReadingWindowPolicy(MSK), 2026, 11, 25, 5, 0) is None
    late = ReadingWindowPolicy(MSK, window_start_day=30)
    assert due(late, 2026, 11, 30, 10, 0) == (WINDOW_CLOSING, "2026-11")


def test_verification_stages_once_each():
    nv = date(2027, 3, 1)
    assert verification_stage(nv, date(2026, 12, 30), None) is None  # 61 days before
    assert verification_stage(nv, date(2026, 12, 31), None) == VERIFICATION_SOON  # 60 days before
    assert verification_stage(nv, date(2027, 2, 1), VERIFICATION_SOON) is None
    assert verification_stage(nv, date(2027, 3, 1), VERIFICATION_SOON) is None  # the day itself is still valid
    assert verification_stage(nv, date(2027, 3, 2), VERIFICATION_SOON) == VERIFICATION_PASSED
    assert verification_stage(nv, date(2027, 5, 2), VERIFICATION_PASSED) is None
    # A date already past when billing first sends it: only «passed».
    assert verification_stage(nv, date(2027, 4, 1), None) == VERIFICATION_PASSED


def test_a_meter_stays_on_the_index_until_both_notices_are_sent():
    nv = date(2027, 3, 1)
    assert next_check_on(nv, None) == date(2026, 12, 31)
    assert next_check_on(nv, VERIFICATION_SOON) == date(2027, 3, 2)
    assert next_check_on(nv, VERIFICATION_PASSED) is None
    keys = verification_keys("m-1", "2027-03-01", "active", None)
    assert keys["sched_pk"] == f"VERIFY#{shard_of('m-1')}" and keys["sched_sk"] == "2026-12-31#m-1"
    assert verification_keys("m-1", "2027-03-01", "decommissioned", None)["sched_pk"] is None
    assert verification_keys("m-1", None, "active", None)["sched_pk"] is None


def test_shards_are_stable_and_spread():
    assert shard_of("user-1") == shard_of("user-1")
    assert len({shard_of(f"user-{i}") for i in range(1000)}) == SHARDS
