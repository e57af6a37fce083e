"""Mercury 230 meter side. Frames are delimited by line silence, as on real RS-485."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from ..protocols.mercury230 import (
    JOURNAL_RECORDS,
    PROFILE_RECORDS,
    RECORD_SIZE,
    check_frame,
    encode_energy,
    frame,
    password_bytes,
    to_bcd,
)
from .bus import Bus, Server, SimMeter
from .model import EPOCH, STEP

FRAME_GAP = 0.01  # silence that ends a request frame
CHANNEL_TIMEOUT = 240.0  # an open channel closes after 4 minutes without requests
METER_CONSTANT_CODE = 4  # A = 1000 imp/kWh → raw N = 2 × Wh per interval
OK, BAD_COMMAND, NOT_OPEN = 0x00, 0x01, 0x05
JOURNAL_KINDS: dict[int, tuple[str, str, int]] = {
    # journal → (first stamp kind, second stamp kind, phase); field order as documented
    0x01: ("power_on", "power_off", 0),
    0x03: ("phase_on", "phase_off", 1),
    0x04: ("phase_on", "phase_off", 2),
    0x05: ("phase_on", "phase_off", 3),
    0x12: ("case_open", "case_close", 0),
}
# the kind that starts an episode
OPENERS = {0x01: "power_off", 0x03: "phase_off", 0x04: "phase_off", 0x05: "phase_off", 0x12: "case_open"}


class MercuryServer(Server):
    def __init__(self, bus: Bus, meters: list[SimMeter]) -> None:
        super().__init__(bus, meters)
        self.buffer = b""
        self.last_byte = 0.0
        self.channels: dict[str, tuple[int, float]] = {}  # serial → (level, last request)
        self._before_day: dict[tuple[str, object], int] = {}

    def feed(self, data: bytes) -> None:
        self.buffer += data
        self.last_byte = time.monotonic()

    def tick(self) -> None:
        if self.buffer and time.monotonic() - self.last_byte >= FRAME_GAP:
            request, self.buffer = self.buffer, b""
            self._handle(request)

    def _handle(self, request: bytes) -> None:
        if len(request) < 4 or not check_frame(request):
            return  # noise or a damaged frame: no answer
        address = request[0]
        meter = self._meter(address)
        if meter is None:
            return
        payload = request[1:-2]
        reply = self._reply(meter, payload)
        self.bus.answer(meter, frame(address, reply))

    def _meter(self, address: int) -> SimMeter | None:
        if address == 0:
            return self.meters[0] if len(self.meters) == 1 else None
        for meter in self.meters:
            if int(meter.address) == address:
                return meter
        return None

    # Commands ----------------------------------------------------------------------------

    def _reply(self, meter: SimMeter, payload: bytes) -> bytes:
        command = payload[0]
        if command == 0x00:
            return bytes((OK,))
        if command == 0x01 and len(payload) == 8:
            return bytes((self._open(meter, payload[1], payload[2:8]),))
        level, last = self.channels.get(meter.serial, (0, 0.0))
        if level == 0 or time.monotonic() - last > CHANNEL_TIMEOUT:
            return bytes((NOT_OPEN,))
        self.channels[meter.serial] = (level, time.monotonic())
        if command == 0x02:
            self.channels.pop(meter.serial, None)
            return bytes((OK,))
        if command == 0x04 and payload[1:] == b"\x00":
            return self._times(meter, 0x00, 0)
        if command == 0x04 and len(payload) == 3 and payload[1] != 0x00:
            return self._times(meter, payload[1], payload[2])
        if command == 0x05 and len(payload) == 3 and payload[1] in (0x00, 0x40, 0x50) and payload[2] == 0:
            return self._energy(meter, payload[1] >> 4)
        if command == 0x08 and payload[1:2] == b"\x12":
            return bytes((0x73, 0x20 | METER_CONSTANT_CODE, 0x41, 0x22, 0x00, 0x02))
        if command == 0x08 and payload[1:2] == b"\x13":
            return self._last_record(meter)
        if command == 0x06 and len(payload) == 5 and payload[1] == 0x03:
            return self._memory(meter, int.from_bytes(payload[2:4], "big"), payload[4])
        return bytes((BAD_COMMAND,))

    def _energy(self, meter: SimMeter, array: int) -> bytes:
        """Array 0: from reset; 4: the current (meter-local) day so far; 5: the previous day."""
        now = meter.now()
        midnight = datetime.combine(now.astimezone(meter.tz).date(), datetime.min.time(), meter.tz)
        moments = {0: (None, now), 4: (midnight, now), 5: (midnight - timedelta(days=1), midnight)}
        since, until = moments[array]
        reg = meter.model.registers_at(until)
        if since is not None:
            before = meter.model.registers_at(since)
            reg = {ch: reg[ch] - before[ch] for ch in reg}
        return encode_energy(
            [reg["A+"], reg["A-"] if meter.prosumer else None, reg["R+"], reg["R-"] if meter.prosumer else None]
        )

    def _open(self, meter: SimMeter, level: int, password: bytes) -> int:
        expected = {1: meter.password or "111111", 2: meter.admin_password or "222222"}.get(level)
        if expected is None or password != password_bytes(expected):
            self.channels.pop(meter.serial, None)
            return NOT_OPEN
        self.channels[meter.serial] = (level, time.monotonic())
        return OK

    def _times(self, meter: SimMeter, journal: int, index: int) -> bytes:
        if journal == 0x00:
            local = meter.now().astimezone(meter.tz)
            return bytes(
                (
                    to_bcd(local.second),
                    to_bcd(local.minute),
                    to_bcd(local.hour),
                    to_bcd(local.isoweekday()),
                    to_bcd(local.day),
                    to_bcd(local.month),
                    to_bcd(local.year % 100),
                    0x01,
                )
            )
        if journal not in JOURNAL_KINDS or index >= JOURNAL_RECORDS:
            return bytes((BAD_COMMAND,))
        first_kind, second_kind, phase = JOURNAL_KINDS[journal]
        opener = OPENERS[journal]
        now = meter.now()
        events = [
            e
            for e in meter.model.events_between(now - timedelta(days=120), now)
            if e.phase == phase and e.kind in (first_kind, second_kind)
        ]
        # One record per episode (power off → on, case open → close); the two stamps go in
        # the documented field order (first_kind, second_kind).
        episodes: list[dict[str, datetime]] = []
        for event in events:
            if event.kind == opener or not episodes or event.kind in episodes[-1]:
                episodes.append({})
            episodes[-1][event.kind] = event.at
        records = [(e.get(first_kind), e.get(second_kind)) for e in episodes]
        records = list(reversed(records))[:JOURNAL_RECORDS]
        if index >= len(records):
            return bytes(12)
        first, second = records[index]
        return _stamp(first, meter) + _stamp(second, meter)

    def _last_record(self, meter: SimMeter) -> bytes:
        count = self._record_count(meter)
        last = meter.model.recorded_before(meter.now(), 1)
        if not last:
            return bytes(9)
        address = ((count - 1) % PROFILE_RECORDS) * RECORD_SIZE
        end = (last[0].start + STEP).astimezone(meter.tz)
        return (
            address.to_bytes(2, "big")
            + bytes((0x00,))
            + bytes(to_bcd(v) for v in (end.hour, end.minute, end.day, end.month, end.year % 100))
            + bytes((30,))
        )

    def _record_count(self, meter: SimMeter) -> int:
        """Records written since the meter was made (one per powered interval)."""
        now = meter.now()
        model = meter.model
        key = (meter.serial, now.date())
        if key not in self._before_day:
            count, day = 0, EPOCH.date()
            while day < now.date():
                count += sum(1 for s in model.day_intervals(day) if s is not None)
                day += timedelta(days=1)
            self._before_day[key] = count
        count = self._before_day[key]
        count += sum(1 for s in model.day_intervals(now.date()) if s is not None and s.start + STEP <= now)
        return count

    def _memory(self, meter: SimMeter, address: int, length: int) -> bytes:
        if address % RECORD_SIZE or length != 15:
            return bytes((BAD_COMMAND,))
        count = self._record_count(meter)
        last_slot = (count - 1) % PROFILE_RECORDS
        back = (last_slot - address // RECORD_SIZE) % PROFILE_RECORDS
        if back >= count:
            return b"\xff" * 15  # never written
        recorded = meter.model.recorded_before(meter.now(), back + 1)
        interval = recorded[back]
        end = (interval.start + STEP).astimezone(meter.tz)
        raw = b""
        for channel in ("A+", "A-", "R+", "R-"):
            if channel in ("A-", "R-") and not meter.prosumer:
                raw += b"\xff\xff"
            else:
                raw += (interval.energy[channel] * 2).to_bytes(2, "little")
        return (
            bytes((0x02 if interval.partial else 0x00,))
            + bytes(to_bcd(v) for v in (end.hour, end.minute, end.day, end.month, end.year % 100))
            + bytes((30,))
            + raw
        )


def _stamp(moment: datetime | None, meter: SimMeter) -> bytes:
    if moment is None:
        return bytes(6)
    local = moment.astimezone(meter.tz)
    return bytes(to_bcd(v) for v in (local.second, local.minute, local.hour, local.day, local.month, local.year % 100))
