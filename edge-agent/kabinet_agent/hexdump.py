"""`--verbose` frame tracing: a Transport wrapper that logs every byte exchanged with the bus."""

from __future__ import annotations

from .logs import Log
from .protocols.base import Transport


def hex_line(data: bytes) -> str:
    """Hex plus printable ASCII: IEC 62056-21 is text, so "/?12345!" is easier to read than its hex."""
    text = "".join(chr(b) if 0x20 <= b < 0x7F else "." for b in data)
    return f"{data.hex(' ').upper()} |{text}|"


class HexDumpTransport(Transport):
    def __init__(self, inner: Transport, log: Log) -> None:
        self.inner = inner
        self.log = log

    def write(self, data: bytes) -> None:
        self.log.debug("→ %s", hex_line(data))
        self.inner.write(data)

    def read(self, size: int, timeout: float) -> bytes:
        data = self.inner.read(size, timeout)
        if data:
            self.log.debug("← %s", hex_line(data))
        return data

    def set_baudrate(self, baudrate: int) -> None:
        self.log.debug("скорость порта %d бод", baudrate)
        self.inner.set_baudrate(baudrate)
