"""End to end: the agent polls simulated meters on pseudo-terminals with the real drivers and
uploads to a fake cloud on 127.0.0.1; `read-once` reads the same meters as a real process."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from runtime_fakes import FakeCloud, agent_config, write_config

from kabinet_agent.config import load_config
from kabinet_agent.runtime import AlreadyRunning, exclusive_data_dir, run_agent
from kabinet_agent.simulator import Simulator
from kabinet_agent.store import Store

EDGE_AGENT = Path(__file__).resolve().parents[1]
METERS = [
    {"serial": "41000017", "protocol": "mercury230", "address": "17", "password": "111111"},
    {
        "serial": "012345678",
        "protocol": "iec62056-21",
        "address": "012345678",
        "password": "00000000",
        "drift_seconds": 95,
    },
    {"serial": "0098765432", "protocol": "dlms", "address": "145", "password": "12345678"},
]


@pytest.fixture
def simulator() -> Iterator[Simulator]:
    with Simulator.from_config({"meters": METERS}) as sim:
        yield sim


def config_for(tmp_path: Path, sim: Simulator, cloud_url: str) -> Path:
    meters = [
        {
            "serial": m["serial"],
            "protocol": m["protocol"],
            "address": m["address"],
            "password": m["password"],
            "port": sim.bus(m["protocol"]).slave_path,
            # The simulator answers from a thread: on a loaded machine the 2 s default was missed.
            "timeout_s": 5.0,
        }
        for m in METERS
    ]
    return write_config(
        tmp_path,
        agent_config(
            tmp_path,
            cloud_url,
            agent_id="tp-17",
            meter_timezone="+03:00",
            meters=meters,
            upload={"batch_size": 50, "idle_s": 1, "heartbeat_s": 10},
            polling={"initial_backfill_days": 1, "bus_pause_s": 0.05},
        ),
    )


def wait_for(condition, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_agent_polls_simulated_meters_and_uploads(tmp_path: Path, simulator: Simulator) -> None:
    cloud_clock = SimpleNamespace(now=time.time)
    with FakeCloud(cloud_clock) as cloud:  # type: ignore[arg-type]
        config = load_config(config_for(tmp_path, simulator, cloud.url))
        stop = threading.Event()
        result = []
        agent = threading.Thread(target=lambda: result.append(run_agent(config, stop)))
        agent.start()
        try:

            def kinds_by_meter() -> set[str]:
                return {f"{r['meter']}/{r['kind']}" for records in list(cloud.batches.values()) for r in records}

            # Every meter's registers and profile reach the cloud, and the DLMS meter's relay state.
            expected = {f"{m['serial']}/{kind}" for m in METERS for kind in ("register", "interval")}
            expected.add("0098765432/relay")
            assert wait_for(lambda: expected <= kinds_by_meter()), sorted(kinds_by_meter())
            assert wait_for(lambda: bool(cloud.heartbeats))
            # A second agent on the same data directory refuses to start.
            with pytest.raises(AlreadyRunning), exclusive_data_dir(config.data_dir):
                pass
        finally:
            stop.set()
            agent.join(30)
    assert result == [0]
    assert cloud.violations == []
    assert set(cloud.keys.values()) == {1}
    intervals = [k for k in cloud.keys if k.startswith("41000017|interval|")]
    assert 40 <= len(intervals) <= 49  # a day of 30-minute intervals, each once
    store = Store(config.database)
    statuses = store.meter_statuses()
    store.close()
    assert {s: statuses[s].last_error for s in statuses} == {m["serial"]: None for m in METERS}
    assert 90 <= (statuses["012345678"].clock_drift_s or 0) <= 100
    assert abs(statuses["41000017"].clock_drift_s or 0) < 5
    # The heartbeat sent at start-up lists every configured meter.
    assert [m["serial"] for m in cloud.heartbeats[0]["meters"]] == [m["serial"] for m in METERS]


def test_read_once_against_the_simulator(tmp_path: Path, simulator: Simulator) -> None:
    path = config_for(tmp_path, simulator, "http://127.0.0.1:9")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "kabinet_agent",
            "read-once",
            "0098765432",
            "--config",
            str(path),
            "--hours",
            "3",
            "--store",
        ],
        cwd=EDGE_AGENT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "Счётчик 0098765432: протокол dlms, адрес 145" in out
    assert "Показания на" in out and "кВт·ч" in out
    assert "Профиль мощности" in out and "Реле нагрузки:" in out
    assert "Сохранено в очередь на отправку: новых записей" in out
    verbose = subprocess.run(
        [
            sys.executable,
            "-m",
            "kabinet_agent",
            "read-once",
            "41000017",
            "--config",
            str(path),
            "--hours",
            "1",
            "--verbose",
        ],
        cwd=EDGE_AGENT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert verbose.returncode == 0, verbose.stdout + verbose.stderr
    frames = [
        line for line in verbose.stderr.splitlines() if "[ПУ 41000017 " in line and (" → " in line or " ← " in line)
    ]
    assert frames, verbose.stderr
