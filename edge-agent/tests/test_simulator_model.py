"""The simulator's data model and its command-line entry point."""

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from kabinet_agent.protocols import driver_for
from kabinet_agent.protocols.serial_transport import SerialTransport
from kabinet_agent.simulator import Simulator
from kabinet_agent.simulator.model import MeterModel

MSK = timezone(timedelta(hours=3))


def test_model_is_deterministic_and_registers_are_the_running_sum():
    a, b = MeterModel("SER-1"), MeterModel("SER-1")
    since = datetime(2024, 5, 10, tzinfo=timezone.utc)
    until = since + timedelta(days=3)
    assert a.intervals_between(since, until) == b.intervals_between(since, until)
    total = sum(i.energy["A+"] for i in a.intervals_between(since, until))
    assert a.registers_at(until)["A+"] - a.registers_at(since)["A+"] == total
    assert MeterModel("SER-2").intervals_between(since, until) != a.intervals_between(since, until)


def test_daily_curve_is_plausible():
    model = MeterModel("SER-3", utc_offset_minutes=180)
    day = datetime(2024, 5, 15, tzinfo=timezone.utc)  # a Wednesday
    slots = [s for s in model.day_intervals(day.date()) if s]
    by_local_hour = {(s.start + timedelta(hours=3)).hour: s.energy["A+"] for s in slots}
    assert by_local_hour[19] > by_local_hour[3]  # evening peak above the night
    assert all(0 < s.energy["A+"] < 5000 for s in slots)


def test_outage_days_have_gaps_and_events():
    model = MeterModel("SER-4")
    day = next(d for d in (datetime(2024, 1, 1).date() + timedelta(days=k) for k in range(60)) if model.outage_on(d))
    slots = model.day_intervals(day)
    assert None in slots and sum(1 for s in slots if s and s.partial) == 2
    kinds = [e.kind for e in model.events_on(day)]
    assert "power_off" in kinds and "power_on" in kinds


def test_iec_partial_blocks_for_a_long_profile():
    config = {"buses": [{"protocol": "iec62056-21", "meters": [{"serial": "LONG-1", "address": "7"}]}]}
    with Simulator.from_config(config) as simulator:
        transport = SerialTransport(simulator.buses[0].slave_path, protocol="iec62056-21")
        driver = driver_for("iec62056-21")(transport, "LONG-1", "7", None, 1.0, MSK)
        today = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
        intervals = driver.read_profile(today - timedelta(days=3), today)
        driver.close()
        transport.close()
    assert len(intervals) == 144  # answered in several EOT blocks


def test_command_line_entry_point(tmp_path: Path):
    config = {"meters": [{"protocol": "mercury230", "serial": "CLI-1", "address": "9"}]}
    path = tmp_path / "meters.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    process = subprocess.Popen(
        [sys.executable, "-m", "kabinet_agent.simulator", "--meters", str(path)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        line = process.stdout.readline().strip().split("\t")
        assert line[1] == "mercury230" and line[2].startswith("/dev/")
        transport = SerialTransport(line[2], protocol="mercury230")
        driver = driver_for("mercury230")(transport, "CLI-1", "9", None, 1.0, MSK)
        assert "A+" in driver.read_registers().values
        driver.close()
        transport.close()
    finally:
        process.terminate()
        process.wait(timeout=5)
    assert process.returncode == 0


def test_bad_configuration_is_reported(tmp_path: Path):
    with pytest.raises(ValueError, match="повторяющиеся адреса"):
        Simulator.from_config(
            {
                "buses": [
                    {"protocol": "dlms", "meters": [{"serial": "a", "address": "1"}, {"serial": "b", "address": "1"}]}
                ]
            }
        )
    with pytest.raises(ValueError, match="протокол"):
        Simulator.from_config({"meters": [{"protocol": "modbus", "serial": "x"}]})
