"""The exchange and period-close ticks: they read the settings in force each time, run once per lock
window or period however often they are called, and never fail on a layout the settings accept."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import boto3
import pytest
from helpers import count_calls, staff_user

from chalicelib.core import clock
from chalicelib.metering.repository import ClosedPeriodItem, LockItem, period_key

CONTEXT = SimpleNamespace(get_remaining_time_in_millis=lambda: 300_000)


def at(moment: datetime) -> None:
    clock.set_clock(lambda: moment)


@pytest.fixture(autouse=True)
def stack(aws, settings_override):
    from chalicelib.exchange.schedule import reset_memo
    from chalicelib.settings import repository, service

    def forget() -> None:
        for item in repository.SettingsItem.query(repository.PK):
            item.delete()
        service.reset_cache()
        reset_memo()

    settings_override(exchange_bucket=aws["ExchangeBucketName"])
    boto3.client("s3", region_name="eu-central-1").put_bucket_versioning(
        Bucket=aws["ExchangeBucketName"], VersioningConfiguration={"Status": "Enabled"}
    )
    forget()
    yield
    clock.set_clock(None)
    LockItem(run_id="", acquired_at="", expires_at=0).delete()
    forget()


def tick():
    from chalicelib.exchange.schedule import exchange_tick

    return exchange_tick(CONTEXT)


def test_the_exchange_runs_once_per_lock_window_however_often_the_tick_comes():
    at(datetime(2026, 11, 26, 9, 54, tzinfo=UTC))  # 12:54 Moscow: before the window
    assert tick() is None
    at(datetime(2026, 11, 26, 9, 56, tzinfo=UTC))  # 12:56: inside 12:55–13:25
    first = tick()
    assert first is not None and first.trigger == "schedule" and first.status == "ok"
    assert tick() is None  # the same minute again (a retried or duplicated event)
    at(datetime(2026, 11, 26, 10, 20, tzinfo=UTC))
    assert tick() is None  # later in the same window
    at(datetime(2026, 11, 26, 21, 57, tzinfo=UTC))  # 00:57 on the 27th: the next window
    assert tick() is not None
    at(datetime(2026, 11, 27, 9, 55, tzinfo=UTC))  # 12:55 on the 27th
    assert tick() is not None


def test_a_tick_outside_every_window_makes_no_write():
    at(datetime(2026, 11, 26, 7, 0, tzinfo=UTC))
    tick()  # the settings are read and cached
    with count_calls("dynamodb") as calls:
        assert tick() is None
    assert calls == []


def test_windows_changed_in_the_settings_apply_to_the_next_tick(api):
    admin = staff_user(api, "admin")
    settings = api.get("/staff/settings", token=admin["token"])[1]
    document = settings["settings"]
    # Different minutes of the hour and Yekaterinburg time: the old cron derivation refused this.
    document["time_zone"] = "Asia/Yekaterinburg"
    document["readings"]["lock_windows"] = [{"start": "03:07", "end": "03:08"}, {"start": "15:40", "end": "16:05"}]
    status, saved = api.call(
        "PUT", "/staff/settings", {"version": settings["version"], "settings": document}, token=admin["token"]
    )
    assert status == 200, saved
    at(datetime(2026, 11, 26, 9, 56, tzinfo=UTC))  # 14:56 in Yekaterinburg: no longer a window
    assert tick() is None
    at(datetime(2026, 11, 26, 22, 7, 30, tzinfo=UTC))  # 03:07:30: the one-minute window
    assert tick() is not None
    at(datetime(2026, 11, 26, 10, 41, tzinfo=UTC))  # 15:41
    assert tick() is not None and tick() is None


def test_the_period_that_ended_is_closed_once():
    from chalicelib.exchange.schedule import period_close_tick

    at(datetime(2026, 11, 30, 20, 59, tzinfo=UTC))  # 23:59 on 30 November, Moscow
    ClosedPeriodItem(period_key("2026-10"), "CLOSED", closed_at="2026-11-01T00:00:00Z").save()
    assert period_close_tick() is None  # October is closed already; November has not ended
    with pytest.raises(ClosedPeriodItem.DoesNotExist):
        ClosedPeriodItem.get(period_key("2026-11"), "CLOSED")
    at(datetime(2026, 11, 30, 21, 1, tzinfo=UTC))  # 00:01 on 1 December
    closed = period_close_tick()
    assert closed is not None and closed.period == "2026-11" and not closed.already_closed
    with count_calls("dynamodb") as calls:
        assert period_close_tick() is None  # remembered: no call until the month turns
    assert calls == []
