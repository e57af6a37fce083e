"""The contract every meter driver fulfils, and the byte transport it talks over."""

from __future__ import annotations

import abc
from collections.abc import Sequence
from datetime import date, datetime, timezone, tzinfo

from ..records import ClockReading, DaySnapshot, Interval, MeterEvent, RegisterReading, RelayState


class ProtocolError(Exception):
    """The meter answered something we cannot accept (bad checksum, unexpected frame)."""


class MeterTimeout(ProtocolError):
    """The meter did not answer in time."""


class AccessDenied(ProtocolError):
    """The meter refused the password / association."""


class NotSupported(ProtocolError):
    """This meter (model, firmware) does not keep that data at all. The poller skips the item
    and goes on with the session instead of counting it as a failed poll."""


class Transport(abc.ABC):
    """A half-duplex byte channel to one bus (a serial port, a pty, a TCP bridge)."""

    @abc.abstractmethod
    def write(self, data: bytes) -> None: ...

    @abc.abstractmethod
    def read(self, size: int, timeout: float) -> bytes:
        """Up to `size` bytes; fewer (possibly none) when `timeout` seconds pass without data."""

    @abc.abstractmethod
    def set_baudrate(self, baudrate: int) -> None: ...

    def read_exact(self, size: int, timeout: float) -> bytes:
        data = b""
        while len(data) < size:
            chunk = self.read(size - len(data), timeout)
            if not chunk:
                raise MeterTimeout(f"ожидалось {size} байт, получено {len(data)}")
            data += chunk
        return data

    def read_until(self, terminator: bytes, limit: int, timeout: float) -> bytes:
        """Bytes up to and including `terminator` (text protocols: IEC 62056-21 lines)."""
        data = b""
        while not data.endswith(terminator):
            if len(data) >= limit:
                raise ProtocolError(f"нет конца строки в первых {limit} байтах ответа")
            chunk = self.read(1, timeout)
            if not chunk:
                raise MeterTimeout(f"ответ оборвался после {len(data)} байт")
            data += chunk
        return data

    def discard_input(self) -> None:  # noqa: B027 - an optional hook, a no-op by default
        """Drop stale bytes (a late answer to a previous request) before a new request.
        Transports that cannot do it leave the default no-op."""


class MeterDriver(abc.ABC):
    """One protocol session with one meter at `address` on a bus.

    `meter_tz` is the time zone the meter's clock keeps (Russian meters usually keep local
    time, e.g. UTC+3). It is used where the protocol does not carry the offset itself;
    every time a driver returns is converted to UTC.
    """

    protocol: str = ""

    def __init__(
        self,
        transport: Transport,
        serial: str,
        address: str,
        password: str | None = None,
        timeout: float = 2.0,
        meter_tz: tzinfo | None = None,
    ) -> None:
        self.transport = transport
        self.serial = serial
        self.address = address
        self.password = password
        self.timeout = timeout
        self.meter_tz: tzinfo = meter_tz or timezone.utc

    @abc.abstractmethod
    def read_registers(self) -> RegisterReading: ...

    @abc.abstractmethod
    def read_profile(self, since: datetime, until: datetime) -> list[Interval]:
        """Intervals whose start is in [since, until); a gap comes back as status "missing"."""

    @abc.abstractmethod
    def read_events(self, since: datetime) -> list[MeterEvent]: ...

    @abc.abstractmethod
    def read_relay(self) -> RelayState: ...

    @abc.abstractmethod
    def read_clock(self) -> ClockReading: ...

    def read_day_snapshots(self, days: Sequence[date]) -> list[DaySnapshot]:
        """The registers the meter stored at the start (meter-local midnight) of each of `days`;
        days the meter no longer (or not yet) holds are left out. A driver of a meter that stores
        no day-start registers keeps this default: the poller then takes the first register
        reading after midnight instead."""
        raise NotSupported("показания на начало суток: счётчик их не хранит")

    def close(self) -> None:  # noqa: B027 - an optional hook, a no-op by default
        """End the session politely (disconnect frame, break); must not raise."""
