"""Meter simulator: Mercury 230, IEC 62056-21 mode C, Energomera CE102M/CE301/CE303 and
DLMS/COSEM (HDLC) meters on pseudo-terminals, for tests and for the local demo.

Configuration (JSON), one bus per protocol line; every bus gets its own pty:

    {
      "clock_start": "2024-05-18T01:00:00Z",     # optional: pin the simulated "now"
      "buses": [
        {"name": "rs485-1", "protocol": "dlms", "baud": 9600, "wire_time": false,
         "meters": [
           {"serial": "0123456789", "address": "17", "password": "12345678",
            "drift_seconds": 4.5, "relay": "on", "prosumer": false,
            "utc_offset_minutes": 180,
            "faults": {"corrupt_every": 0, "drop_every": 0},
            "reports_relay": false, "keeps_logbook": true,      # IEC only
            "type": "CE301"}                                     # Energomera only: CE102M, CE301, CE303
         ]}
      ]
    }

A flat {"meters": [{..., "protocol": "mercury230"}]} is also accepted: meters are then
grouped into one bus per protocol. Addresses: IEC — the device address of the sign-on;
DLMS — the HDLC physical (lower) address, logical device 1; Mercury — 1..247 (0, the
broadcast address, reaches a meter alone on its bus); Energomera — the sign-on address,
at the bus speed (9600 by default) rather than at 300 baud.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

from .bus import Bus, Faults, SimMeter

__all__ = ["Bus", "Faults", "SimMeter", "Simulator"]

_PROTOCOLS = ("iec62056-21", "dlms", "mercury230", "energomera")


class Simulator:
    def __init__(self, buses: list[Bus]) -> None:
        self.buses = buses

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Simulator:
        offset = timedelta(0)
        if config.get("clock_start"):
            start = datetime.fromisoformat(str(config["clock_start"]).replace("Z", "+00:00"))
            if start.tzinfo is None:
                raise ValueError("clock_start: укажите часовой пояс (например, ...Z)")
            offset = start - datetime.now(timezone.utc)
        bus_specs = list(config.get("buses", []))
        if config.get("meters"):
            grouped: dict[str, list[dict[str, Any]]] = {}
            for meter in config["meters"]:
                grouped.setdefault(meter.get("protocol", ""), []).append(meter)
            bus_specs += [{"name": p, "protocol": p, "meters": m} for p, m in grouped.items()]
        buses = []
        for index, spec in enumerate(bus_specs):
            protocol = spec.get("protocol", "")
            if protocol not in _PROTOCOLS:
                raise ValueError(f"шина {index}: неизвестный протокол {protocol!r}")
            meters = [_meter(m, protocol, offset) for m in spec.get("meters", [])]
            if not meters:
                raise ValueError(f"шина {index}: нет счётчиков")
            addresses = [m.address for m in meters]
            if len(set(addresses)) != len(addresses):
                raise ValueError(f"шина {index}: повторяющиеся адреса {addresses}")
            buses.append(
                Bus(
                    spec.get("name", f"bus{index}"),
                    protocol,
                    meters,
                    baud=int(spec.get("baud", 9600)),
                    wire_time=bool(spec.get("wire_time", False)),
                )
            )
        return cls(buses)

    @classmethod
    def from_file(cls, path: str) -> Simulator:
        with open(path, encoding="utf-8") as handle:
            return cls.from_config(json.load(handle))

    def start(self) -> Simulator:
        for bus in self.buses:
            bus.start()
        return self

    def stop(self) -> None:
        for bus in self.buses:
            bus.stop()

    def bus(self, protocol: str) -> Bus:
        for bus in self.buses:
            if bus.protocol == protocol:
                return bus
        raise KeyError(protocol)

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _meter(spec: dict[str, Any], protocol: str, offset: timedelta) -> SimMeter:
    if "serial" not in spec:
        raise ValueError("у счётчика в конфигурации нет serial")
    faults = spec.get("faults") or {}
    relay = spec.get("relay", "on")
    password: str | None = spec.get("password")
    return SimMeter(
        serial=str(spec["serial"]),
        protocol=protocol,
        address=str(spec.get("address", "")),
        password=password,
        admin_password=spec.get("admin_password"),
        drift_seconds=float(spec.get("drift_seconds", 0.0)),
        relay_connected=relay in ("on", True, "connected"),
        utc_offset_minutes=int(spec.get("utc_offset_minutes", 180)),
        prosumer=bool(spec.get("prosumer", False)),
        max_baud_char=str(spec.get("max_baud_char", "5")),
        reports_relay=bool(spec.get("reports_relay", False)),
        keeps_logbook=bool(spec.get("keeps_logbook", True)),
        meter_type=str(spec.get("type", "CE301")),
        faults=Faults(int(faults.get("corrupt_every", 0)), int(faults.get("drop_every", 0))),
        clock_offset=offset,
    )
