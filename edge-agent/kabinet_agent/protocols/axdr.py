"""A-XDR encoding of COSEM `Data` (IEC 62056-6-2 / Blue Book) and the 12-byte date-time.

Decoded values map to Python as: null-data → None, array → list, structure → tuple,
boolean → bool, integers/enum → int, octet-string → bytes, visible/utf8-string → str,
float32/64 → float, bit-string → str of "0"/"1", date-time (tag 25) → CosemDateTime.
Encoding goes through small helpers (`enc_*`) because the encoder must know the COSEM
type, which a Python value alone does not tell (an int may be unsigned, long, enum...).
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any, Callable

from .base import ProtocolError

NULL, ARRAY, STRUCTURE, BOOLEAN, BIT_STRING = 0, 1, 2, 3, 4
DOUBLE_LONG, DOUBLE_LONG_UNSIGNED, OCTET_STRING, VISIBLE_STRING = 5, 6, 9, 10
UTF8_STRING, BCD, INTEGER, LONG, UNSIGNED, LONG_UNSIGNED = 12, 13, 15, 16, 17, 18
COMPACT_ARRAY, LONG64, LONG64_UNSIGNED, ENUM, FLOAT32, FLOAT64 = 19, 20, 21, 22, 23, 24
DATE_TIME, DATE, TIME = 25, 26, 27

# Fixed-size numeric types: tag -> struct format (big-endian on the wire).
_FIXED: dict[int, str] = {
    DOUBLE_LONG: ">i",
    DOUBLE_LONG_UNSIGNED: ">I",
    INTEGER: ">b",
    LONG: ">h",
    UNSIGNED: ">B",
    LONG_UNSIGNED: ">H",
    LONG64: ">q",
    LONG64_UNSIGNED: ">Q",
    ENUM: ">B",
    FLOAT32: ">f",
    FLOAT64: ">d",
    BCD: ">B",
}


# --- length (BER-style, as A-XDR uses for variable-length items) -------------------------


def encode_length(length: int) -> bytes:
    if length < 0x80:
        return bytes((length,))
    body = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes((0x80 | len(body),)) + body


def decode_length(buf: bytes, pos: int) -> tuple[int, int]:
    if pos >= len(buf):
        raise ProtocolError("A-XDR: данные оборвались на поле длины")
    first = buf[pos]
    if first < 0x80:
        return first, pos + 1
    count = first & 0x7F
    if count == 0 or count > 4 or pos + 1 + count > len(buf):
        raise ProtocolError(f"A-XDR: неверное поле длины 0x{first:02X}")
    return int.from_bytes(buf[pos + 1 : pos + 1 + count], "big"), pos + 1 + count


# --- COSEM date-time ---------------------------------------------------------------------

DEVIATION_UNSPECIFIED = -0x8000
CLOCK_INVALID, CLOCK_DOUBTFUL = 0x01, 0x02


@dataclass(frozen=True)
class CosemDateTime:
    """The 12-byte COSEM date-time with its clock status.

    `deviation` is in minutes with the Blue Book (ed. ≤ 12) meaning UTC = local + deviation,
    so Moscow time (UTC+3) carries −180; −0x8000 means "not specified".
    """

    local: datetime  # naive wall-clock time as the meter shows it
    deviation: int
    status: int

    def to_utc(self, default_tz: tzinfo) -> datetime:
        if self.deviation == DEVIATION_UNSPECIFIED:
            return self.local.replace(tzinfo=default_tz).astimezone(timezone.utc)
        return (self.local + timedelta(minutes=self.deviation)).replace(tzinfo=timezone.utc)

    @property
    def doubtful(self) -> bool:
        return bool(self.status & (CLOCK_INVALID | CLOCK_DOUBTFUL))

    @classmethod
    def decode(cls, raw: bytes) -> CosemDateTime | None:
        """None when the date is "not specified" (0xFFFF year etc.), as in an empty slot."""
        if len(raw) != 12:
            raise ProtocolError(f"дата-время COSEM должна занимать 12 байт, а не {len(raw)}")
        year = int.from_bytes(raw[0:2], "big")
        month, day, _weekday, hour, minute, second, hundredths = raw[2:9]
        deviation = int.from_bytes(raw[9:11], "big", signed=True)
        if year == 0xFFFF or month in (0xFF, 0xFD, 0xFE) or day in (0xFF, 0xFD, 0xFE) or hour == 0xFF or minute == 0xFF:
            return None
        second = 0 if second == 0xFF else second
        hundredths = 0 if hundredths == 0xFF else hundredths
        try:
            local = datetime(year, month, day, hour, minute, second, hundredths * 10000)
        except ValueError as exc:
            raise ProtocolError(f"недопустимая дата-время COSEM {raw.hex()}: {exc}") from exc
        return cls(local, deviation, raw[11])

    def encode(self) -> bytes:
        dt = self.local
        return (
            dt.year.to_bytes(2, "big")
            + bytes((dt.month, dt.day, dt.isoweekday(), dt.hour, dt.minute, dt.second, dt.microsecond // 10000))
            + self.deviation.to_bytes(2, "big", signed=True)
            + bytes((self.status,))
        )

    @classmethod
    def from_datetime(cls, moment: datetime, tz: tzinfo | None = None, status: int = 0) -> CosemDateTime:
        """Local time in `tz` (UTC when None) with the matching deviation."""
        if moment.tzinfo is None:
            raise ValueError("нужно время с часовым поясом")
        local = moment.astimezone(tz or timezone.utc)
        offset = local.utcoffset() or timedelta(0)
        return cls(local.replace(tzinfo=None), -int(offset.total_seconds() // 60), status)


# --- decoding ----------------------------------------------------------------------------


def decode_data(buf: bytes, pos: int = 0) -> tuple[Any, int]:
    """One A-XDR `Data` item at `pos`; returns (value, position after it)."""
    if pos >= len(buf):
        raise ProtocolError("A-XDR: данные оборвались, ожидался тег типа")
    tag = buf[pos]
    pos += 1
    if tag == NULL:
        return None, pos
    if tag in (ARRAY, STRUCTURE):
        count, pos = decode_length(buf, pos)
        items: list[Any] = []
        for _ in range(count):
            item, pos = decode_data(buf, pos)
            items.append(item)
        return (items if tag == ARRAY else tuple(items)), pos
    if tag == BOOLEAN:
        _need(buf, pos, 1)
        return buf[pos] != 0, pos + 1
    if tag in _FIXED:
        fmt = _FIXED[tag]
        size = struct.calcsize(fmt)
        _need(buf, pos, size)
        value = struct.unpack_from(fmt, buf, pos)[0]
        return value, pos + size
    if tag in (OCTET_STRING, VISIBLE_STRING, UTF8_STRING):
        length, pos = decode_length(buf, pos)
        _need(buf, pos, length)
        raw = bytes(buf[pos : pos + length])
        if tag == OCTET_STRING:
            return raw, pos + length
        return raw.decode("utf-8" if tag == UTF8_STRING else "latin-1"), pos + length
    if tag == BIT_STRING:
        bits, pos = decode_length(buf, pos)
        size = (bits + 7) // 8
        _need(buf, pos, size)
        text = "".join(f"{b:08b}" for b in buf[pos : pos + size])[:bits]
        return text, pos + size
    if tag == DATE_TIME:
        _need(buf, pos, 12)
        return CosemDateTime.decode(bytes(buf[pos : pos + 12])), pos + 12
    if tag in (DATE, TIME):
        size = 5 if tag == DATE else 4
        _need(buf, pos, size)
        return bytes(buf[pos : pos + size]), pos + size
    raise ProtocolError(f"A-XDR: тип данных {tag} не поддерживается")


def decode_all(buf: bytes) -> Any:
    value, pos = decode_data(buf, 0)
    if pos != len(buf):
        raise ProtocolError(f"A-XDR: лишние {len(buf) - pos} байт после данных")
    return value


def _need(buf: bytes, pos: int, size: int) -> None:
    if pos + size > len(buf):
        raise ProtocolError(f"A-XDR: данные оборвались (нужно {size} байт с позиции {pos})")


# --- encoding ----------------------------------------------------------------------------


def enc_array(items: Sequence[bytes]) -> bytes:
    return bytes((ARRAY,)) + encode_length(len(items)) + b"".join(items)


def enc_structure(items: Sequence[bytes]) -> bytes:
    return bytes((STRUCTURE,)) + encode_length(len(items)) + b"".join(items)


def enc_bool(value: bool) -> bytes:
    return bytes((BOOLEAN, 1 if value else 0))


def enc_octet_string(value: bytes) -> bytes:
    return bytes((OCTET_STRING,)) + encode_length(len(value)) + value


def enc_date_time(value: CosemDateTime) -> bytes:
    """Date-times travel as octet-string(12) in practice (profiles, clock attribute 2)."""
    return enc_octet_string(value.encode())


def _fixed(tag: int) -> Callable[[Any], bytes]:
    def encode(value: Any) -> bytes:
        return bytes((tag,)) + struct.pack(_FIXED[tag], value)

    return encode


enc_double_long_unsigned = _fixed(DOUBLE_LONG_UNSIGNED)
enc_integer = _fixed(INTEGER)
enc_unsigned = _fixed(UNSIGNED)
enc_long_unsigned = _fixed(LONG_UNSIGNED)
enc_enum = _fixed(ENUM)
