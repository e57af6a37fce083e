"""Records of an agent's batch (edge-agent/kabinet_agent/records.py `to_json()`), checked one by one.

Pure code. A bad record is refused on its own with a Russian reason that names what is wrong but
never repeats what was sent; the rest of the batch still counts. Serials are matched to meters
through the agent's assignments, so an agent can write only the meters staff gave it.

A meter behind current or voltage transformers measures the secondary side: interval energies are
multiplied by the meter's calculation coefficient (Ктт × Ктн, from billing) into what the point
really consumed. Registers stay as the meter shows them, the way readings are entered by hand.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal
from typing import Any, Mapping, Optional, Union

from .days import CHANNELS, SLOT_MINUTES, Slot, locate

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
NOT_HALF_HOUR = "Принимаются только 30-минутные интервалы профиля мощности"
OFF_GRID = "Начало интервала не совпадает с началом получаса"
MISSING_WITH_VALUES = "У интервала без данных («missing») не должно быть значений"
BAD_STATUS = "Статус интервала должен быть ok, estimated или missing"
BAD_EVENT = "Событие журнала описано неверно (журнал, код, важность или текст)"
BAD_RELAY = "Состояние реле должно быть on или off"
UNKNOWN_KIND = "Неизвестный тип записи"


@dataclass(frozen=True)
class IntervalRecord:
    meter_id: str
    day: date
    index: int
    slot: Slot


@dataclass(frozen=True)
class RegisterRecord:
    meter_id: str
    read_at: datetime
    day: date
    values: Mapping[str, Decimal]   # as the meter shows them
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


Record = Union[IntervalRecord, RegisterRecord, EventRecord, RelayRecord]


class Rejected(ValueError):
    """One record refused; the message is Russian and safe to send back."""


@dataclass(frozen=True)
class MeterTarget:
    """Where an agent's serial goes."""
    meter_id: str
    coefficient: Decimal = Decimal(1)


@dataclass(frozen=True)
class RecordContext:
    meters: Mapping[str, MeterTarget]   # upper-cased serial -> meter, the agent's assignments
    now: datetime
    tz: tzinfo


def parse_record(data: Any, ctx: RecordContext) -> Record:
    """The typed record, or `Rejected` with the reason."""
    if not isinstance(data, dict) or not isinstance(data.get("meter"), str):
        raise Rejected(MALFORMED)
    target = ctx.meters.get(data["meter"].strip().upper())
    kind = data.get("kind")
    if kind not in _PARSERS:
        raise Rejected(UNKNOWN_KIND)
    if target is None:
        raise Rejected(NOT_ASSIGNED)
    return _PARSERS[kind](data, target, ctx)


def _interval(data: dict[str, Any], target: MeterTarget, ctx: RecordContext) -> IntervalRecord:
    start = _instant(data.get("start"), ctx)
    if data.get("minutes") != SLOT_MINUTES:
        raise Rejected(NOT_HALF_HOUR)
    if start + timedelta(minutes=SLOT_MINUTES) > ctx.now + FUTURE_TOLERANCE:
        raise Rejected(FUTURE)
    status = data.get("status", "ok")
    if status not in ("ok", "estimated", "missing"):
        raise Rejected(BAD_STATUS)
    values = data.get("values")
    if status == "missing":
        if values:
            raise Rejected(MISSING_WITH_VALUES)
        slot = Slot("missing")
    else:
        slot = Slot(status, {channel: energy * target.coefficient for channel, energy in _energies(values).items()})
    place = locate(start, ctx.tz)
    if place is None:
        raise Rejected(OFF_GRID)
    return IntervalRecord(target.meter_id, place[0], place[1], slot)


def _register(data: dict[str, Any], target: MeterTarget, ctx: RecordContext) -> RegisterRecord:
    read_at = _instant(data.get("read_at"), ctx)
    return RegisterRecord(target.meter_id, read_at, read_at.astimezone(ctx.tz).date(), _energies(data.get("values")),
                          target.coefficient)


def _event(data: dict[str, Any], target: MeterTarget, ctx: RecordContext) -> EventRecord:
    at = _instant(data.get("at"), ctx)
    journal, code, severity, text = (data.get(k) for k in ("journal", "code", "severity", "text"))
    if not (isinstance(journal, str) and _JOURNAL.match(journal) and isinstance(code, str) and _CODE.match(code)
            and severity in SEVERITIES and isinstance(text, str) and 0 < len(text.strip()) <= MAX_TEXT):
        raise Rejected(BAD_EVENT)
    return EventRecord(target.meter_id, at, journal, code, severity, text.strip())


def _relay(data: dict[str, Any], target: MeterTarget, ctx: RecordContext) -> RelayRecord:
    at = _instant(data.get("at"), ctx)
    if data.get("state") not in ("on", "off"):
        raise Rejected(BAD_RELAY)
    return RelayRecord(target.meter_id, at, data["state"] == "on")


_PARSERS = {"interval": _interval, "register": _register, "event": _event, "relay": _relay}


def _instant(value: Any, ctx: RecordContext) -> datetime:
    if not isinstance(value, str) or len(value) > 40:
        raise Rejected(BAD_TIME)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise Rejected(BAD_TIME) from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise Rejected(BAD_TIME)
    if moment > ctx.now + FUTURE_TOLERANCE:
        raise Rejected(FUTURE)
    if moment < ctx.now - MAX_AGE:
        raise Rejected(TOO_OLD)
    return moment


def _energies(values: Any) -> dict[str, Decimal]:
    if not isinstance(values, dict) or not values or any(channel not in CHANNELS for channel in values):
        raise Rejected(BAD_VALUES)
    return {channel: _energy(value) for channel, value in values.items()}


def _energy(value: Any) -> Decimal:
    # bool is an int in Python, and JSON true is no energy reading.
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise Rejected(BAD_VALUES)
    # str() of a float is its shortest round-trip form: 0.512 stays "0.512", not 0.51200000000000001.
    number = Decimal(str(value))
    if number < 0 or number >= MAX_VALUE:
        raise Rejected(BAD_VALUES)
    return number


def serial_map(meters: Optional[Mapping[str, Any]]) -> dict[str, MeterTarget]:
    """Upper-cased serial -> meter from an agent's assignments (serial -> {"meter_id", "coefficient", …})."""
    return {serial.upper(): MeterTarget(info["meter_id"], Decimal(info.get("coefficient") or 1))
            for serial, info in (meters or {}).items()}
