"""A simulated RS-485 bus on a pseudo-terminal and the meter state shared by all protocols.

The agent opens the pty's slave side with pyserial like a real port; the simulator owns
the master side. Termios settings of a pty are shared by both sides, so the simulator
can see the baud rate the agent set and behave as a real meter does when the speeds do
not match: it does not understand the request.
"""

from __future__ import annotations

import os
import select
import termios
import threading
import time
import tty
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from .model import MeterModel

_SPEEDS = {
    getattr(termios, f"B{b}"): b
    for b in (300, 600, 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)
    if hasattr(termios, f"B{b}")
}


@dataclass
class Faults:
    """Fault injection for tests: counted per meter over its answers."""

    corrupt_every: int = 0  # flip one byte in every Nth answer (checksum error)
    drop_every: int = 0  # do not send every Nth answer (timeout)


@dataclass
class SimMeter:
    serial: str
    protocol: str
    address: str
    password: str | None = None
    admin_password: str | None = None
    drift_seconds: float = 0.0
    relay_connected: bool = True
    utc_offset_minutes: int = 180
    prosumer: bool = False
    max_baud_char: str = "5"  # IEC: fastest speed offered ('5' = 9600)
    reports_relay: bool = False  # IEC: the readout carries 0-0:96.3.10 (relay state)
    keeps_logbook: bool = True  # IEC: answers P.98 (else P.98(ERROR))
    meter_type: str = "CE301"  # Energomera: the model in its identification
    faults: Faults = field(default_factory=Faults)
    clock_offset: timedelta = timedelta(0)  # pins the simulated "now" (see Simulator)
    answers: int = 0
    model: MeterModel = field(init=False)

    def __post_init__(self) -> None:
        self.model = MeterModel(self.serial, self.utc_offset_minutes, self.prosumer)

    def now(self) -> datetime:
        """The meter's own clock (UTC): the simulated time plus the configured drift.
        Data are stamped by this clock, as a real meter does."""
        return datetime.now(timezone.utc) + self.clock_offset + timedelta(seconds=self.drift_seconds)

    @property
    def tz(self) -> timezone:
        return timezone(timedelta(minutes=self.utc_offset_minutes))


class Server:
    """Protocol side of a bus: gets the bytes the agent sent, answers through the bus."""

    def __init__(self, bus: Bus, meters: list[SimMeter]) -> None:
        self.bus = bus
        self.meters = meters

    def feed(self, data: bytes) -> None:
        raise NotImplementedError

    def tick(self) -> None:
        """Called periodically (silence-based framing, session time-outs)."""


class Bus:
    def __init__(
        self,
        name: str,
        protocol: str,
        meters: list[SimMeter],
        *,
        baud: int = 9600,
        wire_time: bool = False,
        bits_per_char: int = 10,
    ) -> None:
        from .servers import make_server  # late import: servers import this module

        self.name = name
        self.protocol = protocol
        self.meters = meters
        self.baud = baud  # nominal speed (IEC changes it per session)
        self.wire_time = wire_time
        self.bits_per_char = bits_per_char
        self._master, slave = os.openpty()
        tty.setraw(slave)  # no echo/line editing before the agent opens it
        self.slave_path = os.ttyname(slave)
        # The slave is not kept open: when the agent closes its port the master reads EIO,
        # and the simulator then "parks" the line at a speed no protocol uses. Some pty
        # implementations reject a 7E1 request that does not also change the speed (a pty
        # cannot do parity), so parking lets the next open at 300/9600 baud succeed.
        os.close(slave)
        self._parked = False
        self.server = make_server(self, protocol, meters)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=f"sim-bus-{name}", daemon=True)
        self.sent_bytes = 0
        self.wire_seconds = 0.0

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        try:
            os.close(self._master)
        except OSError:
            pass

    def _park(self) -> None:
        try:
            attrs = termios.tcgetattr(self._master)
            attrs[4] = attrs[5] = termios.B38400
            termios.tcsetattr(self._master, termios.TCSANOW, attrs)
        except termios.error:
            pass
        self._parked = True

    def line_baud(self) -> int | None:
        """The speed the agent set on its side of the pty."""
        try:
            return _SPEEDS.get(termios.tcgetattr(self._master)[5])
        except termios.error:
            return None

    def wait_line_baud(self, baud: int, timeout: float = 0.5) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.line_baud() in (baud, None):
                return True
            time.sleep(0.002)
        return False

    def answer(self, meter: SimMeter, data: bytes) -> None:
        """Sends a meter's answer, applying its fault plan and the wire time."""
        meter.answers += 1
        faults = meter.faults
        if faults.drop_every and meter.answers % faults.drop_every == 0:
            return
        if faults.corrupt_every and meter.answers % faults.corrupt_every == 0 and len(data) > 2:
            middle = len(data) // 2
            data = data[:middle] + bytes((data[middle] ^ 0x5A,)) + data[middle + 1 :]
        self.send_raw(data)

    def send_raw(self, data: bytes) -> None:
        seconds = len(data) * self.bits_per_char / self.baud
        self.wire_seconds += seconds
        if self.wire_time:
            time.sleep(seconds)
        view = memoryview(data)
        while view:
            written = os.write(self._master, view)
            view = view[written:]
        self.sent_bytes += len(data)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                ready, _, _ = select.select([self._master], [], [], 0.005)
                if ready:
                    data = os.read(self._master, 4096)
                    if data:
                        self._parked = False
                        self.server.feed(data)
                self.server.tick()
            except OSError:
                if self._stop.is_set():
                    return
                if not self._parked:  # no agent has the port open (EIO)
                    self._park()
                time.sleep(0.01)
            except Exception as exc:  # keep the bus alive; a test will see no answer
                print(f"[simulator {self.name}] ошибка обработки: {exc!r}", flush=True)


def find_meter(meters: list[SimMeter], address: str) -> SimMeter | None:
    for meter in meters:
        if meter.address == address:
            return meter
    if address == "" and len(meters) == 1:
        return meters[0]
    return None


def meters_by_address(meters: list[SimMeter]) -> dict[str, SimMeter]:
    return {m.address: m for m in meters}
