"""Check sums used by the meter protocols, table-driven.

* CRC-16/X.25 — the HDLC HCS/FCS of IEC 62056-46 (reflected poly 0x1021 → 0x8408,
  init 0xFFFF, final XOR 0xFFFF). Check value: crc16_x25(b"123456789") == 0x906E.
  On the wire it goes least significant byte first.
* CRC-16/MODBUS — used by Incotex Mercury 230 frames (reflected poly 0x8005 → 0xA001,
  init 0xFFFF, no final XOR). Check value: crc16_modbus(b"123456789") == 0x4B37.
  On the wire it also goes least significant byte first.
* BCC — the IEC 62056-21 block check character: XOR of the bytes.
* 7-bit sum — the block check of Energomera's dialect of IEC 62056-21 (CE102M, CE301,
  CE303): the arithmetic sum of the same bytes, modulo 0x80. The break `SOH B0 ETX` thus
  ends in 0x75 there and 0x71 in the standard.
"""

from __future__ import annotations


def _reflected_table(poly: int) -> list[int]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ poly if crc & 1 else crc >> 1
        table.append(crc)
    return table


_X25_TABLE = _reflected_table(0x8408)
_MODBUS_TABLE = _reflected_table(0xA001)


def crc16_x25(data: bytes) -> int:
    crc = 0xFFFF
    for byte in data:
        crc = (crc >> 8) ^ _X25_TABLE[(crc ^ byte) & 0xFF]
    return crc ^ 0xFFFF


def crc16_modbus(data: bytes) -> int:
    crc = 0xFFFF
    for byte in data:
        crc = (crc >> 8) ^ _MODBUS_TABLE[(crc ^ byte) & 0xFF]
    return crc


def crc16_le(value: int) -> bytes:
    """Both CRCs are transmitted least significant byte first."""
    return bytes((value & 0xFF, (value >> 8) & 0xFF))


def bcc_xor(data: bytes) -> int:
    result = 0
    for byte in data:
        result ^= byte
    return result


def bcc_sum7(data: bytes) -> int:
    return sum(data) & 0x7F
