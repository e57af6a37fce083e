"""Energomera CE102M, CE301, CE303: the vendor's dialect of IEC 62056-21 (ГОСТ IEC 61107).

The framing is mode C's (iec62056_21.py) with one difference that makes a standard driver
reject every block: the block check is the 7-bit arithmetic sum of the bytes after SOH/STX
through ETX (`bcc_sum7`), not their XOR. The break `SOH B0 ETX` is `01 42 30 03 75`.

Session (7E1; the RS-485 interface of these meters signs on at its configured speed, 9600
by default, not at 300 baud; with `baud` 300 — an optical head — the driver signs on at 300
and switches to the speed the meter offers):
    agent: /?<address>!CR LF             meter: /EKT5CE301v12 CR LF   (EKT = Energomera)
    agent: ACK 0 5 1 CR LF               meter: SOH P0 STX (<address>) ETX BCC
    agent: SOH P1 STX (<password>) ETX BCC → meter: ACK (NAK: wrong password)
    agent: SOH R1 STX <NAME>(<arg>) ETX BCC → meter: STX <NAME>(v)… CR LF … ETX BCC
    agent: SOH B0 ETX BCC  (close)
A session stays open for every read of one poll (the meter drops it after about 1.5–3 s of
silence; a longer pause reopens it). Values come one per line (CE301/303: `ET0PE(v)` × 6) or
all on one line (CE102M: `ET0PE(v)(v)…`); both are read in order. An answer whose first
value starts with ERR means the meter does not keep that name (or not for that date).

Data names (energy in kWh/kvarh; the first value is the total, then tariffs T1…T5):
    ET0PE ET0PI ET0QE ET0QI   registers A+ A- R+ R- (CE102M: ET0PE only)
    ENDPE(dd.mm.yy) …         registers at the END of that day: the start of the next day
    ENMPE(mm.yy) …            registers at the end of that month (not uploaded)
    DATE_()  → (w.dd.mm.yy) or (ww.dd.mm.yy), w = weekday;  TIME_() → (hh:mm:ss)
    GRAPE(dd.mm.yy) GRAPI GRAQE GRAQI   the day's load profile (CE301/CE303 with a profile):
                              average power per interval from 00:00, `()` for an interval
                              without a record
Not read: event journals and the relay (the models have no relay; journal access differs
by firmware) — `read_events`/`read_relay` raise NotSupported, the poller skips them.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from datetime import date, datetime, timedelta, timezone, tzinfo

from ..records import ClockReading, DaySnapshot, Interval, MeterEvent, RegisterReading, RelayState, day_start
from .base import NotSupported, ProtocolError, Transport
from .crc import bcc_sum7
from .iec62056_21 import Iec62056Driver, _fill_gaps, command

# channel → letters after the prefix: ET0PE is A+ (P active, E "прямое"), I = "обратное".
CHANNEL_SUFFIX = {"A+": "PE", "A-": "PI", "R+": "QE", "R-": "QI"}
# The meter ends a programming session after about 1.5 s of silence (3 s on some firmware):
# after a pause longer than this the next read signs on again instead of timing out.
SESSION_IDLE_S = 1.2
_VALUE = re.compile(r"\(([^()]*)\)")


class NoData(NotSupported):
    """The meter answered ERRnn: it does not keep that name, or not for that date."""


def request(name: str, argument: str = "") -> bytes:
    """SOH R1 STX NAME(arg) ETX BCC with the 7-bit sum."""
    return command(b"R1", f"{name}({argument})".encode("ascii"), bcc_sum7)


def parse_values(text: str, name: str) -> list[str]:
    """Every bracketed value of `name` in answer order; raises NoData for an ERR answer."""
    values: list[str] = []
    for raw in text.replace("\r", "").split("\n"):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("(") or line.startswith(name + "(") or ("(" in line and "ERR" in line.upper()):
            values += _VALUE.findall(line)
    if values and values[0].strip().upper().startswith("ERR"):
        raise NoData(f"{name}: счётчик ответил {values[0].strip()}")
    if not values:
        raise ProtocolError(f"{name}: в ответе счётчика нет значений")
    return values


def parse_energy(values: list[str], name: str) -> list[float]:
    """Total and tariff values in kWh (kvarh)."""
    try:
        return [float(v.split("*")[0]) for v in values]
    except ValueError:
        raise ProtocolError(f"{name}: не число в ответе счётчика: {values!r}") from None


def parse_date(value: str) -> date:
    """'03.13.07.24' or '3.13.07.24' (weekday first) or '13.07.24' → date."""
    parts = value.strip().split(".")
    try:
        day, month, year = (int(p) for p in parts[-3:])
        return date(2000 + year, month, day)
    except ValueError:
        raise ProtocolError(f"DATE_: неверная дата {value!r}") from None


def parse_time(value: str) -> tuple[int, int, int]:
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2}):(\d{2})\s*", value)
    if not match:
        raise ProtocolError(f"TIME_: неверное время {value!r}")
    hour, minute, second = (int(g) for g in match.groups())
    if hour > 23 or minute > 59 or second > 59:
        raise ProtocolError(f"TIME_: неверное время {value!r}")
    return hour, minute, second


class EnergomeraDriver(Iec62056Driver):
    protocol = "energomera"
    block_check = staticmethod(bcc_sum7)

    def __init__(
        self,
        transport: Transport,
        serial: str,
        address: str,
        password: str | None = None,
        timeout: float = 2.0,
        meter_tz: tzinfo | None = None,
        baud: int = 9600,
        profile_minutes: int = 30,
    ) -> None:
        # baud 300 is an optical head: sign on at 300 and switch to the speed the meter offers,
        # as standard mode C does. Otherwise the RS-485 line stays at its configured speed.
        super().__init__(
            transport,
            serial,
            address,
            password,
            timeout,
            meter_tz,
            max_baud=19200 if baud == 300 else baud,
            profile_minutes=profile_minutes,
        )
        self.start_baud = baud
        self.model = ""
        self._last_io = 0.0

    # Session -----------------------------------------------------------------------------

    def _session(self) -> None:
        if self._in_programming and time.monotonic() - self._last_io > SESSION_IDLE_S:
            self._break()  # the meter has closed it on its side by now
        if not self._in_programming:
            ident = self._start(programming=True)
            # "/EKT5CE301v12" → ident "CE301v12" → model "CE301"
            self.model = re.split(r"[vV]\d", ident.ident, maxsplit=1)[0]
            self._login()
            self._last_io = time.monotonic()

    def query(self, name: str, argument: str = "") -> list[str]:
        self._session()
        try:
            self.transport.write(request(name, argument))
            text = self._read_response()
        except ProtocolError:
            self._break()  # state unknown: the next read starts afresh
            raise
        finally:
            self._last_io = time.monotonic()
        return parse_values(text, name)

    def _channels(self) -> tuple[str, ...]:
        # CE102M (single-phase, active import only) has no A-/R± names; asking costs an ERR each.
        self._session()  # the model comes from the identification
        return ("A+",) if self.model.upper().startswith("CE102") else tuple(CHANNEL_SUFFIX)

    def _energies(self, prefix: str, argument: str = "") -> dict[str, float]:
        """Totals per channel; a channel the model lacks is left out, A+ is required."""
        values: dict[str, float] = {}
        for channel in self._channels():
            name = prefix + CHANNEL_SUFFIX[channel]
            try:
                values[channel] = round(parse_energy(self.query(name, argument), name)[0], 6)
            except NoData:
                if channel == "A+":
                    raise
        return values

    # Reads -------------------------------------------------------------------------------

    def read_tariffs(self) -> list[float]:
        """A+ total and tariffs T1…T5, as the meter's display shows them."""
        return parse_energy(self.query("ET0PE"), "ET0PE")

    def read_registers(self) -> RegisterReading:
        started = datetime.now(timezone.utc)
        return RegisterReading(self.serial, started, self._energies("ET0"))

    def read_clock(self) -> ClockReading:
        day = parse_date(self.query("DATE_")[0])
        hour, minute, second = parse_time(self.query("TIME_")[0])
        agent_time = datetime.now(timezone.utc)
        if hour == 0 and minute == 0 and second < 10:
            day = parse_date(self.query("DATE_")[0])  # the date may have turned in between
        local = datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=self.meter_tz)
        return ClockReading(self.serial, local.astimezone(timezone.utc), agent_time)

    def read_day_snapshots(self, days: Sequence[date]) -> list[DaySnapshot]:
        snapshots: list[DaySnapshot] = []
        for day in days:
            previous = day - timedelta(days=1)
            try:
                values = self._energies("END", previous.strftime("%d.%m.%y"))
            except NoData:
                continue  # not stored (too old, or the day is not over)
            snapshots.append(DaySnapshot(self.serial, day, day_start(day, self.meter_tz), values))
        return snapshots

    def read_profile(self, since: datetime, until: datetime) -> list[Interval]:
        if since.tzinfo is None or until.tzinfo is None or until <= since:
            raise ValueError("период профиля: нужны время UTC и конец позже начала")
        step = timedelta(minutes=self.profile_minutes)
        found: dict[datetime, Interval] = {}
        day = since.astimezone(self.meter_tz).date()
        last = (until - timedelta(seconds=1)).astimezone(self.meter_tz).date()
        while day <= last:
            start_of_day = day_start(day, self.meter_tz)
            columns: dict[str, list[str]] = {}
            for channel in self._channels():
                name = "GRA" + CHANNEL_SUFFIX[channel]
                try:
                    columns[channel] = self.query(name, day.strftime("%d.%m.%y"))
                except NoData as exc:
                    if channel == "A+":
                        raise NotSupported(
                            f"профиль мощности: счётчик {self.model or ''} не хранит его ({exc})"
                        ) from exc
            for index in range(max(len(v) for v in columns.values())):
                start = start_of_day + index * step
                if not since <= start < until:
                    continue
                values: dict[str, float] = {}
                for channel, column in columns.items():
                    if index < len(column) and column[index].strip():
                        power = parse_energy([column[index]], "GRA" + CHANNEL_SUFFIX[channel])[0]
                        values[channel] = round(power * self.profile_minutes / 60.0, 6)
                found[start] = Interval(self.serial, start, self.profile_minutes, values, "ok" if values else "missing")
            day += timedelta(days=1)
        return _fill_gaps(self.serial, [found[k] for k in sorted(found)], since, until, self.profile_minutes)

    def read_events(self, since: datetime) -> list[MeterEvent]:
        raise NotSupported("журнал событий: драйвер Энергомеры его не читает")

    def read_relay(self) -> RelayState:
        raise NotSupported("реле нагрузки: у счётчиков Энергомера CE102M/CE301/CE303 его нет")
