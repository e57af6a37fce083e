"""One poll of one meter: what is read, cursors, clock drift, and errors that stay contained."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from runtime_fakes import T0, FakeClock, FakeMeter, fake_sessions

from kabinet_agent.config import READ_ITEMS, MeterConfig, PollingSettings
from kabinet_agent.poller import MeterPoller
from kabinet_agent.protocols.base import AccessDenied, MeterTimeout
from kabinet_agent.records import Interval, MeterEvent
from kabinet_agent.store import Store

SETTINGS = PollingSettings(initial_backfill_days=1, max_profile_days_per_poll=2)


def meter_cfg(serial: str, port: str = "/dev/ttyUSB0", read: tuple[str, ...] = READ_ITEMS) -> MeterConfig:
    return MeterConfig(
        serial=serial,
        port=port,
        address="1",
        protocol="mercury230",
        password="111111",
        baud=None,
        poll_minutes=30,
        read=read,
        profile_minutes=30,
        timeout_s=1.0,
        timezone=timezone.utc,
    )


def setup(
    tmp_path: Path, start: datetime, settings: PollingSettings = SETTINGS, **meters_kw: dict
) -> tuple[FakeClock, Store, dict[str, FakeMeter], MeterPoller]:
    clock = FakeClock(start)
    store = Store(tmp_path / "q.sqlite3", now=clock.now)
    meters = {s: FakeMeter(s, clock) for s in ("012345", "777001")}
    return clock, store, meters, MeterPoller(store, settings, fake_sessions(meters), now=clock.now)


def stored_intervals(store: Store):
    batch = store.next_batch(100_000)
    return [] if batch is None else [r for r in batch.records if isinstance(r, Interval)]


def test_profile_backfills_then_resumes_from_the_cursor(tmp_path: Path) -> None:
    clock, store, meters, poller = setup(tmp_path, T0 + timedelta(hours=10, minutes=1))
    report = poller.poll(meter_cfg("012345"))
    assert report.error is None
    until = T0 + timedelta(hours=10)
    since = until - timedelta(days=1)
    assert meters["012345"].profile_calls == [(since, until)]
    assert store.cursor("012345", "profile") == until
    clock.sleep(1800)
    poller.poll(meter_cfg("012345"))
    assert meters["012345"].profile_calls[-1] == (until, until + timedelta(minutes=30))
    # Overlap or not, each interval is stored once; the unfinished current interval never is.
    starts = [i.start for i in stored_intervals(store)]
    assert len(starts) == len(set(starts)) == 49 and max(starts) == until
    assert meters["012345"].sessions == 2 and meters["012345"].closed == 2


def test_long_catch_up_is_spread_over_polls_in_daily_chunks(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    settings = PollingSettings(initial_backfill_days=5, max_profile_days_per_poll=2)
    clock, store, meters, poller = setup(tmp_path, T0 + timedelta(days=5, minutes=5), settings)
    with caplog.at_level(logging.INFO, logger="kabinet_agent"):
        poller.poll(meter_cfg("012345", read=("profile",)))
    assert meters["012345"].profile_calls == [
        (T0, T0 + timedelta(days=1)),
        (T0 + timedelta(days=1), T0 + timedelta(days=2)),
    ]
    assert store.cursor("012345", "profile") == T0 + timedelta(days=2)
    assert any("Профиль догоняется" in r.getMessage() for r in caplog.records)


def test_clock_drift_is_warned_reported_and_bounds_the_profile(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clock, store, meters, poller = setup(tmp_path, T0 + timedelta(hours=10, minutes=5))
    meters["012345"].drift_s = -600  # the meter is 10 minutes behind
    with caplog.at_level(logging.WARNING, logger="kabinet_agent"):
        report = poller.poll(meter_cfg("012345"))
    assert report.clock_drift_s == -600
    # By its own clock the meter is at 09:55: the 09:30-10:00 interval is still open there.
    assert meters["012345"].profile_calls[-1][1] == T0 + timedelta(hours=9, minutes=30)
    [warning] = caplog.records
    assert warning.where == "ПУ 012345 /dev/ttyUSB0"  # type: ignore[attr-defined]
    assert "Часы счётчика расходятся с УСПД на -600 с (порог 30 с)" in warning.getMessage()
    assert store.meter_statuses()["012345"].clock_drift_s == -600
    meters["012345"].drift_s = 12
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="kabinet_agent"):
        poller.poll(meter_cfg("012345"))
    assert caplog.records == [] and store.meter_statuses()["012345"].clock_drift_s == 12


def test_error_ends_the_session_but_keeps_what_was_read(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    clock, store, meters, poller = setup(tmp_path, T0 + timedelta(hours=1, minutes=1))
    meters["012345"].fail["events"] = MeterTimeout("нет ответа за 1.0 с")
    with caplog.at_level(logging.INFO, logger="kabinet_agent"):
        report = poller.poll(meter_cfg("012345"))
    assert report.error == "журнал событий: счётчик не отвечает: нет ответа за 1.0 с"
    assert meters["012345"].closed == 1
    kinds = {r.kind for r in store.next_batch(1000).records}  # type: ignore[union-attr,attr-defined]
    # read before the failure (the fake keeps no day-start registers: the first reading after
    # midnight stands in); the relay was not asked
    assert kinds == {"register", "snapshot", "interval"}
    status = store.meter_statuses()["012345"]
    assert status.last_error == report.error and status.last_read_at is None
    [line] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert (
        "Опрос не удался" in line.getMessage()
        and "успели прочитать: часы +0 с, показания A+ 1234.5" in line.getMessage()
    )


@pytest.mark.parametrize(
    "failure, expected",
    [
        (AccessDenied("пароль 1-го уровня"), "сеанс связи: счётчик отклонил пароль или доступ: пароль 1-го уровня"),
        (OSError(2, "No such file or directory"), "сеанс связи: порт недоступен: No such file or directory"),
        (RuntimeError("driver bug"), "сеанс связи: внутренняя ошибка RuntimeError: driver bug"),
    ],
)
def test_any_failure_is_contained(tmp_path: Path, failure: Exception, expected: str) -> None:
    clock, store, meters, poller = setup(tmp_path, T0 + timedelta(hours=1))
    meters["012345"].fail["open"] = failure
    assert poller.poll(meter_cfg("012345")).error == expected
    assert poller.poll(meter_cfg("777001")).error is None
    assert store.meter_statuses()["777001"].last_read_at == clock.dt()


def test_events_resume_from_the_newest_seen(tmp_path: Path) -> None:
    clock, store, meters, poller = setup(tmp_path, T0 + timedelta(hours=2))
    first = MeterEvent("012345", T0 + timedelta(minutes=10), "power", "1", "critical", "Пропадание питания")
    second = MeterEvent("012345", T0 + timedelta(minutes=20), "power", "2", "info", "Включение питания")
    meters["012345"].events = [first, second]
    poller.poll(meter_cfg("012345", read=("events",)))
    assert meters["012345"].event_calls == [clock.dt() - timedelta(days=1)]
    assert store.cursor("012345", "events") == second.at
    report = poller.poll(meter_cfg("012345", read=("events",)))
    assert meters["012345"].event_calls[-1] == second.at
    assert report.summary == ["событий 1 (новых 0)"]


def test_intervals_outside_the_request_are_not_stored(tmp_path: Path) -> None:
    clock, store, meters, poller = setup(tmp_path, T0 + timedelta(hours=1, minutes=1))
    # A driver that also returns the still-open current interval must not get it stored:
    # the first stored version of an interval wins.
    meters["012345"].leak_open_interval = True
    poller.poll(meter_cfg("012345", read=("profile",)))
    assert max(i.start for i in stored_intervals(store)) == T0 + timedelta(minutes=30)
