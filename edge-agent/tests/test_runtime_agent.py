"""`run_agent` wiring: failures of ports stay per meter; a failing store stops the agent."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from pathlib import Path
from typing import Callable

import pytest
from runtime_fakes import agent_config, write_config

from kabinet_agent.config import AgentConfig, MeterConfig, load_config
from kabinet_agent.protocols.base import Transport
from kabinet_agent.runtime import run_agent
from kabinet_agent.store import Store


class FailingOpen:
    """A transport opener whose port cannot be opened."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def __enter__(self) -> Transport:
        raise self.error

    def __exit__(self, *exc: object) -> None:
        return None


def start(
    tmp_path: Path, opener: Callable[[MeterConfig], FailingOpen]
) -> tuple[AgentConfig, threading.Event, threading.Thread, list[int]]:
    config = load_config(write_config(tmp_path, agent_config(tmp_path, upload={"idle_s": 1})))
    stop = threading.Event()
    result: list[int] = []
    thread = threading.Thread(target=lambda: result.append(run_agent(config, stop, open_transport=opener)))
    thread.start()
    return config, stop, thread, result


def test_unavailable_ports_are_per_meter_errors(tmp_path: Path) -> None:
    config, stop, thread, result = start(
        tmp_path,
        lambda meter: FailingOpen(
            OSError(f"не удалось открыть порт {meter.port}: [Errno 2] No such file or directory")
        ),
    )
    try:
        deadline = time.monotonic() + 20
        statuses = {}
        while time.monotonic() < deadline and len(statuses) < 3:
            time.sleep(0.05)
            if config.database.exists():
                store = Store(config.database)
                statuses = store.meter_statuses()
                store.close()
    finally:
        stop.set()
        thread.join(20)
    assert result == [0]
    assert statuses["880001"].last_error == (
        "сеанс связи: порт недоступен: не удалось открыть порт /dev/ttyUSB1: [Errno 2] No such file or directory"
    )
    assert all(s.last_error and s.last_read_at is None for s in statuses.values())


def test_a_failing_store_stops_the_agent_for_a_restart(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.CRITICAL, logger="kabinet_agent"):
        config, stop, thread, result = start(
            tmp_path, lambda meter: FailingOpen(sqlite3.OperationalError("disk I/O error"))
        )
        thread.join(20)
    assert result == [1] and stop.is_set()
    assert any("остановлен ошибкой OperationalError: disk I/O error" in r.getMessage() for r in caplog.records)
