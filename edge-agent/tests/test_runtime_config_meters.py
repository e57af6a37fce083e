"""Config for the Energomera driver, Mercury's broadcast address and an IEC relay, and the driver
options the runtime derives from it."""

from __future__ import annotations

from pathlib import Path

import pytest
from runtime_fakes import agent_config, write_config

from kabinet_agent.config import ConfigError, load_config
from kabinet_agent.runtime import driver_options

ENERGOMERA = {
    "serial": "009218054000123",
    "port": "/dev/ttyUSB2",
    "address": "218054123",
    "protocol": "energomera",
    "password": "777777",
}


def test_energomera_meter_defaults(tmp_path: Path) -> None:
    config = agent_config(tmp_path)
    config["meters"].append(dict(ENERGOMERA))
    meter = load_config(write_config(tmp_path, config)).meters[3]
    # No relay and no journal read from these meters; registers (with day snapshots), profile, clock.
    assert meter.read == ("clock", "registers", "profile")
    assert driver_options(meter) == {"profile_minutes": 30, "baud": 9600}


def test_energomera_refuses_what_it_cannot_read_and_too_fast_a_line(tmp_path: Path) -> None:
    config = agent_config(tmp_path)
    config["meters"].append(dict(ENERGOMERA, read=["registers", "relay"], baud=38400))
    with pytest.raises(ConfigError) as caught:
        load_config(write_config(tmp_path, config))
    assert caught.value.errors == [
        'Счётчик 009218054000123: для energomera скорость "baud" не выше 19200 (режим C согласует до 19200 бод)',
        'Счётчик 009218054000123: протокол energomera не позволяет читать "relay" — уберите из поля "read"',
    ]


def test_mercury_address_0_only_alone_on_its_port(tmp_path: Path) -> None:
    config = agent_config(tmp_path)
    config["meters"][1].update(address=0, port="/dev/ttyUSB3")
    assert load_config(write_config(tmp_path, config)).meters[1].address == "0"
    config["meters"].append({"serial": "777002", "port": "/dev/ttyUSB3", "address": 18, "protocol": "mercury230"})
    with pytest.raises(ConfigError) as caught:
        load_config(write_config(tmp_path, config))
    assert caught.value.errors == [
        "Счётчик 777001: адрес 0 (общий) допустим, только если счётчик один на порту /dev/ttyUSB3"
    ]


def test_iec_relay_is_read_only_when_asked(tmp_path: Path) -> None:
    config = agent_config(tmp_path)
    config["meters"][0]["read"] = ["registers", "relay"]
    assert load_config(write_config(tmp_path, config)).meters[0].read == ("registers", "relay")
    del config["meters"][0]["read"]
    assert "relay" not in load_config(write_config(tmp_path, config)).meters[0].read
