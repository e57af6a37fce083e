"""What a meter read produces. These records are what the agent stores and uploads.

Times are timezone-aware UTC. Energies are in kWh / kvarh (registers: totals since
manufacture; intervals: energy within the interval). The upload JSON is `to_json()`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Dict, Optional

# Energy channels, in the order the portal shows them.
CHANNELS = ("A+", "A-", "R+", "R-")


def _iso(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("record times must be timezone-aware")
    return value.isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class RegisterReading:
    meter: str
    read_at: datetime
    values: Dict[str, float]  # channel -> cumulative total
    kind: str = field(default="register", init=False)

    def to_json(self) -> dict:
        return {"kind": self.kind, "meter": self.meter, "read_at": _iso(self.read_at),
                "values": dict(self.values)}


@dataclass(frozen=True)
class Interval:
    """One load-profile interval. `status` is "ok", "estimated" (the meter flagged it) or
    "missing" (the meter has no value; `values` is then empty — never invented)."""
    meter: str
    start: datetime
    minutes: int
    values: Dict[str, float]
    status: str = "ok"
    kind: str = field(default="interval", init=False)

    def to_json(self) -> dict:
        return {"kind": self.kind, "meter": self.meter, "start": _iso(self.start),
                "minutes": self.minutes, "values": dict(self.values), "status": self.status}


@dataclass(frozen=True)
class MeterEvent:
    meter: str
    at: datetime
    journal: str      # e.g. "voltage", "current", "relay", "tamper", "power"
    code: str         # meter's own event code, as text
    severity: str     # "info" | "warning" | "critical"
    text: str         # Russian description for the event journal
    kind: str = field(default="event", init=False)

    def to_json(self) -> dict:
        return {"kind": self.kind, "meter": self.meter, "at": _iso(self.at), "journal": self.journal,
                "code": self.code, "severity": self.severity, "text": self.text}


@dataclass(frozen=True)
class RelayState:
    meter: str
    at: datetime
    connected: bool
    kind: str = field(default="relay", init=False)

    def to_json(self) -> dict:
        return {"kind": self.kind, "meter": self.meter, "at": _iso(self.at),
                "state": "on" if self.connected else "off"}


@dataclass(frozen=True)
class ClockReading:
    meter: str
    meter_time: datetime   # what the meter says (converted to UTC)
    agent_time: datetime   # agent's clock at the moment of reading

    @property
    def drift_seconds(self) -> float:
        return (self.meter_time - self.agent_time).total_seconds()


Record = object  # RegisterReading | Interval | MeterEvent | RelayState (py3.9: no `X | Y` at runtime)


def record_from_json(data: dict) -> "Record":
    """Inverse of `to_json`, used by the store to rebuild records."""
    kind = data["kind"]
    if kind == "register":
        return RegisterReading(data["meter"], _parse(data["read_at"]), dict(data["values"]))
    if kind == "interval":
        return Interval(data["meter"], _parse(data["start"]), int(data["minutes"]),
                        dict(data["values"]), data.get("status", "ok"))
    if kind == "event":
        return MeterEvent(data["meter"], _parse(data["at"]), data["journal"], data["code"],
                          data["severity"], data["text"])
    if kind == "relay":
        return RelayState(data["meter"], _parse(data["at"]), data["state"] == "on")
    raise ValueError(f"unknown record kind: {kind}")


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def optional_float(value: Optional[str]) -> Optional[float]:
    return None if value in (None, "") else float(value)
