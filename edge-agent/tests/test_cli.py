"""The command line: exit codes and what a technician reads."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from runtime_fakes import T0, FakeClock, FakeMeter, agent_config, fake_sessions, write_config

from kabinet_agent import cli
from kabinet_agent.config import load_config
from kabinet_agent.protocols.base import MeterTimeout
from kabinet_agent.records import Interval
from kabinet_agent.store import Store

EDGE_AGENT = Path(__file__).resolve().parents[1]


def test_check_config_ok(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = write_config(tmp_path, agent_config(tmp_path))
    assert cli.main(["check-config", str(path)]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert f"Конфигурация {path} в порядке: агент tp-17, счётчиков 3, портов 2" in out
    assert "/dev/ttyUSB0: 012345 (iec62056-21, адрес 012345), 777001 (mercury230, адрес 17)" in out


def test_check_config_lists_every_error_and_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    config = agent_config(tmp_path, cloud_url="ftp://kabinet")
    config["meters"][0]["protocol"] = "dlmz"
    config["meters"][1]["baud"] = 9601
    path = write_config(tmp_path, config)
    assert cli.main(["check-config", str(path)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [
        f"Ошибки в конфигурации {path}:",
        '  - Поле "cloud_url": нужен адрес вида https://портал.example.ru, указано "ftp://kabinet"',
        '  - Счётчик 012345: неизвестный протокол "dlmz" (допустимо: iec62056-21, dlms, mercury230, energomera)',
        '  - Счётчик 777001: недопустимая скорость "baud" 9601 (допустимо: 300, 600, 1200, 2400, 4800, '
        "9600, 19200, 38400, 57600, 115200)",
    ]


def test_check_config_as_a_real_process(tmp_path: Path) -> None:
    path = write_config(tmp_path, agent_config(tmp_path, agent_id=""))
    result = subprocess.run(
        [sys.executable, "-m", "kabinet_agent", "check-config", str(path)],
        cwd=EDGE_AGENT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert 'Поле "agent_id": не может быть пустым' in result.stderr
    missing = subprocess.run(
        [sys.executable, "-m", "kabinet_agent", "check-config", str(tmp_path / "no.json")],
        cwd=EDGE_AGENT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert missing.returncode == 1 and "не найден" in missing.stderr


def test_run_refuses_a_bad_config_with_ex_config(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = write_config(tmp_path, agent_config(tmp_path, meters=[]))
    assert cli.main(["run", "--config", str(path)]) == cli.EXIT_CONFIG
    assert 'Поле "meters": должно быть непустым списком' in capsys.readouterr().err


def test_status_before_the_first_run(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = write_config(tmp_path, agent_config(tmp_path))
    assert cli.main(["status", "--config", str(path)]) == 1
    assert "Агент ещё не запускался" in capsys.readouterr().err


def test_status_shows_backlog_upload_and_meters(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = write_config(tmp_path, agent_config(tmp_path))
    config = load_config(path)
    store = Store(config.database)
    store.save([Interval("012345", T0 + timedelta(minutes=30 * n), 30, {"A+": 1.0}) for n in range(3)])
    parked = store.next_batch(1)
    assert parked is not None
    store.park(parked.batch_id, "HTTP 400 «Неизвестный счётчик»")
    # One record the cloud refused for now (an interval length it does not take yet): parked alone.
    sent = store.next_batch(1)
    assert sent is not None
    store.mark_sent(sent.batch_id, {}, {0: "Длина интервала профиля не поддерживается"})
    store.record_poll("012345", "/dev/ttyUSB0", None, 3.0)
    store.record_poll("777001", "/dev/ttyUSB0", "показания: счётчик не отвечает: нет ответа", None)
    store.set_state(
        {
            "last_upload_at": "2024-05-01T00:00:00Z",
            "last_upload_error": "нет связи с облаком: timed out",
            "last_upload_error_at": "2024-05-01T00:05:00Z",
        }
    )
    store.close()
    assert cli.main(["status", "--config", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Не доставлено записей: 3 (ожидают 1, в отправке 0, отложено 2); отклонено облаком: 0" in out
    assert "Отложенные записи: 1 (облако пока их не принимает; самая давняя отложена " in out
    assert any(line.split()[:2] == ["1", "Длина"] and "не поддерживается" in line for line in out.splitlines())
    assert "Последняя успешная выгрузка: " in out and "назад" in out
    assert "Последняя ошибка выгрузки" in out and "нет связи с облаком: timed out" in out
    assert parked.batch_id in out and "HTTP 400 «Неизвестный счётчик»" in out
    rows = {line.split()[0]: line for line in out.splitlines()[-3:]}
    assert "+3 с" in rows["012345"] and "/dev/ttyUSB0" in rows["012345"]
    assert "показания: счётчик не отвечает: нет ответа" in rows["777001"]
    assert "ещё не опрашивался" in rows["880001"] and "/dev/ttyUSB1" in rows["880001"]

    assert cli.main(["retry-parked", "--config", str(path)]) == 0
    assert "Возвращено в очередь: пакетов 1, отдельных записей 1" in capsys.readouterr().out
    assert cli.main(["retry-parked", "--config", str(path)]) == 0
    assert "Отложенных пакетов и записей нет" in capsys.readouterr().out
    store = Store(config.database)
    assert (store.backlog().pending, store.backlog().in_flight, store.backlog().parked) == (2, 1, 0)
    store.close()


@pytest.fixture
def fake_bus(monkeypatch: pytest.MonkeyPatch) -> dict[str, FakeMeter]:
    clock = FakeClock(T0 + timedelta(hours=2, minutes=3))
    meters = {s: FakeMeter(s, clock) for s in ("012345", "777001", "880001")}
    monkeypatch.setattr(cli, "session_factory", lambda opener, verbose: fake_sessions(meters))
    monkeypatch.setattr(cli, "datetime", type("FrozenDatetime", (), {"now": staticmethod(lambda tz: clock.dt())}))
    return meters


def test_read_once_prints_tables_and_stores_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture, fake_bus: dict[str, FakeMeter]
) -> None:
    path = write_config(tmp_path, agent_config(tmp_path))
    fake_bus["012345"].drift_s = 4
    assert cli.main(["read-once", "012345", "--config", str(path), "--hours", "2"]) == 0
    out = capsys.readouterr().out
    assert "Счётчик 012345: протокол iec62056-21, адрес 012345, порт /dev/ttyUSB0" in out
    assert re.search(r"Расхождение\s+\+4 с", out)
    assert re.search(r"A\+\s+1234\.500\s+кВт·ч", out)
    assert "интервалов 4" in out and "Начало" in out
    assert "Реле" not in out  # IEC 62056-21 mode C has no relay to read
    assert not load_config(path).database.exists()


def test_read_once_store_and_failure(
    tmp_path: Path, capsys: pytest.CaptureFixture, fake_bus: dict[str, FakeMeter]
) -> None:
    path = write_config(tmp_path, agent_config(tmp_path))
    assert cli.main(["read-once", "012345", "--config", str(path), "--hours", "1", "--store"]) == 0
    assert "новых записей 3 из 3" in capsys.readouterr().out  # registers, 2 intervals, no events
    fake_bus["012345"].fail["events"] = MeterTimeout("нет ответа")
    assert cli.main(["read-once", "012345", "--config", str(path), "--hours", "1", "--store"]) == 1
    out = capsys.readouterr().out
    assert "ОШИБКА: журнал событий: счётчик не отвечает: нет ответа" in out
    assert "новых записей 0 из 3" in out  # the same registers time and intervals: nothing new
    assert cli.main(["read-once", "999", "--config", str(path)]) == 1
    assert "Счётчик 999 не найден в конфигурации (есть: 012345, 777001, 880001)" in capsys.readouterr().err


def test_example_config_passes_check_config_with_its_key(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    example: dict[str, Any] = json.loads((EDGE_AGENT / "examples" / "agent.json").read_text(encoding="utf-8"))
    example.update(key_file=str(tmp_path / "agent.key"), data_dir=str(tmp_path / "data"))
    (tmp_path / "agent.key").write_text("ab" * 32)
    path = write_config(tmp_path, example)
    assert cli.main(["check-config", str(path)]) == 0, capsys.readouterr().err


def test_systemd_unit_matches_the_cli_and_the_example() -> None:
    unit = (EDGE_AGENT / "systemd" / "kabinet-agent.service").read_text(encoding="utf-8")
    settings = dict(line.split("=", 1) for line in unit.splitlines() if "=" in line and not line.startswith("#"))
    example = json.loads((EDGE_AGENT / "examples" / "agent.json").read_text(encoding="utf-8"))
    assert settings["ExecStart"].endswith(f"kabinet-agent run --config {cli.DEFAULT_CONFIG}")
    assert settings["Restart"] == "always"
    assert settings["RestartPreventExitStatus"] == str(cli.EXIT_CONFIG)
    assert settings["ProtectSystem"] == "strict"
    assert settings["ReadWritePaths"] == example["data_dir"] == f"/var/lib/{settings['StateDirectory']}"
    assert settings["SupplementaryGroups"] == "dialout"
    assert settings["User"] == "kabinet-agent" and settings["NoNewPrivileges"] == "yes"
