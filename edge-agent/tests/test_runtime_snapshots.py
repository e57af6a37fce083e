"""Day-start registers in the poller: once per meter-local day, the missed days after a gap, the
first reading after midnight for meters that store none, and data a model lacks skipped."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, ClassVar

from runtime_fakes import T0, FakeClock, FakeDriver, FakeMeter

from kabinet_agent.config import MeterConfig, PollingSettings
from kabinet_agent.poller import MeterPoller
from kabinet_agent.protocols.base import NotSupported
from kabinet_agent.records import DaySnapshot, RelayState, day_start
from kabinet_agent.store import Store

MSK = timezone(timedelta(hours=3))
SETTINGS = PollingSettings(initial_backfill_days=3, max_profile_days_per_poll=2)


class StoringMeter(FakeDriver):
    """A meter that keeps day-start registers for `kept` days (and has no relay)."""

    kept: ClassVar[dict[date, float]] = {}
    asked: ClassVar[list[list[date]]] = []

    def read_day_snapshots(self, days: Sequence[date]) -> list[DaySnapshot]:
        self.asked.append(list(days))
        return [DaySnapshot(self.serial, d, day_start(d, MSK), {"A+": self.kept[d]}) for d in days if d in self.kept]

    def read_relay(self) -> RelayState:
        raise NotSupported("реле нагрузки: нет у этой модели")


def sessions(meter: FakeMeter, driver_class: Any) -> Any:
    @contextmanager
    def session(meter_cfg: Any, log: Any) -> Any:
        meter.sessions += 1
        driver = driver_class(None, meter)
        try:
            yield driver
        finally:
            driver.close()

    return session


def cfg(read=("registers", "relay")) -> MeterConfig:
    return MeterConfig(
        serial="012345",
        port="/dev/ttyUSB0",
        address="1",
        protocol="dlms",
        password=None,
        baud=None,
        poll_minutes=30,
        read=read,
        profile_minutes=30,
        timeout_s=1.0,
        timezone=MSK,
    )


def snapshots(store: Store) -> list[DaySnapshot]:
    batch = store.next_batch(1000)
    return [] if batch is None else [r for r in batch.records if isinstance(r, DaySnapshot)]


def test_meter_snapshots_once_a_day_and_missed_days_after_a_gap(tmp_path: Path) -> None:
    clock = FakeClock(T0 + timedelta(hours=1))  # 04:00 on 1 May in Moscow
    store = Store(tmp_path / "q.sqlite3", now=clock.now)
    meter = FakeMeter("012345", clock)
    StoringMeter.kept = {date(2024, 4, 28) + timedelta(days=k): 100.0 + k for k in range(10)}
    StoringMeter.asked = []
    poller = MeterPoller(store, SETTINGS, sessions(meter, StoringMeter), now=clock.now)

    report = poller.poll(cfg())
    assert report.error is None and "состояние реле: нет у счётчика" in report.summary
    assert StoringMeter.asked == [[date(2024, 4, 28), date(2024, 4, 29), date(2024, 4, 30), date(2024, 5, 1)]]
    clock.sleep(1800)
    poller.poll(cfg())
    assert len(StoringMeter.asked) == 1  # today's is in: not asked again today
    clock.sleep(3 * 86400)  # the concentrator was off for three days
    poller.poll(cfg())
    assert StoringMeter.asked[-1] == [date(2024, 5, 2), date(2024, 5, 3), date(2024, 5, 4)]
    got = snapshots(store)
    assert [s.day for s in got] == [date(2024, 4, 28) + timedelta(days=k) for k in range(7)]
    assert got[3].day_start == datetime(2024, 4, 30, 21, 0, tzinfo=timezone.utc) and got[3].values == {"A+": 103.0}
    assert {s.source for s in got} == {"meter"}


def test_today_not_yet_closed_by_the_meter_is_asked_again(tmp_path: Path) -> None:
    clock = FakeClock(T0 + timedelta(hours=1))
    store = Store(tmp_path / "q.sqlite3", now=clock.now)
    meter = FakeMeter("012345", clock)
    StoringMeter.kept = {date(2024, 4, 30): 7.0}
    StoringMeter.asked = []
    poller = MeterPoller(store, SETTINGS, sessions(meter, StoringMeter), now=clock.now)
    poller.poll(cfg())
    StoringMeter.kept[date(2024, 5, 1)] = 8.0
    clock.sleep(1800)
    poller.poll(cfg())
    assert StoringMeter.asked[-1] == [date(2024, 5, 1)]
    assert [(s.day, s.values["A+"]) for s in snapshots(store)] == [(date(2024, 4, 30), 7.0), (date(2024, 5, 1), 8.0)]


def test_meter_without_stored_snapshots_gives_its_first_reading_after_midnight(tmp_path: Path) -> None:
    clock = FakeClock(T0 - timedelta(hours=3) + timedelta(minutes=5))  # 00:05 on 1 May in Moscow
    store = Store(tmp_path / "q.sqlite3", now=clock.now)
    meter = FakeMeter("012345", clock)
    poller = MeterPoller(store, SETTINGS, sessions(meter, FakeDriver), now=clock.now)
    poller.poll(cfg(read=("registers",)))
    clock.sleep(1800)
    poller.poll(cfg(read=("registers",)))  # a later reading of the same day is not one
    [snapshot] = snapshots(store)
    assert snapshot.day == date(2024, 5, 1) and snapshot.source == "first_after_midnight"
    assert snapshot.day_start == datetime(2024, 4, 30, 21, 0, tzinfo=timezone.utc)
    assert snapshot.values == {"A+": 1234.5, "A-": 0.0, "R+": 12.25, "R-": 1.0}
