"""`kabinet-agent read-once`: read one meter now and show the result as tables a technician can
compare with the meter's display."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .config import MeterConfig
from .logs import Log
from .poller import SESSION_STEP, STEP_NAMES, SessionFactory, describe_error, interval_start
from .protocols.base import MeterDriver, NotSupported
from .records import CHANNELS, ClockReading, DaySnapshot, Interval, MeterEvent, Record, RegisterReading, RelayState

_SEVERITY = {"info": "инфо", "warning": "внимание", "critical": "авария"}
_JOURNALS = {"voltage": "напряжение", "current": "ток", "relay": "реле", "tamper": "вскрытие", "power": "питание"}
_UNITS = {"A+": "кВт·ч", "A-": "кВт·ч", "R+": "квар·ч", "R-": "квар·ч"}


@dataclass
class Readout:
    meter: MeterConfig
    since: datetime
    until: datetime
    clock: ClockReading | None = None
    registers: RegisterReading | None = None
    profile: list[Interval] = field(default_factory=list)
    events: list[MeterEvent] = field(default_factory=list)
    relay: RelayState | None = None
    snapshots: list[DaySnapshot] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)  # what this meter does not keep
    error: str | None = None

    def records(self) -> list[Record]:
        """What `--store` puts into the queue (the clock is reported, never stored)."""
        single: list[Record] = [r for r in (self.registers, self.relay) if r is not None]
        return single + list(self.snapshots) + list(self.profile) + list(self.events)


def read_once(open_session: SessionFactory, meter: MeterConfig, log: Log, hours: int, now: datetime) -> Readout:
    """Everything the meter's `read` list names, for the last `hours` (completed intervals only).
    A failure keeps what was read before it and sets `error`."""
    until = interval_start(now, meter.profile_minutes)
    readout = Readout(meter, since=until - timedelta(hours=hours), until=until)
    step = SESSION_STEP
    try:
        with open_session(meter, log) as driver:
            for item in meter.read:
                step = STEP_NAMES[item]
                try:
                    _read_item(driver, item, readout)
                except NotSupported as exc:
                    readout.unsupported.append(f"{step}: {exc}")
    except Exception as exc:  # shown to the technician together with whatever was read
        readout.error = describe_error(step, exc)
    return readout


def _read_item(driver: MeterDriver, item: str, readout: Readout) -> None:
    if item == "clock":
        readout.clock = driver.read_clock()
    elif item == "registers":
        readout.registers = driver.read_registers()
        # The day-start registers of the days the period covers, where the meter stores them.
        tz = readout.meter.timezone
        first, last = readout.since.astimezone(tz).date(), readout.until.astimezone(tz).date()
        days = [first + timedelta(days=k) for k in range((last - first).days + 1)]
        try:
            readout.snapshots = driver.read_day_snapshots(days)
        except NotSupported as exc:  # the registers themselves were read: keep going
            readout.unsupported.append(str(exc))
    elif item == "profile":
        readout.profile = driver.read_profile(readout.since, readout.until)
    elif item == "events":
        readout.events = driver.read_events(readout.since)
    elif item == "relay":
        readout.relay = driver.read_relay()


def render(readout: Readout) -> str:
    m = readout.meter
    lines = [f"Счётчик {m.serial}: протокол {m.protocol}, адрес {m.address or '(общий)'}, порт {m.port}", ""]
    if readout.clock:
        c = readout.clock
        lines += [
            "Часы",
            *table(
                ["", ""],
                [
                    ["Время счётчика", _local(c.meter_time)],
                    ["Время УСПД", _local(c.agent_time)],
                    ["Расхождение", f"{c.drift_seconds:+.0f} с"],
                ],
                header=False,
            ),
            "",
        ]
    if readout.registers:
        r = readout.registers
        rows = [[ch, f"{r.values[ch]:.3f}", _UNITS[ch]] for ch in CHANNELS if ch in r.values]
        lines += [f"Показания на {_local(r.read_at)}", *table(["Канал", "Значение", "Ед."], rows), ""]
    if readout.snapshots:
        rows = [[s.day.strftime("%d.%m.%Y"), *[_value(s.values.get(ch)) for ch in CHANNELS]] for s in readout.snapshots]
        lines += ["Показания на начало суток (хранит счётчик)", *table(["Сутки", *CHANNELS], rows), ""]
    if "profile" in m.read and (readout.profile or not readout.error):
        rows = [
            [
                _local(i.start, seconds=False),
                str(i.minutes),
                *[_value(i.values.get(ch)) for ch in CHANNELS],
                _status(i.status),
            ]
            for i in readout.profile
        ]
        lines += [
            f"Профиль мощности с {_local(readout.since, seconds=False)} по "
            f"{_local(readout.until, seconds=False)}: интервалов {len(readout.profile)}",
            *(table(["Начало", "Мин", *CHANNELS, "Статус"], rows) if rows else []),
            "",
        ]
    if "events" in m.read and (readout.events or not readout.error):
        rows = [
            [_local(e.at), _JOURNALS.get(e.journal, e.journal), e.code, _SEVERITY.get(e.severity, e.severity), e.text]
            for e in readout.events
        ]
        lines += [
            f"Журнал событий с {_local(readout.since, seconds=False)}: событий {len(readout.events)}",
            *(table(["Время", "Журнал", "Код", "Важность", "Описание"], rows) if rows else []),
            "",
        ]
    if readout.relay:
        lines += [f"Реле нагрузки: {'включено' if readout.relay.connected else 'ОТКЛЮЧЕНО'}", ""]
    if readout.unsupported:
        lines += ["Нет у счётчика:", *[f"  {text}" for text in readout.unsupported], ""]
    if readout.error:
        lines += [f"ОШИБКА: {readout.error}", ""]
    return "\n".join(lines)


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], header: bool = True) -> list[str]:
    shown = ([list(headers)] if header else []) + [list(r) for r in rows]
    if not shown:
        return []
    widths = [max(len(row[i]) for row in shown) for i in range(len(shown[0]))]
    return ["  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in shown]


def _value(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def _status(status: str) -> str:
    return {"ok": "", "estimated": "оценка", "missing": "нет данных"}.get(status, status)


def _local(moment: datetime, seconds: bool = True) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
