"""Incotex Mercury 230 binary protocol (RS-485, 8N1, 9600 baud by default).

Every frame is  [address][payload][CRC-16/MODBUS, low byte first]; a reply carries the
same address. Replies have no length field: a 4-byte reply [addr][code][crc] is a status
(0x00 OK; 0x01 неверная команда/параметр, 0x02 внутренняя ошибка, 0x03 недостаточен
уровень доступа, 0x04 часы уже корректировались, 0x05 не открыт канал связи).

Commands used (payload after the address):
    00                      test channel
    01 L P1..P6             open channel, level L (1 user, 2 admin), 6 password bytes
                            ("111111" travels as 01 01 01 01 01 01)
    02                      close channel
    04 00                   current time: ss mm hh weekday DD MM YY season (BCD)
    04 J N                  journal J record N (0..9): two BCD stamps ss mm hh DD MM YY
                            (J=01 power on/off, 03..05 phase 1..3 on/off, 12 case open/close)
    05 00 00                energy from reset, tariff sum: A+ A- R+ R-, 4 bytes each in the
                            order b1 b0 b3 b2, Wh (0.001 kWh); FF FF FF FF = not available
    05 40 00, 05 50 00      the same for the current and the previous day (array 4 and 5 in
                            the high nibble): registers at the start of today are
                            from-reset − today, at the start of yesterday that − yesterday
    08 12                   version/variant: byte 2 low nibble = meter constant A code
                            (0→5000, 1→25000, 2→1250, 3→500, 4→1000, 5→250 imp/kWh)
    08 13                   last power-profile record: address (2 bytes, big-endian),
                            status, hh mm DD MM YY (BCD), period in minutes (binary)
    06 03 AH AL 0F          read 15 bytes of memory 3 (power profile) at AH AL: status,
                            hh mm DD MM YY (BCD), period, P+ P- Q+ Q- as 2-byte
                            little-endian averages; FF FF = not available

Power profile records are 16 bytes apart. Energy per interval in kWh = N / (2·A) — the
manufacturer's average power formula P = N·(60/T)/(2·A) times T/60. The record time is
taken as the END of the interval (so start = time − period), and status bit 0x02
("неполный срез", a partial interval after a power failure or clock change) marks the
interval "estimated". The driver walks back from the last record, one record per
request, until it passes `since`, so it is robust to gaps (no records are written while
the meter is off); slots with no record come back "missing".

Address 0 is the broadcast address: every meter answers it (with address 0), so it is
used for a single meter on an optical port or its own line.

Mercury 230 has no load relay on most versions and no public description of a relay status
read was found: read_relay raises NotSupported (the poller skips it).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta, timezone, tzinfo

from ..records import ClockReading, DaySnapshot, Interval, MeterEvent, RegisterReading, RelayState, day_start
from .base import AccessDenied, MeterDriver, NotSupported, ProtocolError, Transport
from .crc import crc16_le, crc16_modbus

STATUS_TEXT = {
    0x01: "недопустимая команда или параметр",
    0x02: "внутренняя ошибка счётчика",
    0x03: "недостаточен уровень доступа",
    0x04: "внутренние часы уже корректировались",
    0x05: "не открыт канал связи",
}
METER_CONSTANTS = {0: 5000, 1: 25000, 2: 1250, 3: 500, 4: 1000, 5: 250}
PROFILE_MEMORY = 0x03
RECORD_SIZE = 16
RECORD_BYTES = 15
PROFILE_RECORDS = 0x10000 // RECORD_SIZE
STATUS_PARTIAL = 0x02
CHANNELS = ("A+", "A-", "R+", "R-")

# journal number → (MeterEvent.journal, [(text, severity) for stamp 1, stamp 2])
JOURNALS: dict[int, tuple[str, list[tuple[str, str]]]] = {
    0x01: ("power", [("Включение питания счётчика", "info"), ("Выключение питания счётчика", "warning")]),
    0x03: (
        "voltage",
        [
            ("Фаза 1 — включение (напряжение появилось)", "info"),
            ("Фаза 1 — выключение (напряжение пропало)", "warning"),
        ],
    ),
    0x04: (
        "voltage",
        [
            ("Фаза 2 — включение (напряжение появилось)", "info"),
            ("Фаза 2 — выключение (напряжение пропало)", "warning"),
        ],
    ),
    0x05: (
        "voltage",
        [
            ("Фаза 3 — включение (напряжение появилось)", "info"),
            ("Фаза 3 — выключение (напряжение пропало)", "warning"),
        ],
    ),
    0x12: ("tamper", [("Вскрытие корпуса счётчика", "critical"), ("Закрытие корпуса счётчика", "info")]),
}
JOURNAL_RECORDS = 10


class StatusError(ProtocolError):
    """The meter answered with a non-zero status byte."""

    def __init__(self, code: int) -> None:
        super().__init__(f"Меркурий 230: {STATUS_TEXT.get(code, f'код ошибки 0x{code:02X}')}")
        self.code = code


def frame(address: int, payload: bytes) -> bytes:
    body = bytes((address,)) + payload
    return body + crc16_le(crc16_modbus(body))


def check_frame(raw: bytes) -> bool:
    return len(raw) >= 3 and crc16_modbus(raw[:-2]) == int.from_bytes(raw[-2:], "little")


def password_bytes(password: str, ascii_digits: bool = False) -> bytes:
    """ "111111" → 01 01 01 01 01 01 (digits as values, the factory convention);
    `ascii_digits` sends 31 31 ... for meters configured that way."""
    if len(password) != 6:
        raise ValueError("пароль Меркурий 230 — ровно 6 символов")
    if not ascii_digits and password.isdigit():
        return bytes(int(c) for c in password)
    return password.encode("ascii")


def bcd(byte: int) -> int:
    high, low = byte >> 4, byte & 0x0F
    if high > 9 or low > 9:
        raise ValueError(f"не BCD: 0x{byte:02X}")
    return high * 10 + low


def to_bcd(value: int) -> int:
    return ((value // 10) << 4) | (value % 10)


def decode_energy(data: bytes) -> list[int | None]:
    """Four 4-byte values in the b1 b0 b3 b2 order; None for FF FF FF FF."""
    values: list[int | None] = []
    for i in range(0, 16, 4):
        b = data[i : i + 4]
        raw = (b[1] << 24) | (b[0] << 16) | (b[3] << 8) | b[2]
        values.append(None if raw == 0xFFFFFFFF else raw)
    return values


def encode_energy(values: list[int | None]) -> bytes:
    out = b""
    for value in values:
        v = 0xFFFFFFFF if value is None else value
        b = v.to_bytes(4, "big")
        out += bytes((b[1], b[0], b[3], b[2]))
    return out


def decode_stamp(raw: bytes, tz: tzinfo, with_seconds: bool = True) -> datetime | None:
    """BCD [ss] mm hh DD MM YY → UTC; None for an empty (zero or FF) stamp."""
    if all(b == 0 for b in raw) or all(b == 0xFF for b in raw):
        return None
    try:
        if with_seconds:
            second, minute, hour, day, month, year = (bcd(b) for b in raw[:6])
        else:
            second = 0
            hour, minute, day, month, year = (bcd(b) for b in raw[:5])
        local = datetime(2000 + year, month, day, hour, minute, second)
    except ValueError:
        return None
    return local.replace(tzinfo=tz).astimezone(timezone.utc)


class ProfileRecord:
    """One 15-byte power profile record."""

    def __init__(self, raw: bytes, tz: tzinfo) -> None:
        self.status = raw[0]
        self.end = decode_stamp(raw[1:6], tz, with_seconds=False)
        self.period = raw[6]
        self.raw_values: list[int | None] = []
        for i in range(4):
            value = int.from_bytes(raw[7 + 2 * i : 9 + 2 * i], "little")
            self.raw_values.append(None if value == 0xFFFF else value)

    @property
    def valid(self) -> bool:
        return self.end is not None and self.period in (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60)


class Mercury230Driver(MeterDriver):
    protocol = "mercury230"

    def __init__(
        self,
        transport: Transport,
        serial: str,
        address: str,
        password: str | None = None,
        timeout: float = 2.0,
        meter_tz: tzinfo | None = None,
        access_level: int = 1,
        password_ascii: bool = False,
    ) -> None:
        super().__init__(transport, serial, address, password, timeout, meter_tz)
        try:
            self.bus_address = int(address)
        except ValueError:
            raise ValueError(f"адрес Меркурий 230 — число 0..247, а не {address!r}") from None
        if not 0 <= self.bus_address <= 247:
            raise ValueError(f"адрес Меркурий 230 — число 0..247, а не {address!r}")
        self.access_level = access_level
        self.password_ascii = password_ascii
        self._open = False
        self._constant: int | None = None

    # Transport ---------------------------------------------------------------------------

    def _transact(self, payload: bytes, data_len: int) -> bytes:
        """Sends a request; returns the reply data (without address and CRC). `data_len`
        is the expected data length; 1 means a status-only reply."""
        self.transport.discard_input()
        self.transport.write(frame(self.bus_address, payload))
        head = self.transport.read_exact(4, self.timeout)
        if data_len == 1 or (check_frame(head) and head[1] in STATUS_TEXT):
            raw = head
        else:
            raw = head + self.transport.read_exact(data_len + 3 - 4, self.timeout)
        if not check_frame(raw):
            raise ProtocolError("Меркурий 230: неверная контрольная сумма CRC — помеха на линии")
        if raw[0] != self.bus_address:
            raise ProtocolError(f"Меркурий 230: ответил адрес {raw[0]} вместо {self.bus_address}")
        data = raw[1:-2]
        if (len(data) == 1 and data_len != 1) or (data_len == 1 and data[0] != 0):
            code = data[0]
            if code in (0x03, 0x05):
                self._open = False
                raise AccessDenied(f"Меркурий 230: {STATUS_TEXT[code]}")
            raise StatusError(code)
        if len(data) != data_len:
            raise ProtocolError(f"Меркурий 230: ответ {len(data)} байт вместо {data_len}")
        return data

    def _session(self) -> None:
        if self._open:
            return
        password = password_bytes(self.password or "111111", self.password_ascii)
        try:
            self._transact(bytes((0x01, self.access_level)) + password, 1)
        except AccessDenied as exc:
            raise AccessDenied(f"Меркурий 230 не открыл канал: неверный пароль или уровень доступа ({exc})") from exc
        except StatusError as exc:
            raise AccessDenied(f"Меркурий 230 не открыл канал: {exc}") from exc
        self._open = True

    def _run(self, payload: bytes, data_len: int) -> bytes:
        self._session()
        try:
            return self._transact(payload, data_len)
        except ProtocolError:
            self._open = False  # re-open the channel on the next request
            raise

    def close(self) -> None:
        if not self._open:
            return
        self._open = False
        try:
            self._transact(b"\x02", 1)
        except ProtocolError:
            pass

    # Reads -------------------------------------------------------------------------------

    def read_registers(self) -> RegisterReading:
        data = self._run(b"\x05\x00\x00", 16)
        values = {ch: round(v / 1000.0, 3) for ch, v in zip(CHANNELS, decode_energy(data)) if v is not None}
        if "A+" not in values:
            raise ProtocolError("Меркурий 230: нет показания A+")
        return RegisterReading(self.serial, datetime.now(timezone.utc), values)

    def read_clock(self) -> ClockReading:
        data = self._run(b"\x04\x00", 8)
        agent_time = datetime.now(timezone.utc)
        meter_time = decode_stamp(data[0:3] + data[4:7], self.meter_tz)
        if meter_time is None:
            raise ProtocolError(f"Меркурий 230: неверное время {data.hex()}")
        return ClockReading(self.serial, meter_time, agent_time)

    def read_relay(self) -> RelayState:
        raise NotSupported("реле нагрузки: не поддерживается счётчиком Меркурий 230")

    def read_day_snapshots(self, days: Sequence[date]) -> list[DaySnapshot]:
        """Today's and yesterday's day-start registers (the meter keeps the energy of the
        current and the previous day); other days are not available."""
        clock = self.read_clock().meter_time.astimezone(self.meter_tz)
        if clock.hour == 23 and clock.minute == 59 and clock.second >= 50:
            return []  # the day may turn between the reads: the next poll takes it
        total = decode_energy(self._run(b"\x05\x00\x00", 16))
        try:
            today = decode_energy(self._run(b"\x05\x40\x00", 16))
            previous = decode_energy(self._run(b"\x05\x50\x00", 16))
        except StatusError as exc:
            if exc.code == 0x01:
                raise NotSupported("показания на начало суток: счётчик не хранит энергию за сутки") from exc
            raise
        starts = {}
        start_today = _subtract(total, today)
        starts[clock.date()] = start_today
        starts[clock.date() - timedelta(days=1)] = _subtract(start_today, previous)
        snapshots = []
        for day in days:
            values = {ch: round(v / 1000.0, 3) for ch, v in zip(CHANNELS, starts.get(day) or []) if v is not None}
            if "A+" in values:
                snapshots.append(DaySnapshot(self.serial, day, day_start(day, self.meter_tz), values))
        return snapshots

    def meter_constant(self) -> int:
        if self._constant is None:
            data = self._run(b"\x08\x12", 6)
            code = data[1] & 0x0F
            if code not in METER_CONSTANTS:
                raise ProtocolError(f"Меркурий 230: неизвестный код постоянной счётчика {code}")
            self._constant = METER_CONSTANTS[code]
        return self._constant

    def read_profile(self, since: datetime, until: datetime) -> list[Interval]:
        if since.tzinfo is None or until.tzinfo is None or until <= since:
            raise ValueError("период профиля: нужны время UTC и конец позже начала")
        constant = self.meter_constant()
        last = self._run(b"\x08\x13", 9)
        address = int.from_bytes(last[0:2], "big")
        period = last[8] or 30
        found: dict[datetime, Interval] = {}
        previous_end: datetime | None = None
        for _ in range(PROFILE_RECORDS):
            raw = self._run(bytes((0x06, PROFILE_MEMORY, address >> 8, address & 0xFF, RECORD_BYTES)), RECORD_BYTES)
            record = ProfileRecord(raw, self.meter_tz)
            if not record.valid or record.end is None or (previous_end is not None and record.end >= previous_end):
                break  # unwritten memory, or the ring wrapped into older data
            previous_end = record.end
            period = record.period
            start = record.end - timedelta(minutes=record.period)
            if start < since:
                break
            if start < until:
                values = {
                    ch: round(v / (2.0 * constant), 6) for ch, v in zip(CHANNELS, record.raw_values) if v is not None
                }
                status = "missing" if not values else ("estimated" if record.status & STATUS_PARTIAL else "ok")
                found[start] = Interval(self.serial, start, record.period, values, status)
            address = (address - RECORD_SIZE) & 0xFFFF
        return _fill_gaps(self.serial, found, since, until, period)

    def read_events(self, since: datetime) -> list[MeterEvent]:
        events = {}
        for journal, (name, kinds) in JOURNALS.items():
            for index in range(JOURNAL_RECORDS):
                try:
                    data = self._run(bytes((0x04, journal, index)), 12)
                except StatusError as exc:
                    if exc.code == 0x01:
                        break  # this version does not keep that journal
                    raise
                for part, (text, severity) in enumerate(kinds):
                    at = decode_stamp(data[6 * part : 6 * part + 6], self.meter_tz)
                    if at is None or at < since:
                        continue
                    code = f"{journal:02X}.{part + 1}"
                    events[(at, code)] = MeterEvent(self.serial, at, name, code, severity, text)
        return [events[key] for key in sorted(events)]


def _subtract(a: list[int | None], b: list[int | None]) -> list[int | None]:
    return [None if x is None or y is None else x - y for x, y in zip(a, b)]


def _fill_gaps(
    meter: str, found: dict[datetime, Interval], since: datetime, until: datetime, minutes: int
) -> list[Interval]:
    step = timedelta(minutes=minutes)
    epoch = datetime(1970, 1, 1, tzinfo=timezone.utc)
    seconds = int(step.total_seconds())
    slot = epoch + timedelta(seconds=-(-int((since - epoch).total_seconds()) // seconds) * seconds)
    result = dict(found)
    while slot < until:
        result.setdefault(slot, Interval(meter, slot, minutes, {}, "missing"))
        slot += step
    return [result[key] for key in sorted(result)]
