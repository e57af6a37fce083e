"""Energomera CE102M / CE301 / CE303 meter side: the IEC 62056-21 session of iec_server.py with
the 7-bit sum block check, sign-on at the bus speed and the vendor's data names (R1 NAME(arg)).

CE301/CE303 answer one value per line (`ET0PE(v)` six times), CE102M all on one line; only
CE301/CE303 keep the load profile (GRAxx) and A-, R± names; unknown names, dates not kept and
future days answer `(ERR12)`.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from ..protocols.crc import bcc_sum7
from .bus import Bus, SimMeter
from .iec_server import IecServer
from .model import STEP

CHANNELS = {"PE": "A+", "PI": "A-", "QE": "R+", "QI": "R-"}
SNAPSHOT_DAYS = 44  # day-end registers kept
PROFILE_DAYS = 60
_REQUEST = re.compile(r"^([A-Z0-9_]{5})\((.*)\)$")
ERROR = b"(ERR12)\r\n"


class EnergomeraServer(IecServer):
    check = staticmethod(bcc_sum7)

    def __init__(self, bus: Bus, meters: list[SimMeter]) -> None:
        self.line_speed = bus.baud  # the RS-485 interface's configured speed
        super().__init__(bus, meters)

    def sign_on_baud(self) -> int:
        return self.line_speed

    def _identification(self, meter: SimMeter) -> bytes:
        return f"/EKT{meter.max_baud_char}{meter.meter_type}v12\r\n".encode("ascii")

    def _data(self, cmd: bytes, request: str) -> bytes:
        assert self.meter is not None
        match = _REQUEST.match(request)
        if cmd != b"R1" or not match:
            return ERROR
        name, argument = match.groups()
        meter = self.meter
        single_phase = meter.meter_type.upper().startswith("CE102")
        suffix = name[3:]
        if suffix in CHANNELS and (not single_phase or suffix == "PE"):
            channel = CHANNELS[suffix]
            if name.startswith("ET0") and not argument:
                return self._values(name, _tariffs(meter.model.registers_at(meter.now())[channel]))
            if name.startswith("END"):
                day = _date(argument)
                end = datetime.combine(day + timedelta(days=1), datetime.min.time(), meter.tz) if day else None
                if end is None or end > meter.now() or end < meter.now() - timedelta(days=SNAPSHOT_DAYS):
                    return ERROR
                return self._values(name, _tariffs(meter.model.registers_at(end)[channel]))
            if name.startswith("GRA") and not single_phase:
                return self._profile(name, channel, _date(argument))
        local = meter.now().astimezone(meter.tz)
        if name == "DATE_":
            return f"DATE_({local.isoweekday() % 7:02d}.{local:%d.%m.%y})\r\n".encode("ascii")
        if name == "TIME_":
            return f"TIME_({local:%H:%M:%S})\r\n".encode("ascii")
        return ERROR

    def _values(self, name: str, values: list[str]) -> bytes:
        assert self.meter is not None
        if self.meter.meter_type.upper().startswith("CE102"):
            return (name + "".join(f"({v})" for v in values) + "\r\n").encode("ascii")
        return "".join(f"{name}({v})\r\n" for v in values).encode("ascii")

    def _profile(self, name: str, channel: str, day: date | None) -> bytes:
        """Average power (kW) of every closed 30-minute interval of the local day; `()` where
        the meter was off for the whole interval."""
        assert self.meter is not None
        meter = self.meter
        if day is None:
            return ERROR
        start = datetime.combine(day, datetime.min.time(), meter.tz)
        now = meter.now()
        if start > now or start < now - timedelta(days=PROFILE_DAYS):
            return ERROR
        values: list[str] = []
        slot = start
        while slot + STEP <= now and slot < start + timedelta(days=1):
            interval = meter.model.interval_at(slot.astimezone(now.tzinfo))
            values.append("" if interval is None else f"{interval.energy[channel] * 2 / 1000:.4f}")
            slot += STEP
        return "".join(f"{name}({v})\r\n" for v in values).encode("ascii")


def _tariffs(total_wh: int) -> list[str]:
    """Total and T1…T5 in kWh: 70 % day tariff, the rest night, T3–T5 unused."""
    day_wh = total_wh * 7 // 10
    parts: dict[int, int] = {0: total_wh, 1: day_wh, 2: total_wh - day_wh, 3: 0, 4: 0, 5: 0}
    return [f"{parts[i] / 1000:.7f}" for i in range(6)]


def _date(text: str) -> date | None:
    try:
        return datetime.strptime(text, "%d.%m.%y").date()
    except ValueError:
        return None
