"""One poll of one meter: open a session, read what the configuration asks for, store it.

Each piece of data is committed (with the cursor it advances) as soon as it is read, so a failure
later in the session loses nothing already read. The first error ends the session: after a timeout
or a garbled frame the meter's protocol state is unknown, and on a shared half-duplex bus it is
better to give the bus to the next meter than to spend timeouts on one that does not answer.
"""

from __future__ import annotations

import sqlite3
import time
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Callable

from .config import MeterConfig, PollingSettings
from .logs import Log, meter_log
from .protocols.base import AccessDenied, MeterDriver, MeterTimeout, NotSupported, ProtocolError
from .records import CHANNELS, DaySnapshot, RegisterReading, day_start
from .store import Store

# Profile is requested a day at a time and the cursor committed after each day, so a long catch-up
# interrupted by an error or a restart resumes where it stopped.
_PROFILE_CHUNK = timedelta(days=1)
# Day-start registers are asked for at most this many days back (first poll, or after a gap);
# meters keep a month or two of them, and billing needs the recent ones.
_SNAPSHOT_DAYS_MAX = 31

SessionFactory = Callable[[MeterConfig, Log], "AbstractContextManager[MeterDriver]"]

SESSION_STEP = "сеанс связи"
STEP_NAMES = {
    "clock": "часы",
    "registers": "показания",
    "profile": "профиль мощности",
    "events": "журнал событий",
    "relay": "состояние реле",
}


def describe_error(step: str, exc: BaseException) -> str:
    """One Russian phrase for the log, `status` and the heartbeat."""
    if isinstance(exc, AccessDenied):
        return f"{step}: счётчик отклонил пароль или доступ: {exc}"
    if isinstance(exc, MeterTimeout):
        return f"{step}: счётчик не отвечает: {exc}"
    if isinstance(exc, ProtocolError):
        return f"{step}: ошибка обмена: {exc}"
    if isinstance(exc, OSError):
        return f"{step}: порт недоступен: {exc.strerror or exc}"
    return f"{step}: внутренняя ошибка {type(exc).__name__}: {exc}"


@dataclass
class PollReport:
    serial: str
    error: str | None = None
    clock_drift_s: float | None = None
    summary: list[str] = field(default_factory=list)


