"""Meter protocol drivers. `driver_for(name)` gives the MeterDriver class for a protocol
name as it appears in the agent configuration."""

from __future__ import annotations

from .base import AccessDenied, MeterDriver, MeterTimeout, NotSupported, ProtocolError, Transport
from .dlms import DlmsDriver
from .energomera import EnergomeraDriver
from .iec62056_21 import Iec62056Driver
from .mercury230 import Mercury230Driver

DRIVERS: dict[str, type[MeterDriver]] = {
    "iec62056-21": Iec62056Driver,
    "dlms": DlmsDriver,
    "mercury230": Mercury230Driver,
    "energomera": EnergomeraDriver,
}


def driver_for(protocol: str) -> type[MeterDriver]:
    try:
        return DRIVERS[protocol]
    except KeyError:
        known = ", ".join(sorted(DRIVERS))
        raise ValueError(f"неизвестный протокол счётчика {protocol!r} (известны: {known})") from None


__all__ = [
    "DRIVERS",
    "AccessDenied",
    "MeterDriver",
    "MeterTimeout",
    "NotSupported",
    "ProtocolError",
    "Transport",
    "driver_for",
]
