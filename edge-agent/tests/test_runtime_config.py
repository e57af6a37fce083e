"""Config validation: every problem reported at once, in Russian, naming the field and the meter."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from runtime_fakes import agent_config, write_config

from kabinet_agent.config import ConfigError, load_config


def errors_for(tmp_path: Path, config: dict) -> list:
    with pytest.raises(ConfigError) as caught:
        load_config(write_config(tmp_path, config))
    return caught.value.errors


def test_valid_config_is_parsed_with_defaults(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, agent_config(tmp_path)))
    assert config.agent_id == "tp-17"
    assert config.key_file == (tmp_path / "agent.key").resolve()
    assert config.data_dir == (tmp_path / "data").resolve()
    assert config.upload.batch_size == 100 and config.upload.heartbeat_s == 300
    assert config.polling.clock_drift_threshold_s == 30
    iec, mercury, dlms = config.meters
    assert (iec.protocol, iec.address, iec.baud, iec.poll_minutes) == ("iec62056-21", "012345", None, 30)
    assert iec.read == mercury.read == ("clock", "registers", "profile", "events")  # neither has a relay
    assert (mercury.address, mercury.baud, mercury.password) == ("17", 9600, "111111")
    assert dlms.read == ("clock", "registers", "profile")
    assert iec.timezone.utcoffset(datetime(2024, 1, 1)) == timedelta(hours=3)


def test_many_errors_are_reported_together(tmp_path: Path) -> None:
    config = agent_config(tmp_path)
    del config["cloud_url"]
    config["agent_id"] = "ТП 17"
    config["meter_timezone"] = "Moscow"
    config["upload"] = {"batch_size": 0, "bach_size": 10}
    config["meters"][0].update(protocol="dlmz", baud=9601)
    config["meters"][1].update(password=111111, poll_minutes=7, read=["registers", "profil"])
    config["meters"][2].update(serial="012345", protocl="dlms", address="1:x")
    errors = errors_for(tmp_path, config)
    expected = [
        'Поле "agent_id": допустимы латинские буквы',
        'Поле "cloud_url": не указано',
        'Поле "meter_timezone": неизвестный часовой пояс "Moscow"',
        'Поле "upload.bach_size": неизвестный параметр',
        'Поле "upload.batch_size": должно быть от 1 до 10000, указано 0',
        'Счётчик 012345: неизвестный протокол "dlmz" (допустимо: iec62056-21, dlms, mercury230, energomera)',
        'Счётчик 012345: недопустимая скорость "baud" 9601',
        'Счётчик 777001: поле "password": должно быть строкой в кавычках',
        'Счётчик 777001: интервал опроса "poll_minutes" 7 мин должен делить сутки',
        'Счётчик 777001: в поле "read" неизвестный вид данных "profil"',
        'Счётчик 012345: неизвестный параметр "protocl"',
        "Счётчик 012345: поле \"address\": адрес DLMS-счётчика должен быть числом или L:P[:N], а не '1:x' "
        "(пример: 145 или 1:145)",
    ]
    for fragment in expected:
        assert any(fragment in e for e in errors), (fragment, errors)
    assert len(errors) == len(expected), errors


def test_bus_conflicts_and_duplicate_serials(tmp_path: Path) -> None:
    config = agent_config(tmp_path)
    config["meters"][1].update(serial="012345")  # same serial as meter 1
    config["meters"].append(
        {"serial": "777002", "port": "/dev/ttyUSB0", "address": 17, "protocol": "mercury230"}
    )  # same bus address as meter 2
    config["meters"].append(
        {"serial": "777003", "port": "/dev/ttyUSB0", "address": "", "protocol": "iec62056-21"}
    )  # "any meter" on a shared bus
    errors = errors_for(tmp_path, config)
    assert "Счётчик 012345: серийный номер повторяется (счётчики №1 и №2 в списке)" in errors
    assert "Счётчик 777002: адрес 17 на порту /dev/ttyUSB0 уже занят счётчиком 012345" in errors
    assert "Счётчик 777003: пустой адрес допустим, только если счётчик один на порту /dev/ttyUSB0" in errors


def test_key_file_problems(tmp_path: Path) -> None:
    config = agent_config(tmp_path)
    (tmp_path / "agent.key").write_text("not hex at all")
    assert any('Поле "key_file": файл ключа' in e and "hex" in e for e in errors_for(tmp_path, config))
    config = agent_config(tmp_path, key_file="missing.key")
    assert any("не найден" in e for e in errors_for(tmp_path, config))
    config = agent_config(tmp_path)
    (tmp_path / "agent.key").write_text("0011")
    assert any("слишком короткий: 2 байт" in e for e in errors_for(tmp_path, config))


def test_meter_without_serial_is_named_by_position(tmp_path: Path) -> None:
    config = agent_config(tmp_path)
    del config["meters"][2]["serial"]
    errors = errors_for(tmp_path, config)
    assert errors == ['Счётчик №3 в списке: поле "serial": не указано']


def test_syntax_errors_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "agent.json"
    path.write_text('{"agent_id": "x",\n "meters": [}', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert "ошибка синтаксиса JSON в строке 2" in caught.value.errors[0]
    with pytest.raises(ConfigError, match="не найден"):
        load_config(tmp_path / "nope.json")


def test_fixed_offset_time_zone_and_meter_override(tmp_path: Path) -> None:
    config = agent_config(tmp_path, meter_timezone="+05:00")
    config["meters"][0]["timezone"] = "UTC+07:00"
    parsed = load_config(write_config(tmp_path, config))
    assert parsed.meters[0].timezone.utcoffset(None) == timedelta(hours=7)
    assert parsed.meters[1].timezone.utcoffset(None) == timedelta(hours=5)


def test_example_config_is_valid() -> None:
    example = Path(__file__).resolve().parents[1] / "examples" / "agent.json"
    data = json.loads(example.read_text(encoding="utf-8"))
    assert data["meters"], "the example shows meters"
    with pytest.raises(ConfigError) as caught:  # its key file lives on the concentrator, not here
        load_config(example)
    assert [e for e in caught.value.errors if "key_file" not in e] == []


def test_protocol_specific_checks(tmp_path: Path) -> None:
    config = agent_config(tmp_path)
    config["meters"][0]["baud"] = 38400  # IEC mode C negotiates up to 19200
    config["meters"][1].update(address=250, read=["registers", "relay"])
    errors = errors_for(tmp_path, config)
    assert errors == [
        'Счётчик 012345: для iec62056-21 скорость "baud" не выше 19200 (режим C согласует до 19200 бод)',
        'Счётчик 777001: поле "address": для протокола mercury230 нужен сетевой адрес от 0 до 247 '
        "(0 — общий, только для счётчика, одного на порту), указано 250",
        'Счётчик 777001: протокол mercury230 не позволяет читать "relay" — уберите из поля "read"',
    ]
    del config["meters"][1]["read"]
    config["meters"][1]["address"] = "17"
    config["meters"][0]["baud"] = 19200
    config["meters"][2]["address"] = "1:145"
    parsed = load_config(write_config(tmp_path, config))
    assert parsed.meters[1].read == ("clock", "registers", "profile", "events")
    assert parsed.meters[1].address == "17" and parsed.meters[2].address == "1:145"
