"""Protocol name → meter-side server class."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .bus import Bus, Server, SimMeter


def make_server(bus: Bus, protocol: str, meters: list[SimMeter]) -> Server:
    if protocol == "iec62056-21":
        from .iec_server import IecServer

        return IecServer(bus, meters)
    if protocol == "dlms":
        from .dlms_server import DlmsServer

        return DlmsServer(bus, meters)
    if protocol == "energomera":
        from .energomera_server import EnergomeraServer

        return EnergomeraServer(bus, meters)
    if protocol == "mercury230":
        from .mercury_server import MercuryServer

        return MercuryServer(bus, meters)
    raise ValueError(f"симулятор не знает протокол {protocol!r}")