class MeterPoller:
    def __init__(
        self,
        store: Store,
        settings: PollingSettings,
        open_session: SessionFactory,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.settings = settings
        self._open_session = open_session
        self._now = now

    def poll(self, meter: MeterConfig) -> PollReport:
        """A meter or driver failure is logged, recorded for status/heartbeat and returned, never
        raised. A failing store does raise: without it nothing read can be kept, so the agent stops
        and systemd restarts it."""
        log = meter_log(meter.serial, meter.port)
        report = PollReport(meter.serial)
        started = self._now()
        step = SESSION_STEP
        try:
            with self._open_session(meter, log) as driver:
                for item in meter.read:
                    step = STEP_NAMES[item]
                    try:
                        getattr(self, f"_read_{item}")(driver, meter, report, log)
                    except NotSupported as exc:
                        # This model does not keep it: not a failed poll, the session goes on.
                        report.summary.append(f"{step}: нет у счётчика")
                        log.debug("Пропущено: %s", exc)
        except sqlite3.Error:
            raise
        except Exception as exc:  # whatever a driver raises must not stop the other meters
            report.error = describe_error(step, exc)
            if not isinstance(exc, (ProtocolError, OSError)):
                log.debug("Подробности внутренней ошибки", exc_info=True)
        self.store.record_poll(meter.serial, meter.port, report.error, report.clock_drift_s)
        elapsed = self._now() - started
        if report.error:
            log.error(
                "Опрос не удался за %.1f с (%s)%s",
                elapsed,
                report.error,
                f"; успели прочитать: {', '.join(report.summary)}" if report.summary else "",
            )
        else:
            log.info("Опрос завершён за %.1f с: %s", elapsed, ", ".join(report.summary))
        return report

    def _read_clock(self, driver: MeterDriver, meter: MeterConfig, report: PollReport, log: Log) -> None:
        reading = driver.read_clock()
        drift = reading.drift_seconds
        report.clock_drift_s = drift
        report.summary.append(f"часы {drift:+.0f} с")
        if abs(drift) > self.settings.clock_drift_threshold_s:
            log.warning(
                "Часы счётчика расходятся с УСПД на %+.0f с (порог %g с): счётчик %s, УСПД %s",
                drift,
                self.settings.clock_drift_threshold_s,
                _local(reading.meter_time),
                _local(reading.agent_time),
            )

    def _read_registers(self, driver: MeterDriver, meter: MeterConfig, report: PollReport, log: Log) -> None:
        reading = driver.read_registers()
        self.store.save([reading])
        shown = [f"{ch} {reading.values[ch]:g}" for ch in CHANNELS if ch in reading.values]
        report.summary.append("показания " + (" ".join(shown) or "пусто"))
        self._read_snapshots(driver, meter, reading, report)

    def _read_snapshots(
        self, driver: MeterDriver, meter: MeterConfig, reading: RegisterReading, report: PollReport
    ) -> None:
        """Day-start registers, once per meter-local day: the days since the last one stored
        (all of them after a gap, up to _SNAPSHOT_DAYS_MAX back), taken from the meter's own
        store where it has one, else today's from this reading, the first after midnight."""
        today = reading.read_at.astimezone(meter.timezone).date()
        cursor = self.store.cursor(meter.serial, "snapshots")
        oldest = today - timedelta(days=min(self.settings.initial_backfill_days, _SNAPSHOT_DAYS_MAX))
        if cursor is not None:
            done = cursor.astimezone(meter.timezone).date()
            if done >= today:
                return
            oldest = max(oldest, done + timedelta(days=1))
        days = [oldest + timedelta(days=k) for k in range((today - oldest).days + 1)]
        try:
            snapshots = driver.read_day_snapshots(days)
        except NotSupported:
            snapshots = [
                DaySnapshot(
                    meter.serial, today, day_start(today, meter.timezone), dict(reading.values), "first_after_midnight"
                )
            ]
        if not snapshots:
            return  # the meter has none yet (e.g. today's not closed): asked again next poll
        newest = max(s.day_start for s in snapshots)
        added = self.store.save(snapshots, {(meter.serial, "snapshots"): newest})
        report.summary.append(f"на начало суток {len(snapshots)} дн. (новых {added})")

    def _read_profile(self, driver: MeterDriver, meter: MeterConfig, report: PollReport, log: Log) -> None:
        now = datetime.fromtimestamp(self._now(), timezone.utc)
        # A meter whose clock is behind has not closed the interval our clock says is closed;
        # asking for it would store an unfinished value, and the first stored value wins.
        lag = timedelta(seconds=min(0.0, report.clock_drift_s or 0.0))
        until = interval_start(now + lag, meter.profile_minutes)
        since = self.store.cursor(meter.serial, "profile") or interval_start(
            now - timedelta(days=self.settings.initial_backfill_days), meter.profile_minutes
        )
        end = min(until, since + timedelta(days=self.settings.max_profile_days_per_poll))
        read = added = 0
        while since < end:
            chunk_end = min(since + _PROFILE_CHUNK, end)
            intervals = [i for i in driver.read_profile(since, chunk_end) if since <= i.start < chunk_end]
            added += self.store.save(intervals, {(meter.serial, "profile"): chunk_end})
            read += len(intervals)
            since = chunk_end
        report.summary.append(f"профиль {read} интерв. (новых {added})")
        if end < until:
            log.info("Профиль догоняется: прочитано по %s, осталось до %s", _local(end), _local(until))

    def _read_events(self, driver: MeterDriver, meter: MeterConfig, report: PollReport, log: Log) -> None:
        since = self.store.cursor(meter.serial, "events") or datetime.fromtimestamp(
            self._now(), timezone.utc
        ) - timedelta(days=self.settings.initial_backfill_days)
        events = driver.read_events(since)
        # The cursor stays at the newest event seen: the next read repeats that instant and the
        # store drops what it already has, so an event logged in the same second is not missed.
        cursor = max([e.at for e in events], default=since)
        added = self.store.save(events, {(meter.serial, "events"): cursor})
        report.summary.append(f"событий {len(events)} (новых {added})")

    def _read_relay(self, driver: MeterDriver, meter: MeterConfig, report: PollReport, log: Log) -> None:
        state = driver.read_relay()
        self.store.save([state])
        report.summary.append("реле " + ("включено" if state.connected else "ОТКЛЮЧЕНО"))


def interval_start(moment: datetime, minutes: int) -> datetime:
    """Start of the profile interval containing `moment` (intervals divide the hour)."""
    step = minutes * 60
    seconds = int(moment.timestamp()) // step * step
    return datetime.fromtimestamp(seconds, timezone.utc)


def _local(moment: datetime) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S")
