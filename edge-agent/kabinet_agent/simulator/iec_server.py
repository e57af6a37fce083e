"""IEC 62056-21 mode C meter side: sign-on, readout, programming mode with P.01 and P.98.
The block check and the sign-on speed are parameters: energomera_server.py reuses it."""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta, timezone

from ..protocols.crc import bcc_xor
from ..protocols.iec62056_21 import ACK, BAUD_RATES, ETX, NAK, SOH, STX, data_block
from .bus import Bus, Server, SimMeter, find_meter
from .model import STEP

_SIGN_ON = re.compile(rb"/\?([0-9A-Za-z ]*)!\r\n")
_COMMAND = re.compile(rb"\x01([A-Z][0-9])(?:\x02(.*?))?\x03(.)", re.S)
SESSION_TIMEOUT = 3.0  # seconds of silence after which a meter drops the session
BLOCK_SIZE = 1024  # P.01 answers longer than this go as partial blocks
P01_STATUS_POWER_DOWN, P01_STATUS_POWER_UP = 0x80, 0x40


class IecServer(Server):
    check = staticmethod(bcc_xor)

    def __init__(self, bus: Bus, meters: list[SimMeter]) -> None:
        super().__init__(bus, meters)
        self.bus.bits_per_char = 10  # 7E1: start + 7 data + parity + stop
        self._reset()

    def sign_on_baud(self) -> int:
        return 300

    def _reset(self) -> None:
        self.state = "idle"
        self.meter: SimMeter | None = None
        self.buffer = b""
        self.baud = self.sign_on_baud()
        self.bus.baud = self.baud
        self.pending: list[bytes] = []
        self.last_activity = time.monotonic()

    def tick(self) -> None:
        if self.state != "idle" and time.monotonic() - self.last_activity > SESSION_TIMEOUT:
            self._reset()

    def feed(self, data: bytes) -> None:
        # A pty only tells the speed the agent has set now, not the one a byte was sent
        # at, so the speed is enforced where it matters: sign-on at 300 baud, and every
        # answer after the switch goes out only once the agent listens at the new speed.
        self.last_activity = time.monotonic()
        line = self.bus.line_baud()
        if self.state != "idle" and b"/?" in data and line in (self.sign_on_baud(), None):
            self._reset()  # the agent started over
        if self.state == "idle" and line not in (self.sign_on_baud(), None):
            return  # sign-on at the wrong speed is noise
        self.buffer += data
        if self.state == "idle":
            self._on_sign_on()
        elif self.state == "identified":
            self._on_option()
        else:
            self._on_command()

    def _answer(self, data: bytes) -> None:
        assert self.meter is not None
        if self.bus.wait_line_baud(self.baud):
            self.bus.answer(self.meter, data)

    # States ------------------------------------------------------------------------------

    def _on_sign_on(self) -> None:
        match = _SIGN_ON.search(self.buffer)
        if not match:
            self.buffer = self.buffer[-64:]
            return
        self.buffer = self.buffer[match.end() :]
        meter = find_meter(self.meters, match.group(1).decode("ascii").strip())
        if meter is None:
            return  # another device's address: stay silent
        self.meter = meter
        self.state = "identified"
        self.bus.answer(meter, self._identification(meter))

    def _identification(self, meter: SimMeter) -> bytes:
        return f"/KBN{meter.max_baud_char}SIM-{meter.serial}\r\n".encode("ascii")

    def _on_option(self) -> None:
        if len(self.buffer) < 6:
            return
        option, self.buffer = self.buffer[:6], self.buffer[6:]
        assert self.meter is not None
        if (
            option[0] != ACK
            or option[4:6] != b"\r\n"
            or chr(option[2]) not in BAUD_RATES
            or chr(option[2]) > self.meter.max_baud_char
        ):
            self._reset()
            return
        self.baud = BAUD_RATES[chr(option[2])]
        self.bus.baud = self.baud
        # The agent switches right after its ACK; a real meter just starts talking at the
        # new speed. If the agent never switches, it gets nothing it can read.
        if not self.bus.wait_line_baud(self.baud):
            self._reset()
            return
        if option[3:4] == b"0":
            self.bus.answer(self.meter, data_block(self._readout(), check=self.check))
            self._reset()
        else:
            self.state = "login" if self.meter.password else "programming"
            seed = f"({self.meter.serial[-8:]:0>8})".encode("ascii")
            body = b"P0" + bytes((STX,)) + seed + bytes((ETX,))
            self.bus.answer(self.meter, bytes((SOH,)) + body + bytes((self.check(body),)))

    def _on_command(self) -> None:
        assert self.meter is not None
        if self.pending and self.buffer[:1] in (bytes((ACK,)), bytes((NAK,))):
            if self.buffer[0] == ACK:
                self.pending.pop(0)
            self.buffer = self.buffer[1:]
            if self.pending:
                self._answer(self.pending[0])
            return
        match = _COMMAND.search(self.buffer)
        if not match:
            return
        self.buffer = self.buffer[match.end() :]
        body = match.group(0)[1:-1]
        if self.check(body) != match.group(3)[0]:
            self._answer(bytes((NAK,)))
            return
        cmd, data = match.group(1), match.group(2) or b""
        if cmd == b"B0":
            self._reset()
        elif self.state == "login":
            if cmd == b"P1" and data == b"(" + (self.meter.password or "").encode() + b")":
                self.state = "programming"
                self._answer(bytes((ACK,)))
            else:
                self._answer(bytes((NAK,)))  # wrong password
                self._reset()
        elif cmd == b"P1":
            self._answer(bytes((ACK,)))
        else:
            self._send_blocks(self._data(cmd, data.decode("ascii", "replace")))

    def _data(self, cmd: bytes, request: str) -> bytes:
        """The payload answering a read command in programming mode."""
        if cmd == b"R5" and request.startswith("P.01("):
            return self._p01(request)
        if cmd == b"R5" and request.startswith("P.98("):
            return self._p98(request)
        return b"(ERROR)"

    def _send_blocks(self, payload: bytes) -> None:
        assert self.meter is not None
        chunks = [payload[i : i + BLOCK_SIZE] for i in range(0, len(payload), BLOCK_SIZE)] or [b""]
        self.pending = [data_block(c, final=(i == len(chunks) - 1), check=self.check) for i, c in enumerate(chunks)]
        first = self.pending[0]
        if len(self.pending) == 1:
            self.pending = []
        self._answer(first)

    # Content -----------------------------------------------------------------------------

    def _readout(self) -> bytes:
        assert self.meter is not None
        meter = self.meter
        now = meter.now()
        local = now.astimezone(meter.tz)
        reg = meter.model.registers_at(now)
        lines = [
            f"0.0.0({meter.serial})",
            f"0.9.1({local:%H:%M:%S})",
            f"0.9.2({local:%y-%m-%d})",
            f"1.8.0({reg['A+'] / 1000:011.3f}*kWh)",
            f"2.8.0({reg['A-'] / 1000:011.3f}*kWh)",
            f"3.8.0({reg['R+'] / 1000:011.3f}*kvarh)",
            f"4.8.0({reg['R-'] / 1000:011.3f}*kvarh)",
            *([f"0-0:96.3.10({1 if meter.relay_connected else 0})"] if meter.reports_relay else []),
            "!",
        ]
        return ("\r\n".join(lines) + "\r\n").encode("ascii")

    def _p01(self, request: str) -> bytes:
        assert self.meter is not None
        meter = self.meter
        stamps = re.findall(r"\d{10}", request)
        if len(stamps) < 1:
            return b"P.01(ERROR)\r\n"
        first_end = _parse_local(stamps[0], meter)
        last_end = _parse_local(stamps[1], meter) if len(stamps) > 1 else meter.now()
        last_end = min(last_end, meter.now())
        # Header times are interval ends: an interval belongs when its end is in range.
        intervals = meter.model.intervals_between(first_end - STEP, last_end - STEP + timedelta(seconds=1))
        outages = {
            e.at: e.kind
            for e in meter.model.events_between(first_end - STEP * 2, last_end)
            if e.kind in ("power_off", "power_on")
        }
        lines: list[str] = []
        previous_end: datetime | None = None
        for interval in intervals:
            end = interval.start + STEP
            status = 0
            if interval.partial:
                kinds = {k for t, k in outages.items() if interval.start <= t < end}
                status = (P01_STATUS_POWER_DOWN if "power_off" in kinds else 0) | (
                    P01_STATUS_POWER_UP if "power_on" in kinds else 0
                )
            if previous_end != interval.start or status:
                local = end.astimezone(meter.tz)
                lines.append(f"P.01(0{local:%y%m%d%H%M})({status:08X})(30)(4)(1.5)(kW)(2.5)(kW)(3.5)(kvar)(4.5)(kvar)")
            e = interval.energy
            # Average power over 30 minutes: kW = Wh × 2 / 1000 (exact with 3 decimals).
            lines.append("".join(f"({e[ch] * 2 / 1000:.3f})" for ch in ("A+", "A-", "R+", "R-")))
            previous_end = end
        return "".join(line + "\r\n" for line in lines).encode("ascii")

    def _p98(self, request: str) -> bytes:
        """The VDEW logbook: power down / up entries of the simulated outages."""
        assert self.meter is not None
        meter = self.meter
        if not meter.keeps_logbook:
            return b"P.98(ERROR)\r\n"
        stamps = re.findall(r"\d{10}", request)
        since = _parse_local(stamps[0], meter) if stamps else meter.now() - timedelta(days=30)
        until = min(_parse_local(stamps[1], meter) if len(stamps) > 1 else meter.now(), meter.now())
        status = {"power_off": P01_STATUS_POWER_DOWN, "power_on": P01_STATUS_POWER_UP}
        lines = [
            f"P.98(0{e.at.astimezone(meter.tz):%y%m%d%H%M%S})({status[e.kind]:08X})()(0)"
            for e in meter.model.events_between(since, until)
            if e.kind in status
        ]
        return "".join(line + "\r\n" for line in lines).encode("ascii")


def _parse_local(stamp: str, meter: SimMeter) -> datetime:
    local = datetime.strptime(stamp[-10:], "%y%m%d%H%M")
    return local.replace(tzinfo=meter.tz).astimezone(timezone.utc)
