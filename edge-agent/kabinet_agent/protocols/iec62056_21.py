"""IEC 62056-21 mode C driver: data readout, the P.01 load profile and the P.98 logbook.

Session (7E1, 300 baud to start):
    agent: /?<address>!CR LF                meter: /XXXZ<ident>CR LF
    agent: ACK 0 Z Y CR LF  (Y=0 readout, Y=1 programming mode), then both switch to
           the baud rate of the Z character ('0'..'6' → 300..19200)
    readout:     meter: STX <data lines> ! CR LF ETX BCC      (session ends by itself)
    programming: meter: SOH P0 STX (<seed>) ETX BCC
                 agent: SOH P1 STX (<password>) ETX BCC  → meter: ACK, or NAK if wrong
                 agent: SOH R5 STX P.01(<from>;<to>) ETX BCC
                 meter: STX <P.01 lines> ETX BCC (or partial blocks ending EOT, each
                        acknowledged with ACK)
                 agent: SOH B0 ETX BCC (break)
BCC is the XOR of every byte after the first SOH/STX up to and including ETX/EOT.

P.01 response ("common format"):
    P.01(ZYYMMDDhhmm)(SSSSSSSS)(rp)(z)(K1)(E1)...(Kz)(Ez)
    (v1)...(vz)            one line per interval, consecutive, rp minutes apart
A new header line starts after any gap or status change. Z is the season flag, the time
is the END of the first interval of the block (the VDEW convention), values are average
power per interval in the unit Ei (kW/kvar, or W/var) and become energy as
value × rp / 60. Channel identifiers Ki are OBIS codes (1.5.0 or 1.5, 2.5, 3.5, 4.5 …);
their C group selects A+, A-, R+, R-.

Status word (hex) → Interval.status, following the VDEW status bits:
    0x04 "данные недостоверны"                                    → "missing" (values dropped)
    0x80 power down, 0x40 power up, 0x20 clock set, 0x02 clock invalid, 0x01 critical
    error within the interval                                      → "estimated"
    0x08 DST flag, other bits                                     → informational, "ok"
Slots of the requested period the meter did not return come back as "missing".

Event journal: `R5 P.98(<from>;<to>)` in programming mode, the VDEW logbook. Every line is
    P.98(ZYYMMDDhhmmss)(SSSSSSSS)()(0)[...]
and each set bit of the status word is one event (P98_EVENTS; unknown bits keep their code
with a generic text). A meter without a logbook answers P.98(ERROR) → NotSupported.
Relay: a readout line 96.3.10 (0-0:96.3.10, the disconnect control output state, 1 = on)
where the model reports it; otherwise NotSupported.

The block check is a parameter (`block_check`): the Energomera dialect (energomera.py)
uses the same framing with a 7-bit arithmetic sum.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any, Callable

from ..records import ClockReading, Interval, MeterEvent, RegisterReading, RelayState
from .base import AccessDenied, MeterDriver, NotSupported, ProtocolError, Transport
from .crc import bcc_xor
from .obis import parse_obis

BlockCheck = Callable[[bytes], int]

SOH, STX, ETX, EOT, ACK, NAK = 0x01, 0x02, 0x03, 0x04, 0x06, 0x15
BAUD_RATES = {"0": 300, "1": 600, "2": 1200, "3": 2400, "4": 4800, "5": 9600, "6": 19200}
START_BAUD = 300
MAX_BLOCK = 64 * 1024

# OBIS C group → channel. Readout lines use D=8 (registers); P.01 uses D=5 (demand).
_CHANNEL_BY_C = {"1": "A+", "2": "A-", "3": "R+", "4": "R-"}
_STATUS_MISSING = 0x04
_STATUS_ESTIMATED = 0x80 | 0x40 | 0x20 | 0x02 | 0x01
_UNIT_SCALE = {"kwh": 1.0, "wh": 0.001, "kvarh": 1.0, "varh": 0.001, "kw": 1.0, "w": 0.001, "kvar": 1.0, "var": 0.001}


# --- framing -----------------------------------------------------------------------------


def sign_on(address: str) -> bytes:
    return b"/?" + address.encode("ascii") + b"!\r\n"


@dataclass(frozen=True)
class Identification:
    manufacturer: str
    baud_char: str
    baudrate: int
    ident: str


def parse_identification(line: bytes) -> Identification:
    text = line.decode("ascii", "replace").strip("\r\n")
    if len(text) < 5 or not text.startswith("/"):
        raise ProtocolError(f"неверная строка идентификации счётчика: {text!r}")
    baud_char = text[4]
    if baud_char not in BAUD_RATES:
        raise ProtocolError(f"счётчик не поддерживает режим C (символ скорости {baud_char!r})")
    return Identification(text[1:4], baud_char, BAUD_RATES[baud_char], text[5:])


def ack_option(baud_char: str, programming: bool) -> bytes:
    return bytes((ACK,)) + b"0" + baud_char.encode("ascii") + (b"1" if programming else b"0") + b"\r\n"


def command(cmd: bytes, data: bytes | None = None, check: BlockCheck = bcc_xor) -> bytes:
    """SOH C D [STX data] ETX BCC — e.g. command(b"R5", b"P.01(...)"), command(b"B0")."""
    body = cmd + (bytes((STX,)) + data if data is not None else b"") + bytes((ETX,))
    return bytes((SOH,)) + body + bytes((check(body),))


def data_block(payload: bytes, final: bool = True, check: BlockCheck = bcc_xor) -> bytes:
    """STX payload ETX|EOT BCC (meter side; also used by the simulator)."""
    tail = payload + bytes((ETX if final else EOT,))
    return bytes((STX,)) + tail + bytes((check(tail),))


BREAK = command(b"B0")


def read_block(
    transport: Transport, timeout: float, opener: int = STX, check: BlockCheck = bcc_xor
) -> tuple[bytes, bool]:
    """Reads STX|SOH ... ETX|EOT BCC; returns (content between opener and end, is_final)."""
    first = transport.read_exact(1, timeout)
    if first[0] == NAK:
        raise ProtocolError("счётчик ответил NAK (запрос не принят)")
    if first[0] != opener:
        raise ProtocolError(f"ожидалось начало блока 0x{opener:02X}, пришло 0x{first[0]:02X}")
    body = b""
    while True:
        byte = transport.read_exact(1, timeout)
        body += byte
        if byte[0] in (ETX, EOT):
            break
        if len(body) > MAX_BLOCK:
            raise ProtocolError("блок данных счётчика слишком длинный")
    bcc = transport.read_exact(1, timeout)[0]
    if check(body) != bcc:
        raise ProtocolError("неверная контрольная сумма блока (BCC) — помеха на линии")
    return body[:-1], body[-1] == ETX


# --- data parsing ------------------------------------------------------------------------

_LINE = re.compile(r"^([0-9A-Za-z.:*\-]+)((?:\([^()]*\))+)$")


def parse_data_lines(text: str) -> dict[str, list[str]]:
    """'1.8.0(012345.678*kWh)' → {'1.8.0': ['012345.678*kWh']} (address normalised:
    a '1-0:' medium prefix and a '*NN' billing-period suffix are dropped)."""
    result: dict[str, list[str]] = {}
    for raw in text.replace("\r", "").split("\n"):
        line = raw.strip()
        if not line or line == "!":
            continue
        match = _LINE.match(line)
        if not match:
            continue
        address = _normal_address(match.group(1))
        result.setdefault(address, re.findall(r"\(([^()]*)\)", match.group(2)))
    return result


def _normal_address(text: str) -> str:
    try:
        return parse_obis(text).cde
    except ValueError:
        return text.split(":")[-1].split("*")[0]


def parse_quantity(value: str) -> tuple[float, str]:
    number, _, unit = value.partition("*")
    try:
        return float(number), unit.strip()
    except ValueError as exc:
        raise ProtocolError(f"не число в ответе счётчика: {value!r}") from exc


def _scale(unit: str, what: str) -> float:
    if unit.lower() not in _UNIT_SCALE:
        raise ProtocolError(f"{what}: неизвестная единица {unit!r}")
    return _UNIT_SCALE[unit.lower()]


def _channel(obis: str) -> str | None:
    groups = obis.split(":")[-1].split(".")
    return _CHANNEL_BY_C.get(groups[0]) if groups else None


def parse_registers(data: dict[str, list[str]]) -> dict[str, float]:
    values: dict[str, float] = {}
    for address, items in data.items():
        groups = address.split(".")
        if len(groups) != 3 or groups[1] != "8" or groups[2] != "0" or not items:
            continue  # only totals (x.8.0); tariff registers x.8.1.. are not uploaded
        channel = _CHANNEL_BY_C.get(groups[0])
        if channel is None:
            continue
        number, unit = parse_quantity(items[0])
        values[channel] = round(number * (_scale(unit, address) if unit else 1.0), 6)
    return values


def parse_clock(data: dict[str, list[str]], tz: tzinfo) -> datetime:
    """0.9.1 (time hh:mm:ss) and 0.9.2 (date [c]yymmdd or yy-mm-dd) → UTC."""
    if "0.9.1" not in data or "0.9.2" not in data:
        raise ProtocolError("в данных счётчика нет времени и даты (0.9.1, 0.9.2)")
    clock = re.sub(r"\D", "", data["0.9.1"][0])
    date = re.sub(r"\D", "", data["0.9.2"][0])[-6:]
    if len(clock) < 6 or len(date) != 6:
        raise ProtocolError(f"неверный формат времени счётчика: {data['0.9.1']} {data['0.9.2']}")
    try:
        local = datetime(
            2000 + int(date[0:2]), int(date[2:4]), int(date[4:6]), int(clock[0:2]), int(clock[2:4]), int(clock[4:6])
        )
    except ValueError as exc:
        raise ProtocolError(f"недопустимая дата счётчика: {exc}") from exc
    return local.replace(tzinfo=tz).astimezone(timezone.utc)


def format_p01_time(moment: datetime, tz: tzinfo) -> str:
    return moment.astimezone(tz).strftime("%y%m%d%H%M")


def parse_profile(text: str, meter: str, tz: tzinfo) -> list[Interval]:
    """All intervals of a P.01 response, in the order given."""
    intervals: list[Interval] = []
    header: dict[str, Any] | None = None
    for raw in text.replace("\r", "").split("\n"):
        line = raw.strip()
        if not line:
            continue
        fields = re.findall(r"\(([^()]*)\)", line)
        if line.startswith("P.01"):
            header = _parse_p01_header(fields, tz)
            continue
        if header is None or not line.startswith("("):
            if "ERROR" in line.upper():
                raise ProtocolError(f"счётчик вернул ошибку: {line}")
            continue
        if len(fields) != len(header["channels"]):
            raise ProtocolError(f"P.01: в строке {len(fields)} значений, ожидалось {len(header['channels'])}")
        end = header["next_end"]
        header["next_end"] = end + header["step"]
        status = header["status"]
        header["status"] = 0  # status belongs to the first interval of the block
        values: dict[str, float] = {}
        if not status & _STATUS_MISSING:
            for (channel, scale, minutes), value in zip(header["channels"], fields):
                if channel is None or value.strip() == "":
                    continue
                number, _ = parse_quantity(value)
                values[channel] = round(number * scale * minutes / 60.0, 6)
        state = "missing" if not values else ("estimated" if status & _STATUS_ESTIMATED else "ok")
        intervals.append(
            Interval(meter, end - header["step"], int(header["step"].total_seconds() // 60), values, state)
        )
    return intervals


def _parse_p01_header(fields: list[str], tz: tzinfo) -> dict[str, Any]:
    if len(fields) == 1 and "ERROR" in fields[0].upper():
        raise ProtocolError(f"счётчик вернул ошибку: P.01({fields[0]})")
    if len(fields) < 4:
        raise ProtocolError(f"P.01: неполный заголовок {fields!r}")
    stamp, status, period, count = fields[0], fields[1], fields[2], fields[3]
    digits = re.sub(r"\D", "", stamp)
    if len(digits) in (11, 13):  # leading season flag Z (0 normal, 1 summer, 2 UTC)
        digits = digits[1:]
    try:
        local = datetime.strptime(digits, "%y%m%d%H%M%S" if len(digits) == 12 else "%y%m%d%H%M")
        minutes, n = int(period), int(count)
        status_word = int(status or "0", 16)
    except ValueError as exc:
        raise ProtocolError(f"P.01: неверный заголовок {fields!r}") from exc
    if minutes <= 0 or len(fields) < 4 + 2 * n:
        raise ProtocolError(f"P.01: неверный заголовок {fields!r}")
    channels = []
    for i in range(n):
        code, unit = fields[4 + 2 * i], fields[5 + 2 * i]
        channels.append((_channel(code), _scale(unit, code), minutes))
    return {
        "next_end": local.replace(tzinfo=tz).astimezone(timezone.utc),
        "step": timedelta(minutes=minutes),
        "status": status_word,
        "channels": channels,
    }


# VDEW logbook status bits → (journal, severity, Russian text), the bits P.01 uses too.
P98_EVENTS: dict[int, tuple[str, str, str]] = {
    0x80: ("power", "warning", "Выключение питания счётчика"),
    0x40: ("power", "info", "Включение питания счётчика"),
    0x20: ("diagnostics", "info", "Часы счётчика переведены"),
    0x08: ("diagnostics", "info", "Переход на летнее/зимнее время"),
    0x02: ("diagnostics", "warning", "Часы счётчика недостоверны"),
    0x01: ("diagnostics", "critical", "Критическая ошибка счётчика"),
}


def parse_logbook(text: str, meter: str, tz: tzinfo) -> list[MeterEvent]:
    """Events of a P.98 answer: one per set status bit of every entry."""
    events: list[MeterEvent] = []
    for raw in text.replace("\r", "").split("\n"):
        line = raw.strip()
        if not line.startswith("P.98"):
            continue
        fields = re.findall(r"\(([^()]*)\)", line)
        if fields and "ERROR" in fields[0].upper():
            raise NotSupported("журнал событий P.98: счётчик его не ведёт")
        if len(fields) < 2:
            raise ProtocolError(f"P.98: неполная запись {line!r}")
        digits = re.sub(r"\D", "", fields[0])
        if len(digits) in (11, 13):
            digits = digits[1:]
        try:
            local = datetime.strptime(digits, "%y%m%d%H%M%S" if len(digits) == 12 else "%y%m%d%H%M")
            status = int(fields[1] or "0", 16)
        except ValueError as exc:
            raise ProtocolError(f"P.98: неверная запись {line!r}") from exc
        at = local.replace(tzinfo=tz).astimezone(timezone.utc)
        bit = 1
        while bit <= status:
            if status & bit:
                journal, severity, text_ru = P98_EVENTS.get(
                    bit, ("diagnostics", "info", f"Событие журнала P.98, статус 0x{bit:08X}")
                )
                events.append(MeterEvent(meter, at, journal, f"{bit:08X}", severity, text_ru))
            bit <<= 1
    return events


def parse_relay(data: dict[str, list[str]]) -> bool | None:
    """Disconnect control output state (96.3.10) from a readout; None when not reported."""
    items = data.get("96.3.10")
    if not items:
        return None
    value = items[0].split("*")[0].strip().lower()
    if value in ("1", "on", "01"):
        return True
    if value in ("0", "off", "00"):
        return False
    raise ProtocolError(f"состояние реле 96.3.10: непонятное значение {items[0]!r}")


# --- driver ------------------------------------------------------------------------------


class Iec62056Driver(MeterDriver):
    protocol = "iec62056-21"
    block_check: BlockCheck = staticmethod(bcc_xor)
    start_baud = START_BAUD

    def __init__(
        self,
        transport: Transport,
        serial: str,
        address: str,
        password: str | None = None,
        timeout: float = 2.0,
        meter_tz: tzinfo | None = None,
        max_baud: int = 19200,
        profile_minutes: int = 30,
    ) -> None:
        super().__init__(transport, serial, address, password, timeout, meter_tz)
        self.max_baud = max_baud
        # Used only to mark a period as missing when the meter returned no interval at all.
        self.profile_minutes = profile_minutes
        self._in_programming = False

    def _start(self, programming: bool) -> Identification:
        self.transport.set_baudrate(self.start_baud)
        self.transport.discard_input()
        self.transport.write(sign_on(self.address or ""))
        ident = parse_identification(self.transport.read_until(b"\n", 128, self.timeout))
        baud_char = ident.baud_char
        if ident.baudrate > self.max_baud:  # the adapter cannot go that fast: stay lower
            baud_char = max((c for c, b in BAUD_RATES.items() if b <= self.max_baud), key=int)
        self.transport.write(ack_option(baud_char, programming))
        # Both sides switch after the acknowledgement; Transport.write has drained the ACK.
        self.transport.set_baudrate(BAUD_RATES[baud_char])
        self._in_programming = programming
        return ident

    def _readout(self) -> tuple[dict[str, list[str]], datetime]:
        try:
            self._start(programming=False)
            started = datetime.now(timezone.utc)
            content, final = read_block(self.transport, self.timeout, check=self.block_check)
            if not final:
                raise ProtocolError("режим считывания: блок данных не завершён ETX")
            return parse_data_lines(content.decode("ascii", "replace")), started
        finally:
            # A readout ends the session on the meter's side: back to the sign-on speed.
            self._in_programming = False
            self.transport.set_baudrate(self.start_baud)

    def read_registers(self) -> RegisterReading:
        data, started = self._readout()
        values = parse_registers(data)
        if "A+" not in values:
            raise ProtocolError("в данных счётчика нет показания A+ (1.8.0)")
        return RegisterReading(self.serial, started, values)

    def read_clock(self) -> ClockReading:
        data, started = self._readout()
        # The meter stamps the readout when it starts sending; our clock at that moment
        # is the first byte's arrival, so transfer time does not count as drift.
        return ClockReading(self.serial, parse_clock(data, self.meter_tz), started)

    def read_profile(self, since: datetime, until: datetime) -> list[Interval]:
        if since.tzinfo is None or until.tzinfo is None or until <= since:
            raise ValueError("период профиля: нужны время UTC и конец позже начала")
        try:
            self._start(programming=True)
            self._login()
            # Header times are interval ends; ask up to the end of the last wanted interval.
            start = format_p01_time(since, self.meter_tz)
            end = format_p01_time(until + timedelta(hours=1), self.meter_tz)
            request = f"P.01({start};{end})"
            self.transport.write(command(b"R5", request.encode("ascii"), self.block_check))
            text = self._read_response()
        finally:
            self._break()
        intervals = [i for i in parse_profile(text, self.serial, self.meter_tz) if since <= i.start < until]
        return _fill_gaps(self.serial, intervals, since, until, self.profile_minutes)

    def read_events(self, since: datetime) -> list[MeterEvent]:
        if since.tzinfo is None:
            raise ValueError("since должен быть со временем UTC")
        until = datetime.now(timezone.utc) + timedelta(days=1)
        try:
            self._start(programming=True)
            self._login()
            request = f"P.98({format_p01_time(since, self.meter_tz)};{format_p01_time(until, self.meter_tz)})"
            self.transport.write(command(b"R5", request.encode("ascii"), self.block_check))
            text = self._read_response()
        finally:
            self._break()
        events = [e for e in parse_logbook(text, self.serial, self.meter_tz) if e.at >= since]
        return sorted(events, key=lambda e: (e.at, e.code))

    def read_relay(self) -> RelayState:
        data, started = self._readout()
        state = parse_relay(data)
        if state is None:
            raise NotSupported("реле нагрузки: счётчик не сообщает его состояние (нет 96.3.10)")
        return RelayState(self.serial, started, state)

    def close(self) -> None:
        try:
            self._break()
        except ProtocolError:
            pass

    # Programming-mode helpers ------------------------------------------------------------

    def _login(self) -> None:
        content, _ = read_block(self.transport, self.timeout, opener=SOH, check=self.block_check)
        if not content.startswith(b"P0"):
            raise ProtocolError(f"ожидался запрос пароля P0, пришло {content[:8]!r}")
        if self.password is None:
            return
        self.transport.write(command(b"P1", b"(" + self.password.encode("ascii") + b")", self.block_check))
        reply = self.transport.read_exact(1, self.timeout)
        if reply[0] == NAK:
            raise AccessDenied("счётчик отклонил пароль (режим программирования)")
        if reply[0] != ACK:
            raise ProtocolError(f"на пароль пришёл байт 0x{reply[0]:02X} вместо ACK")

    def _read_response(self) -> str:
        parts: list[bytes] = []
        while True:
            content, final = read_block(self.transport, self.timeout, check=self.block_check)
            parts.append(content)
            if final:
                return b"".join(parts).decode("ascii", "replace")
            self.transport.write(bytes((ACK,)))  # ask for the next partial block

    def _break(self) -> None:
        if self._in_programming:
            self._in_programming = False
            try:
                self.transport.write(command(b"B0", check=self.block_check))
            finally:
                self.transport.set_baudrate(self.start_baud)


def _fill_gaps(
    meter: str, intervals: list[Interval], since: datetime, until: datetime, default_minutes: int
) -> list[Interval]:
    """Marks every slot of [since, until) the meter did not return as "missing"; the grid
    is the one of the returned intervals (or the configured period if none came)."""
    minutes = intervals[0].minutes if intervals else default_minutes
    step = timedelta(minutes=minutes)
    by_start = {i.start: i for i in intervals}
    if intervals:
        slot = intervals[0].start
        while slot - step >= since:
            slot -= step
    else:
        epoch = datetime(1970, 1, 1, tzinfo=timezone.utc)
        seconds = int(step.total_seconds())
        slot = epoch + timedelta(seconds=-(-int((since - epoch).total_seconds()) // seconds) * seconds)
    while slot < until:
        by_start.setdefault(slot, Interval(meter, slot, minutes, {}, "missing"))
        slot += step
    return [by_start[k] for k in sorted(by_start)]
