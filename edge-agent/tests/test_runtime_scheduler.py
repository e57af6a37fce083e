"""Poll timing: wall-clock alignment, stable per-meter offsets, one session at a time per bus."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import datetime, timedelta, timezone

from runtime_fakes import T0, FakeClock
from test_runtime_poller import meter_cfg

from kabinet_agent.config import PollingSettings
from kabinet_agent.scheduler import BusSchedule, BusWorker, meter_offset_s, next_due


def at(hours: int, minutes: int, seconds: int = 0) -> float:
    return (T0 + timedelta(hours=hours, minutes=minutes, seconds=seconds)).timestamp()


def test_next_due_is_aligned_to_the_local_wall_clock() -> None:
    msk = 3 * 3600.0
    assert next_due(at(7, 7), 30, 40, msk) == at(7, 30, 40)
    assert next_due(at(7, 30, 40), 30, 40, msk) == at(8, 0, 40)  # strictly after now
    assert next_due(at(7, 30, 39), 30, 40, msk) == at(7, 30, 40)
    # A daily poll runs after local midnight (21:00 UTC in Moscow), not after UTC midnight.
    assert next_due(at(7, 7), 1440, 60, msk) == at(21, 1)
    # A delay longer than the interval wraps instead of skipping slots.
    assert next_due(at(7, 7, 10), 1, 90, 0) == at(7, 7, 30)


def test_meter_offsets_are_stable_and_spread() -> None:
    offsets = [meter_offset_s("tp-17", f"{n:06d}", 60) for n in range(50)]
    assert all(0 <= o < 60 for o in offsets)
    assert len({round(o, 3) for o in offsets}) == 50
    assert meter_offset_s("tp-17", "000001", 60) == offsets[1]
    assert meter_offset_s("tp-18", "000001", 60) != offsets[1]


def test_bus_polls_meters_one_at_a_time_at_their_slots() -> None:
    clock = FakeClock(T0 + timedelta(minutes=7))
    settings = PollingSettings(settle_s=30, jitter_s=60, bus_pause_s=0.5)
    fast, slow = meter_cfg("012345"), meter_cfg("777001")
    slow = replace(slow, poll_minutes=60)
    schedule = BusSchedule([fast, slow], "tp-17", settings, clock.now(), utc_offset=lambda _: 0.0)
    sessions: list[tuple[str, float, float]] = []
    stop = threading.Event()

    def poll(meter) -> None:
        start = clock.now()
        clock.sleep(20)  # a session takes 20 s of bus time
        sessions.append((meter.serial, start, clock.now()))

    def wait(seconds: float) -> None:
        clock.sleep(seconds)
        if clock.now() > at(3, 0):
            stop.set()

    BusWorker("/dev/ttyUSB0", schedule, poll, settings.bus_pause_s, stop, now=clock.now, wait=wait).run()
    # Both are read at start-up, in configuration order, back to back.
    assert [s[0] for s in sessions[:2]] == ["012345", "777001"]
    assert sessions[1][1] == sessions[0][2] + 0.5
    # Never two sessions on the bus at once.
    for before, after in zip(sessions, sessions[1:]):
        assert after[1] >= before[2] + 0.5
    delay = {m.serial: 30 + meter_offset_s("tp-17", m.serial, 60) for m in (fast, slow)}
    for serial, period in (("012345", 1800), ("777001", 3600)):
        starts = [s[1] for s in sessions[2:] if s[0] == serial]
        assert starts, serial
        for start in starts:
            # On its slot, unless the other meter still held the bus (then right after it).
            slot_offset = (start - delay[serial]) % period
            assert slot_offset < 21, (serial, datetime.fromtimestamp(start, timezone.utc))
    # Start-up plus the slots up to 03:00: every half hour and every hour respectively.
    assert len([s for s in sessions if s[0] == "012345"]) == 1 + 5
    assert len([s for s in sessions if s[0] == "777001"]) == 1 + 2
