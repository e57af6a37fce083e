"""Records of an agent's batch (edge-agent/kabinet_agent/records.py `to_json()`), checked one by one.

Pure code. A bad record is refused on its own with a Russian reason that names what is wrong but
never repeats what was sent, and a code; the rest of the batch still counts. The codes in `LATER`
name refusals a later version of the cloud, or a staff action, may lift: the agent keeps those
records parked and resends them on `kabinet-agent retry-parked`; the others are final
(upload-protocol.md §3). Serials are matched to meters
through the agent's assignments, so an agent can write only the meters staff gave it.

A meter behind current or voltage transformers measures the secondary side: interval energies are
multiplied by the meter's calculation coefficient (Ктт × Ктн, from billing) into what the point
really consumed. Registers stay as the meter shows them, the way readings are entered by hand.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal
from typing import Any

from chalicelib.aiis.storage.days import CHANNELS, INTERVALS, SLOT_MINUTES, Slot, SnapshotSource, day_start, locate

# A meter's clock may run a little ahead of the server's; more than this is "in the future".
FUTURE_TOLERANCE = timedelta(minutes=5)
# Older data is a wrong clock or a wrong meter rather than history worth storing.
MAX_AGE = timedelta(days=5 * 366)
MAX_VALUE = Decimal(10) ** 10
MAX_TEXT = 500
_JOURNAL = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_CODE = re.compile(r"^[A-Za-z0-9._\-]{1,32}$")
SEVERITIES = ("info", "warning", "critical")

NOT_ASSIGNED = "Счётчик не закреплён за этим агентом (УСПД): данные не приняты"
MALFORMED = "Запись не распознана: проверьте версию агента"
BAD_TIME = "Время записи указано неверно: нужен формат ISO 8601 с часовым поясом"
FUTURE = "Время записи ещё не наступило: проверьте часы счётчика и УСПД"
TOO_OLD = "Запись старше пяти лет: проверьте часы счётчика"
BAD_VALUES = "Значения энергии указаны неверно: нужны неотрицательные числа по каналам A+, A-, R+, R-"
UNSUPPORTED_INTERVAL = (
    "Длина интервала профиля не поддерживается: принимаются 1–60 минут, делящие час "
    "(1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60)"
)
OFF_GRID = "Начало интервала не совпадает с сеткой интервалов от полуночи"
INTERVAL_CHANGED = (
    "Длина интервала профиля изменилась в течение суток: за эти сутки уже приняты интервалы "
    "другой длины, новая длина принимается со следующих суток"
)
MISSING_WITH_VALUES = "У интервала без данных («missing») не должно быть значений"
BAD_STATUS = "Статус интервала должен быть ok, estimated или missing"
BAD_EVENT = "Событие журнала описано неверно (журнал, код, важность или текст)"
BAD_RELAY = "Состояние реле должно быть on или off"
UNKNOWN_KIND = "Неизвестный тип записи"
BAD_SNAPSHOT = (
    "Снимок показаний на начало суток описан неверно: нужны день ГГГГ-ММ-ДД, его начало (полночь по "
    "времени компании), показания и источник meter или first_after_midnight"
)

# Refusals that a later cloud (or staff assigning the meter) may lift: the agent parks these records.
LATER = frozenset({"not_assigned", "unknown_kind", "unsupported_interval", "interval_changed"})
SNAPSHOT_SOURCES: tuple[SnapshotSource, ...] = ("meter", "first_after_midnight")


@dataclass(frozen=True)
class IntervalRecord:
    meter_id: str
    day: date
    index: int  # in intervals of `minutes` from local midnight
    slot: Slot
    minutes: int = SLOT_MINUTES


@dataclass(frozen=True)
class RegisterRecord:
    meter_id: str
    read_at: datetime
    day: date
    values: Mapping[str, Decimal]  # as the meter shows them
    coefficient: Decimal


@dataclass(frozen=True)
class EventRecord:
    meter_id: str
    at: datetime
    journal: str
    code: str
    severity: str
    text: str


@dataclass(frozen=True)
class RelayRecord:
    meter_id: str
    at: datetime
    on: bool


@dataclass(frozen=True)
class SnapshotRecord:
    """The registers at the start of a company-local day (показания на начало суток), as the meter
    shows them: stored by the meter itself (`meter`), or the agent's first reading after midnight."""

    meter_id: str
    day: date
    values: Mapping[str, Decimal]
    source: SnapshotSource


Record = IntervalRecord | RegisterRecord | EventRecord | RelayRecord | SnapshotRecord


class Rejected(ValueError):
    """One record refused; the message is Russian and safe to send back, the code stable."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class MeterTarget:
    """Where an agent's serial goes."""

    meter_id: str
    coefficient: Decimal = Decimal(1)


@dataclass(frozen=True)
class RecordContext:
    meters: Mapping[str, MeterTarget]  # upper-cased serial -> meter, the agent's assignments
    now: datetime
    tz: tzinfo


def parse_record(data: Any, ctx: RecordContext) -> Record:
    """The typed record, or `Rejected` with the reason."""
    if not isinstance(data, dict) or not isinstance(data.get("meter"), str):
        raise Rejected(MALFORMED, "malformed")
    target = ctx.meters.get(data["meter"].strip().upper())
    kind = data.get("kind")
    if kind not in _PARSERS:
        raise Rejected(UNKNOWN_KIND, "unknown_kind")
    if target is None:
        raise Rejected(NOT_ASSIGNED, "not_assigned")
    return _PARSERS[kind](data, target, ctx)


