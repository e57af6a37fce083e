"""Deterministic, plausible data of one simulated meter.

Everything is a pure function of the meter serial (the seed) and time, so any date range
can be served and two runs give the same numbers:

* 30-minute intervals follow a daily curve (night minimum, morning and evening peaks,
  lower on weekends) scaled by a per-meter base load, with small per-interval noise;
  energies are whole Wh (A+, R+; A-/R- only for meters configured as prosumers).
* Some days have a power outage that starts and ends inside intervals: the interval with
  the power loss and the one with the restoration are partial ("estimated"), whole
  intervals in between have no record at all ("missing") and contribute no energy.
* Registers are an initial offset plus the running sum of all intervals that ended
  before the moment asked, so register(t2) − register(t1) equals the profile in between.
* Events: power off/on around outages, a phase voltage dip on some days, a magnetic
  field / case opening on rare days.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

STEP = timedelta(minutes=30)
PER_DAY = 48
EPOCH = datetime(2023, 1, 1, tzinfo=timezone.utc)  # "manufacture": registers start here

# Relative load by half-hour of the local day (index 0 = 00:00-00:30).
_SHAPE = [
    0.35,
    0.32,
    0.30,
    0.29,
    0.28,
    0.28,
    0.29,
    0.30,
    0.33,
    0.38,
    0.42,
    0.55,
    0.75,
    0.90,
    0.95,
    0.88,
    0.75,
    0.65,
    0.60,
    0.58,
    0.57,
    0.56,
    0.58,
    0.60,
    0.62,
    0.60,
    0.58,
    0.57,
    0.58,
    0.60,
    0.65,
    0.72,
    0.82,
    0.95,
    1.05,
    1.12,
    1.15,
    1.12,
    1.05,
    0.98,
    0.90,
    0.82,
    0.72,
    0.62,
    0.52,
    0.45,
    0.40,
    0.37,
]


def _unit(*parts: object) -> float:
    """A deterministic pseudo-random number in [0, 1) from the parts."""
    digest = hashlib.blake2b("|".join(str(p) for p in parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def _day_bytes(serial: str, day: date) -> bytes:
    """64 deterministic bytes per meter and day: one hash serves every random choice of
    the day (registers sum years of days, so this has to be cheap)."""
    return hashlib.blake2b(f"{serial}|{day.toordinal()}".encode(), digest_size=64).digest()


# Days already computed, shared by all models (tests start many simulators with the
# same serials): (serial, utc offset, prosumer, day) -> slots, and -> totals.
_SLOTS: dict[tuple[str, int, bool, date], list[SimInterval | None]] = {}
_TOTALS: dict[tuple[str, int, bool, date], dict[str, int]] = {}


@dataclass(frozen=True)
class Outage:
    off: datetime
    on: datetime


@dataclass(frozen=True)
class SimEvent:
    at: datetime
    kind: str  # power_off, power_on, phase_off, phase_on, magnet_on, magnet_off, case_open, case_close
    phase: int = 0


@dataclass(frozen=True)
class SimInterval:
    start: datetime
    energy: dict[str, int]  # Wh / varh per channel
    partial: bool


@dataclass
class MeterModel:
    serial: str
    utc_offset_minutes: int = 180  # the meter keeps local time (Moscow by default)
    prosumer: bool = False  # has A-/R- (e.g. a rooftop PV customer)
    base_kw: float = field(init=False)
    offset_wh: int = field(init=False)

    def __post_init__(self) -> None:
        self.base_kw = 0.6 + 4.0 * _unit(self.serial, "base")
        self.offset_wh = int(1_000_000 + 9_000_000 * _unit(self.serial, "offset"))

    def _key(self, day: date) -> tuple[str, int, bool, date]:
        return (self.serial, self.utc_offset_minutes, self.prosumer, day)

    # Outages and events ------------------------------------------------------------------

    def outage_on(self, day: date) -> Outage | None:
        """About one day in six has an outage of 50..110 minutes in the daytime (UTC day)."""
        b = _day_bytes(self.serial, day)
        if b[49] >= 44:  # 44/256 ≈ 0.17
            return None
        start = datetime(day.year, day.month, day.day, tzinfo=timezone.utc) + timedelta(
            minutes=360 + 600 * b[50] // 256
        )
        return Outage(start, start + timedelta(minutes=50 + 60 * b[51] // 256))

    def events_on(self, day: date) -> list[SimEvent]:
        events: list[SimEvent] = []
        outage = self.outage_on(day)
        if outage:
            events += [SimEvent(outage.off, "power_off"), SimEvent(outage.on, "power_on")]
        midnight = datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
        b = _day_bytes(self.serial, day)

        def moment(i: int) -> datetime:
            return midnight + timedelta(seconds=86000 * (b[i] * 256 + b[i + 1]) // 65536)

        if b[52] < 128:
            at, phase = moment(53), 1 + b[55] % 3
            events += [SimEvent(at, "phase_off", phase), SimEvent(at + timedelta(seconds=37), "phase_on", phase)]
        if b[56] < 20:
            at = moment(57)
            events += [SimEvent(at, "magnet_on"), SimEvent(at + timedelta(seconds=90), "magnet_off")]
        if b[59] < 10:
            at = moment(60)
            events += [SimEvent(at, "case_open"), SimEvent(at + timedelta(seconds=600), "case_close")]
        return sorted(events, key=lambda e: e.at)

    def events_between(self, since: datetime, until: datetime) -> list[SimEvent]:
        out: list[SimEvent] = []
        day = since.date() - timedelta(days=1)
        while day <= until.date():
            out += [e for e in self.events_on(day) if since <= e.at < until]
            day += timedelta(days=1)
        return out

    # Intervals ---------------------------------------------------------------------------

    def day_intervals(self, day: date) -> list[SimInterval | None]:
        """48 slots of the UTC day; None where the meter was off for the whole slot."""
        key = self._key(day)
        cached = _SLOTS.get(key)
        if cached is not None:
            return cached
        b = _day_bytes(self.serial, day)
        midnight = datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
        outage = self.outage_on(day)
        weekend = 0.8 if day.weekday() >= 5 else 1.0
        season = 1.0 + 0.25 * math.cos(2 * math.pi * (day.timetuple().tm_yday - 15) / 365.0)
        scale = self.base_kw * weekend * season * 500  # kW × 0.5 h × 1000 → Wh
        reactive = 0.25 + 0.1 * b[48] / 256
        shift = self.utc_offset_minutes // 30
        slots: list[SimInterval | None] = []
        totals = {"A+": 0, "A-": 0, "R+": 0, "R-": 0}
        for index in range(PER_DAY):
            start = midnight + index * STEP
            on_fraction = 1.0
            if outage and outage.off < start + STEP and outage.on > start:
                lost = min(start + STEP, outage.on) - max(start, outage.off)
                on_fraction = 1.0 - lost / STEP
                if on_fraction <= 0:
                    slots.append(None)
                    continue
            local_slot = (index + shift) % PER_DAY
            wh = round(scale * _SHAPE[local_slot] * (0.85 + 0.3 * b[index] / 256) * on_fraction)
            energy = {"A+": wh, "A-": 0, "R+": int(wh * reactive), "R-": 0}
            if self.prosumer and 14 <= local_slot <= 36:
                sun = math.sin(math.pi * (local_slot - 14) / 22)
                energy["A-"] = round(2000 * sun * on_fraction)
                energy["R-"] = int(energy["A-"] * 0.05)
            for k, v in energy.items():
                totals[k] += v
            slots.append(SimInterval(start, energy, on_fraction < 1.0))
        _SLOTS[key] = slots
        _TOTALS[key] = totals
        return slots

    def interval_at(self, start: datetime) -> SimInterval | None:
        day_slots = self.day_intervals(start.date())
        return day_slots[(start.hour * 60 + start.minute) // 30]

    def intervals_between(self, since: datetime, until: datetime) -> list[SimInterval]:
        """Recorded intervals with start in [since, until) (30-minute grid, UTC)."""
        out: list[SimInterval] = []
        slot = _floor(since)
        if slot < since:
            slot += STEP
        while slot < until:
            interval = self.interval_at(slot)
            if interval is not None:
                out.append(interval)
            slot += STEP
        return out

    def _sum_day(self, day: date) -> dict[str, int]:
        key = self._key(day)
        if key not in _TOTALS:
            if self.outage_on(day) or self.prosumer:
                self.day_intervals(day)  # the full computation fills _TOTALS
            else:
                _TOTALS[key] = self._plain_day_totals(day)
        return _TOTALS[key]

    def _plain_day_totals(self, day: date) -> dict[str, int]:
        """Same numbers as day_intervals() for a day without outage (consumer meter),
        without building 48 objects: registers sum every day since EPOCH."""
        b = _day_bytes(self.serial, day)
        weekend = 0.8 if day.weekday() >= 5 else 1.0
        season = 1.0 + 0.25 * math.cos(2 * math.pi * (day.timetuple().tm_yday - 15) / 365.0)
        scale = self.base_kw * weekend * season * 500
        reactive = 0.25 + 0.1 * b[48] / 256
        shift = self.utc_offset_minutes // 30
        active = react = 0
        for index in range(PER_DAY):
            wh = round(scale * _SHAPE[(index + shift) % PER_DAY] * (0.85 + 0.3 * b[index] / 256))
            active += wh
            react += int(wh * reactive)
        return {"A+": active, "A-": 0, "R+": react, "R-": 0}

    def registers_at(self, moment: datetime) -> dict[str, int]:
        """Wh/varh totals of every interval that ended at or before `moment`."""
        totals = {"A+": self.offset_wh, "A-": 0, "R+": self.offset_wh // 4, "R-": 0}
        day = EPOCH.date()
        while day < moment.date():
            for k, v in self._sum_day(day).items():
                totals[k] += v
            day += timedelta(days=1)
        for slot in self.day_intervals(moment.date()):
            if slot and slot.start + STEP <= moment:
                for k, v in slot.energy.items():
                    totals[k] += v
        return totals

    def last_complete_start(self, moment: datetime) -> datetime:
        return _floor(moment) - STEP

    def recorded_before(self, moment: datetime, count: int) -> list[SimInterval]:
        """The `count` most recent recorded intervals ending at or before `moment`,
        newest first (what a meter's ring memory holds)."""
        out: list[SimInterval] = []
        slot = self.last_complete_start(moment)
        while len(out) < count and slot >= EPOCH:
            interval = self.interval_at(slot)
            if interval is not None:
                out.append(interval)
            slot -= STEP
        return out


def _floor(moment: datetime) -> datetime:
    return moment.replace(minute=moment.minute - moment.minute % 30, second=0, microsecond=0)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
    return start, start + timedelta(days=1)
