"""A Transport over a pyserial port (a real RS-485/optical adapter or a pseudo-terminal).

Framing defaults follow the protocols: IEC 62056-21 mode C starts at 300 baud 7E1
(Energomera's dialect at 9600 7E1);
DLMS over HDLC and Mercury 230 use 8N1 (9600 baud is the usual factory setting).
"""

from __future__ import annotations

import select
import termios
import time
from typing import Any

import serial

from .base import ProtocolError, Transport

# Reads wake up at least this often to check the caller's deadline. The port's own read
# timeout is never changed: that reconfigures the port (and a pty rejects it).
_POLL = 0.05

# Line settings per protocol: (baudrate, bytesize, parity, stopbits).
LINE_DEFAULTS: dict[str, tuple[int, int, str, float]] = {
    "iec62056-21": (300, serial.SEVENBITS, serial.PARITY_EVEN, serial.STOPBITS_ONE),
    "dlms": (9600, serial.EIGHTBITS, serial.PARITY_NONE, serial.STOPBITS_ONE),
    "mercury230": (9600, serial.EIGHTBITS, serial.PARITY_NONE, serial.STOPBITS_ONE),
    # Energomera's RS-485 interface signs on at its own speed (9600 from the factory), 7E1.
    "energomera": (9600, serial.SEVENBITS, serial.PARITY_EVEN, serial.STOPBITS_ONE),
}


class SerialTransport(Transport):
    """Half-duplex byte channel on a serial port.

    `read(size, timeout)` returns as soon as at least one byte is there, so a caller that
    needs a fixed number of bytes uses `read_exact`; the timeout is the silence allowed
    before the first byte (the meter's reaction time plus line delay).
    """

    def __init__(
        self,
        port: str | None = None,
        *,
        protocol: str = "dlms",
        baudrate: int | None = None,
        bytesize: int | None = None,
        parity: str | None = None,
        stopbits: float | None = None,
        serial_port: Any | None = None,
    ) -> None:
        if protocol not in LINE_DEFAULTS:
            raise ValueError(f"неизвестный протокол для линии связи: {protocol}")
        d_baud, d_size, d_parity, d_stop = LINE_DEFAULTS[protocol]
        if serial_port is not None:
            self._port = serial_port  # an already configured pyserial object (tests, TCP)
        else:
            try:
                self._port = serial.Serial(
                    port,
                    baudrate=baudrate or d_baud,
                    bytesize=bytesize or d_size,
                    parity=parity or d_parity,
                    stopbits=stopbits or d_stop,
                    timeout=0,
                )
            except serial.SerialException as exc:
                raise ProtocolError(f"не удалось открыть порт {port}: {exc}") from exc

    @property
    def port(self) -> Any:
        return self._port

    @property
    def baudrate(self) -> int:
        return int(self._port.baudrate)

    def write(self, data: bytes) -> None:
        try:
            self._port.write(data)
            # Wait until the bytes left the UART: on RS-485 the line direction switches
            # right after, and IEC 62056-21 switches the baud rate right after the ACK.
            self._port.flush()
        except serial.SerialException as exc:
            raise ProtocolError(f"ошибка записи в порт: {exc}") from exc

    def read(self, size: int, timeout: float) -> bytes:
        deadline = time.monotonic() + timeout
        try:
            while True:
                waiting = self._port.in_waiting
                if waiting:
                    data: bytes = self._port.read(min(size, waiting))
                    return data
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return b""
                self._wait(min(remaining, _POLL))
        except serial.SerialException as exc:
            raise ProtocolError(f"ошибка чтения из порта: {exc}") from exc

    def _wait(self, seconds: float) -> None:
        """Sleeps until input arrives or `seconds` pass, whatever read timeout the port
        object was opened with (the runtime opens ports non-blocking)."""
        try:
            fd = self._port.fileno()
        except (AttributeError, OSError, ValueError, serial.SerialException):
            fd = None
        if fd is None:
            time.sleep(min(seconds, 0.002))
            return
        select.select([fd], [], [], seconds)

    def set_baudrate(self, baudrate: int) -> None:
        if int(self._port.baudrate) == baudrate:
            return  # no needless reconfiguration (a pty even rejects a no-op change)
        try:
            self._port.baudrate = baudrate
        except (serial.SerialException, ValueError, termios.error) as exc:
            raise ProtocolError(f"порт не принимает скорость {baudrate}: {exc}") from exc

    def discard_input(self) -> None:
        try:
            self._port.reset_input_buffer()
        except serial.SerialException:
            pass

    def close(self) -> None:
        try:
            self._port.close()
        except serial.SerialException:
            pass
