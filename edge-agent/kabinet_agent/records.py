"""What a meter read produces. These records are what the agent stores and uploads.

Times are timezone-aware UTC. Energies are in kWh / kvarh (registers: totals since
manufacture; intervals: energy within the interval). The upload JSON is `to_json()`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone, tzinfo
from typing import Any, Union

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
    values: dict[str, float]  # channel -> cumulative total
    kind: str = field(default="register", init=False)

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "meter": self.meter, "read_at": _iso(self.read_at), "values": dict(self.values)}


@dataclass(frozen=True)
class Interval:
    """One load-profile interval. `status` is "ok", "estimated" (the meter flagged it) or
    "missing" (the meter has no value; `values` is then empty — never invented)."""

    meter: str
    start: datetime
    minutes: int
    values: dict[str, float]
    status: str = "ok"
    kind: str = field(default="interval", init=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "meter": self.meter,
            "start": _iso(self.start),
            "minutes": self.minutes,
            "values": dict(self.values),
            "status": self.status,
        }


@dataclass(frozen=True)
class MeterEvent:
    meter: str
    at: datetime
    journal: str  # e.g. "voltage", "current", "relay", "tamper", "power"
    code: str  # meter's own event code, as text
    severity: str  # "info" | "warning" | "critical"
    text: str  # Russian description for the event journal
    kind: str = field(default="event", init=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "meter": self.meter,
            "at": _iso(self.at),
            "journal": self.journal,
            "code": self.code,
            "severity": self.severity,
            "text": self.text,
        }


@dataclass(frozen=True)
class RelayState:
    meter: str
    at: datetime
    connected: bool
    kind: str = field(default="relay", init=False)

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "meter": self.meter, "at": _iso(self.at), "state": "on" if self.connected else "off"}


def day_start(day: date, tz: tzinfo) -> datetime:
    """UTC instant of the meter-local midnight that starts `day`."""
    return datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(timezone.utc)


@dataclass(frozen=True)
class DaySnapshot:
    """Register totals at the start of a meter-local day (показания на начало суток), the
    basis of Russian billing. `day_start` is the UTC instant of that day's meter-local
    midnight. `source` is "meter" when the meter stored them itself (DLMS daily profile,
    Mercury day arrays, Energomera day-end registers) and "first_after_midnight" when the
    meter keeps none and the agent took its first register reading after midnight."""

    meter: str
    day: date
    day_start: datetime
    values: dict[str, float]
    source: str = "meter"
    kind: str = field(default="snapshot", init=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "meter": self.meter,
            "day": self.day.isoformat(),
            "day_start": _iso(self.day_start),
            "values": dict(self.values),
            "source": self.source,
        }


@dataclass(frozen=True)
class ClockReading:
    meter: str
    meter_time: datetime  # what the meter says (converted to UTC)
    agent_time: datetime  # agent's clock at the moment of reading

    @property
    def drift_seconds(self) -> float:
        return (self.meter_time - self.agent_time).total_seconds()


Record = Union[RegisterReading, Interval, MeterEvent, RelayState, DaySnapshot]  # py3.9: no `X | Y` at run time


def record_from_json(data: dict[str, Any]) -> Record:
    """Inverse of `to_json`, used by the store to rebuild records."""
    kind = data["kind"]
    if kind == "register":
        return RegisterReading(data["meter"], _parse(data["read_at"]), dict(data["values"]))
    if kind == "interval":
        return Interval(
            data["meter"], _parse(data["start"]), int(data["minutes"]), dict(data["values"]), data.get("status", "ok")
        )
    if kind == "event":
        return MeterEvent(
            data["meter"], _parse(data["at"]), data["journal"], data["code"], data["severity"], data["text"]
        )
    if kind == "relay":
        return RelayState(data["meter"], _parse(data["at"]), data["state"] == "on")
    if kind == "snapshot":
        return DaySnapshot(
            data["meter"],
            date.fromisoformat(data["day"]),
            _parse(data["day_start"]),
            dict(data["values"]),
            data.get("source", "meter"),
        )
    raise ValueError(f"unknown record kind: {kind}")


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def optional_float(value: str | None) -> float | None:
    return None if value in (None, "") else float(value)