def _interval(data: dict[str, Any], target: MeterTarget, ctx: RecordContext) -> IntervalRecord:
    start = _instant(data.get("start"), ctx)
    minutes = data.get("minutes")
    if isinstance(minutes, bool) or minutes not in INTERVALS:
        raise Rejected(UNSUPPORTED_INTERVAL, "unsupported_interval")
    if start + timedelta(minutes=minutes) > ctx.now + FUTURE_TOLERANCE:
        raise Rejected(FUTURE, "future")
    status = data.get("status", "ok")
    if status not in ("ok", "estimated", "missing"):
        raise Rejected(BAD_STATUS, "bad_status")
    values = data.get("values")
    if status == "missing":
        if values:
            raise Rejected(MISSING_WITH_VALUES, "missing_with_values")
        slot = Slot("missing")
    else:
        slot = Slot(status, {channel: energy * target.coefficient for channel, energy in _energies(values).items()})
    place = locate(start, ctx.tz, minutes)
    if place is None:
        raise Rejected(OFF_GRID, "off_grid")
    return IntervalRecord(target.meter_id, place[0], place[1], slot, minutes)


def _register(data: dict[str, Any], target: MeterTarget, ctx: RecordContext) -> RegisterRecord:
    read_at = _instant(data.get("read_at"), ctx)
    return RegisterRecord(
        target.meter_id, read_at, read_at.astimezone(ctx.tz).date(), _energies(data.get("values")), target.coefficient
    )


def _event(data: dict[str, Any], target: MeterTarget, ctx: RecordContext) -> EventRecord:
    at = _instant(data.get("at"), ctx)
    journal, code, severity, text = (data.get(k) for k in ("journal", "code", "severity", "text"))
    if not (
        isinstance(journal, str)
        and _JOURNAL.match(journal)
        and isinstance(code, str)
        and _CODE.match(code)
        and severity in SEVERITIES
        and isinstance(text, str)
        and 0 < len(text.strip()) <= MAX_TEXT
    ):
        raise Rejected(BAD_EVENT, "bad_event")
    return EventRecord(target.meter_id, at, journal, code, severity, text.strip())


def _relay(data: dict[str, Any], target: MeterTarget, ctx: RecordContext) -> RelayRecord:
    at = _instant(data.get("at"), ctx)
    if data.get("state") not in ("on", "off"):
        raise Rejected(BAD_RELAY, "bad_relay")
    return RelayRecord(target.meter_id, at, data["state"] == "on")


def _snapshot(data: dict[str, Any], target: MeterTarget, ctx: RecordContext) -> SnapshotRecord:
    """`day` is the company-local day; `day_start` must be its local midnight — an agent configured
    with another time zone would file the registers under the wrong day."""
    day_text, source = data.get("day"), data.get("source")
    if not (isinstance(day_text, str) and len(day_text) == 10 and source in SNAPSHOT_SOURCES):
        raise Rejected(BAD_SNAPSHOT, "bad_snapshot")
    try:
        day = date.fromisoformat(day_text)
    except ValueError:
        raise Rejected(BAD_SNAPSHOT, "bad_snapshot") from None
    if _instant(data.get("day_start"), ctx) != day_start(day, ctx.tz):
        raise Rejected(BAD_SNAPSHOT, "bad_snapshot")
    return SnapshotRecord(target.meter_id, day, _energies(data.get("values")), source)


_PARSERS: dict[str, Callable[[dict[str, Any], MeterTarget, RecordContext], Record]] = {
    "interval": _interval,
    "register": _register,
    "event": _event,
    "relay": _relay,
    "snapshot": _snapshot,
}


def _instant(value: Any, ctx: RecordContext) -> datetime:
    if not isinstance(value, str) or len(value) > 40:
        raise Rejected(BAD_TIME, "bad_time")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise Rejected(BAD_TIME, "bad_time") from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise Rejected(BAD_TIME, "bad_time")
    if moment > ctx.now + FUTURE_TOLERANCE:
        raise Rejected(FUTURE, "future")
    if moment < ctx.now - MAX_AGE:
        raise Rejected(TOO_OLD, "too_old")
    return moment


def _energies(values: Any) -> dict[str, Decimal]:
    if not isinstance(values, dict) or not values or any(channel not in CHANNELS for channel in values):
        raise Rejected(BAD_VALUES, "bad_values")
    return {channel: _energy(value) for channel, value in values.items()}


def _energy(value: Any) -> Decimal:
    # bool is an int in Python, and JSON true is no energy reading.
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise Rejected(BAD_VALUES, "bad_values")
    # str() of a float is its shortest round-trip form: 0.512 stays "0.512", not 0.51200000000000001.
    number = Decimal(str(value))
    if number < 0 or number >= MAX_VALUE:
        raise Rejected(BAD_VALUES, "bad_values")
    return number


def serial_map(meters: Mapping[str, Any] | None) -> dict[str, MeterTarget]:
    """Upper-cased serial -> meter from an agent's assignments (serial -> {"meter_id", "coefficient", …})."""
    return {
        serial.upper(): MeterTarget(info["meter_id"], Decimal(info.get("coefficient") or 1))
        for serial, info in (meters or {}).items()
    }
