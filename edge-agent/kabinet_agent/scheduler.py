"""When each meter is polled.

Polls are aligned to the local wall clock (a 30-minute meter is read just after :00 and :30, when it
has closed an interval), shifted by a settle delay and by a per-meter offset. The offset is derived
from the agent id and the serial, so it is stable across restarts yet different for meters sharing a
bus, which spreads their sessions over the start of the interval instead of queueing them all at
the same second. One bus is half-duplex, so its meters are polled strictly one after another.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Sequence
from datetime import datetime
from typing import Callable

from .config import MeterConfig, PollingSettings


def meter_offset_s(agent_id: str, serial: str, jitter_s: float) -> float:
    digest = hashlib.sha256(f"{agent_id}/{serial}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2.0**64 * jitter_s


def local_utc_offset_s(at: float) -> float:
    offset = datetime.fromtimestamp(at).astimezone().utcoffset()
    return offset.total_seconds() if offset else 0.0


def next_due(now: float, poll_minutes: int, delay_s: float, utc_offset_s: float) -> float:
    """The first slot strictly after `now`: a multiple of the interval on the local clock + delay."""
    period = poll_minutes * 60.0
    local = now + utc_offset_s
    slot = (local // period) * period + delay_s % period - utc_offset_s
    while slot <= now:
        slot += period
    return slot


class BusSchedule:
    """Due times of the meters on one bus. Every meter is due at start-up (so a restart shows fresh
    data at once); afterwards each follows its own aligned slots."""

    def __init__(
        self,
        meters: Sequence[MeterConfig],
        agent_id: str,
        settings: PollingSettings,
        now: float,
        utc_offset: Callable[[float], float] = local_utc_offset_s,
    ) -> None:
        self.meters = list(meters)
        self._settings = settings
        self._utc_offset = utc_offset
        self._delay = {
            m.serial: settings.settle_s + meter_offset_s(agent_id, m.serial, settings.jitter_s) for m in self.meters
        }
        self.due: dict[str, float] = {m.serial: now for m in self.meters}

    def next(self, now: float) -> tuple[MeterConfig, float]:
        """The meter to poll next and how long until it is due (0 when overdue). Ties go to the
        meter listed first in the configuration."""
        meter = min(self.meters, key=lambda m: self.due[m.serial])
        return meter, max(0.0, self.due[meter.serial] - now)

    def polled(self, meter: MeterConfig, now: float) -> None:
        self.due[meter.serial] = next_due(now, meter.poll_minutes, self._delay[meter.serial], self._utc_offset(now))


class BusWorker:
    """Polls the meters of one port in turn until `stop` is set. `poll` handles meter failures
    itself; anything it raises ends the worker (the runtime then stops the agent)."""

    def __init__(
        self,
        port: str,
        schedule: BusSchedule,
        poll: Callable[[MeterConfig], object],
        bus_pause_s: float,
        stop: threading.Event,
        now: Callable[[], float] = time.time,
        wait: Callable[[float], object] | None = None,
    ) -> None:
        self.port = port
        self.schedule = schedule
        self._poll = poll
        self._pause = bus_pause_s
        self._stop = stop
        self._now = now
        self._wait = wait or stop.wait

    def run(self) -> None:
        while not self._stop.is_set():
            meter, delay = self.schedule.next(self._now())
            if delay > 0:
                # Re-evaluate after waiting: stop may have been requested meanwhile.
                self._wait(delay)
                continue
            self._poll(meter)
            self.schedule.polled(meter, self._now())
            self._wait(self._pause)
