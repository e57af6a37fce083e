"""`kabinet-agent read-once` as a process against simulated Energomera meters on a pty."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from runtime_fakes import agent_config, write_config

from kabinet_agent.simulator import Simulator
from kabinet_agent.store import Store

EDGE_AGENT = Path(__file__).resolve().parents[1]
METERS = [
    {"serial": "011234567", "address": "234567", "password": "777777", "type": "CE102M"},
    {"serial": "009218054000123", "address": "218054123", "type": "CE301"},
]


@pytest.fixture
def simulator() -> Iterator[Simulator]:
    with Simulator.from_config({"buses": [{"protocol": "energomera", "meters": METERS}]}) as sim:
        yield sim


def read_once(path: Path, serial: str, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kabinet_agent", "read-once", serial, "--config", str(path), "--hours", "3", *extra],
        cwd=EDGE_AGENT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_read_once_of_ce102m_and_ce301(tmp_path: Path, simulator: Simulator) -> None:
    port = simulator.buses[0].slave_path
    config = agent_config(
        tmp_path,
        meters=[
            {
                "serial": m["serial"],
                "port": port,
                "address": m["address"],
                "protocol": "energomera",
                **({"password": m["password"]} if "password" in m else {}),
            }
            for m in METERS
        ],
    )
    path = write_config(tmp_path, config)

    ce102m = read_once(path, "011234567", "--store")
    assert ce102m.returncode == 0, ce102m.stdout + ce102m.stderr
    out = ce102m.stdout
    assert "Счётчик 011234567: протокол energomera" in out and "кВт·ч" in out
    assert "Показания на начало суток (хранит счётчик)" in out
    assert "профиль мощности: счётчик CE102M не хранит его" in out  # listed, not an error
    assert "ОШИБКА" not in out
    store = Store(tmp_path / "data" / "agent.sqlite3")
    kinds = {r.kind for r in store.next_batch(100).records}  # type: ignore[union-attr,attr-defined]
    store.close()
    assert kinds == {"register", "snapshot"}

    ce301 = read_once(path, "009218054000123")
    assert ce301.returncode == 0, ce301.stdout + ce301.stderr
    assert "Профиль мощности" in ce301.stdout and "интервалов 6" in ce301.stdout
