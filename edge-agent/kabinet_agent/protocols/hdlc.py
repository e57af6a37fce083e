"""HDLC frame format type 3 as DLMS/COSEM uses it (IEC 62056-46 / Green Book §8.4).

    7E | A0+S+len(11 bits) | dest addr | src addr | control | HCS | info | FCS | 7E

* Addresses use the HDLC extension bit: every byte carries 7 address bits, the last
  byte has bit 0 set. The client address is one byte; the server address is 1, 2 or 4
  bytes (upper HDLC address = logical device, lower = physical device on the bus).
* Length counts everything between the flags. HCS covers format..control and is only
  present when there is an information field; FCS covers format..info. Both are
  CRC-16/X.25, least significant byte first.
* The segmentation bit S (0x08 in the first format byte) says "more of this APDU follows".
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from .base import MeterTimeout, ProtocolError, Transport
from .crc import crc16_le, crc16_x25

FLAG = 0x7E
FORMAT_TYPE3 = 0xA0
SEGMENT_BIT = 0x08

# Unnumbered/supervisory control values with the P/F bit (0x10) set.
SNRM, UA, DISC, DM, FRMR = 0x93, 0x73, 0x53, 0x1F, 0x97
RR_BASE, RNR_BASE = 0x01, 0x05
PF = 0x10

LLC_REQUEST = b"\xe6\xe6\x00"  # client → server
LLC_RESPONSE = b"\xe6\xe7\x00"  # server → client

DEFAULT_MAX_INFO = 128  # IEC 62056-46 default when SNRM/UA carry no parameters
DEFAULT_WINDOW = 1


# --- addresses ---------------------------------------------------------------------------


def encode_client_address(client: int) -> bytes:
    if not 0 <= client <= 0x7F:
        raise ValueError(f"адрес клиента HDLC должен быть 0..127, а не {client}")
    return bytes(((client << 1) | 1,))


def encode_server_address(logical: int, physical: int = 0, size: int = 2) -> bytes:
    """`size` 1: only the upper (logical) address; 2: 7+7 bits; 4: 14+14 bits."""
    if size == 1:
        if not 0 <= logical <= 0x7F:
            raise ValueError("однобайтовый адрес сервера HDLC: логический адрес 0..127")
        return bytes(((logical << 1) | 1,))
    if size == 2:
        if not (0 <= logical <= 0x7F and 0 <= physical <= 0x7F):
            raise ValueError("двухбайтовый адрес сервера HDLC: адреса 0..127")
        return bytes((logical << 1, (physical << 1) | 1))
    if size == 4:
        if not (0 <= logical <= 0x3FFF and 0 <= physical <= 0x3FFF):
            raise ValueError("четырёхбайтовый адрес сервера HDLC: адреса 0..16383")
        return bytes(((logical >> 7) << 1, (logical & 0x7F) << 1, (physical >> 7) << 1, ((physical & 0x7F) << 1) | 1))
    raise ValueError(f"длина адреса сервера HDLC 1, 2 или 4, а не {size}")


def decode_server_address(raw: bytes) -> tuple[int, int]:
    """(logical, physical) from a 1-, 2- or 4-byte server address."""
    parts = [b >> 1 for b in raw]
    if len(raw) == 1:
        return parts[0], 0
    if len(raw) == 2:
        return parts[0], parts[1]
    if len(raw) == 4:
        return (parts[0] << 7) | parts[1], (parts[2] << 7) | parts[3]
    raise ProtocolError(f"недопустимая длина адреса HDLC: {len(raw)}")


def _split_address(body: bytes, pos: int) -> tuple[bytes, int]:
    start = pos
    while pos < len(body):
        if body[pos] & 1:
            return bytes(body[start : pos + 1]), pos + 1
        pos += 1
        if pos - start > 4:
            break
    raise ProtocolError("HDLC: адрес без признака конца (бит расширения)")


# --- frames ------------------------------------------------------------------------------


@dataclass(frozen=True)
class HdlcFrame:
    dest: bytes
    src: bytes
    control: int
    info: bytes = b""
    segmented: bool = False

    @property
    def is_information(self) -> bool:
        return self.control & 0x01 == 0

    @property
    def send_seq(self) -> int:
        return (self.control >> 1) & 0x07

    @property
    def recv_seq(self) -> int:
        return (self.control >> 5) & 0x07

    @property
    def poll_final(self) -> bool:
        return bool(self.control & PF)

    @property
    def is_rr(self) -> bool:
        return self.control & 0x0F == RR_BASE


def i_control(ns: int, nr: int, final: bool = True) -> int:
    return ((nr & 7) << 5) | (PF if final else 0) | ((ns & 7) << 1)


def rr_control(nr: int) -> int:
    return ((nr & 7) << 5) | PF | RR_BASE


def encode_frame(frame: HdlcFrame) -> bytes:
    header_len = 2 + len(frame.dest) + len(frame.src) + 1
    length = header_len + (2 + len(frame.info) if frame.info else 0) + 2
    if length > 0x7FF:
        raise ValueError("кадр HDLC длиннее 2047 байт")
    fmt = bytes((FORMAT_TYPE3 | (SEGMENT_BIT if frame.segmented else 0) | (length >> 8), length & 0xFF))
    header = fmt + frame.dest + frame.src + bytes((frame.control,))
    body = header
    if frame.info:
        body += crc16_le(crc16_x25(header)) + frame.info
    body += crc16_le(crc16_x25(body))
    return bytes((FLAG,)) + body + bytes((FLAG,))


def decode_frame(raw: bytes) -> HdlcFrame:
    """A whole frame with both flags."""
    if len(raw) < 9 or raw[0] != FLAG or raw[-1] != FLAG:
        raise ProtocolError("HDLC: кадр без флагов 0x7E")
    body = raw[1:-1]
    if body[0] & 0xF0 != FORMAT_TYPE3:
        raise ProtocolError(f"HDLC: неизвестный формат кадра 0x{body[0]:02X}")
    length = ((body[0] & 0x07) << 8) | body[1]
    if length != len(body):
        raise ProtocolError(f"HDLC: длина в заголовке {length}, получено {len(body)}")
    if crc16_x25(body[:-2]) != int.from_bytes(body[-2:], "little"):
        raise ProtocolError("HDLC: неверная контрольная сумма кадра (FCS) — помеха на линии")
    dest, pos = _split_address(body, 2)
    src, pos = _split_address(body, pos)
    control = body[pos]
    pos += 1
    info = b""
    if pos < len(body) - 2:
        if crc16_x25(body[:pos]) != int.from_bytes(body[pos : pos + 2], "little"):
            raise ProtocolError("HDLC: неверная контрольная сумма заголовка (HCS)")
        info = bytes(body[pos + 2 : -2])
    return HdlcFrame(dest, src, control, info, bool(body[0] & SEGMENT_BIT))


def read_frame(transport: Transport, timeout: float) -> bytes:
    """Reads one raw frame: skips noise up to a flag, then reads by the length field."""
    deadline = time.monotonic() + timeout
    skipped = 0
    while True:
        remaining = deadline - time.monotonic()
        byte = transport.read(1, max(remaining, 0.0)) if remaining > 0 else b""
        if not byte:
            raise MeterTimeout("счётчик не ответил (HDLC): нет начала кадра")
        if byte[0] != FLAG:
            skipped += 1
            if skipped > 4096:
                raise ProtocolError("HDLC: на линии мусор вместо кадров")
            continue
        fmt = transport.read_exact(1, timeout)
        if fmt[0] == FLAG:  # two flags in a row: the second one opens the frame
            fmt = transport.read_exact(1, timeout)
        if fmt[0] & 0xF0 != FORMAT_TYPE3:
            continue  # a closing flag of something else; resynchronise
        second = transport.read_exact(1, timeout)
        length = ((fmt[0] & 0x07) << 8) | second[0]
        if length < 7:
            continue
        rest = transport.read_exact(length - 2 + 1, timeout)  # body rest + closing flag
        return bytes((FLAG,)) + fmt + second + rest


# --- parameter negotiation (SNRM/UA information field) -----------------------------------

_PARAM_IDS = {"max_info_tx": 0x05, "max_info_rx": 0x06, "window_tx": 0x07, "window_rx": 0x08}


def encode_parameters(max_info_tx: int, max_info_rx: int, window_tx: int, window_rx: int) -> bytes:
    values = {"max_info_tx": max_info_tx, "max_info_rx": max_info_rx, "window_tx": window_tx, "window_rx": window_rx}
    group = b""
    for name, pid in _PARAM_IDS.items():
        value = values[name]
        # Info lengths go as 1 or 2 bytes, windows as 4 (as in the Green Book example).
        size = 4 if name.startswith("window") else (1 if value < 0x100 else 2)
        group += bytes((pid, size)) + value.to_bytes(size, "big")
    return bytes((0x81, 0x80, len(group))) + group


def decode_parameters(info: bytes) -> dict[str, int]:
    params = {
        "max_info_tx": DEFAULT_MAX_INFO,
        "max_info_rx": DEFAULT_MAX_INFO,
        "window_tx": DEFAULT_WINDOW,
        "window_rx": DEFAULT_WINDOW,
    }
    if not info:
        return params
    if len(info) < 3 or info[0] != 0x81 or info[1] != 0x80:
        raise ProtocolError("HDLC: неизвестный формат параметров согласования")
    pos, end = 3, min(3 + info[2], len(info))
    names = {pid: name for name, pid in _PARAM_IDS.items()}
    while pos + 2 <= end:
        pid, size = info[pos], info[pos + 1]
        value = int.from_bytes(info[pos + 2 : pos + 2 + size], "big")
        if pid in names:
            params[names[pid]] = value
        pos += 2 + size
    return params


# --- client side of the link -------------------------------------------------------------


class HdlcClient:
    """The client (primary station) of one HDLC connection with one server on a bus."""

    def __init__(
        self,
        transport: Transport,
        client_address: int,
        server_address: bytes,
        timeout: float,
        max_info: int = DEFAULT_MAX_INFO,
    ) -> None:
        self.transport = transport
        self.client = encode_client_address(client_address)
        self.server = server_address
        self.timeout = timeout
        self.proposed_max_info = max_info
        self.max_info_tx = DEFAULT_MAX_INFO  # what we may send in one frame
        self.max_info_rx = DEFAULT_MAX_INFO
        self.connected = False
        self._vs = 0  # our next N(S)
        self._vr = 0  # next N(S) we expect from the server

    # Link management ---------------------------------------------------------------------

    def connect(self) -> None:
        info = encode_parameters(self.proposed_max_info, self.proposed_max_info, 1, 1)
        reply = self._exchange(HdlcFrame(self.server, self.client, SNRM, info))
        if reply.control == DM:
            raise ProtocolError("счётчик отказал в соединении HDLC (DM)")
        if reply.control != UA:
            raise ProtocolError(f"HDLC: на SNRM пришёл кадр 0x{reply.control:02X} вместо UA")
        params = decode_parameters(reply.info)
        # The server's "transmit" is our receive and vice versa.
        self.max_info_tx = min(params["max_info_rx"], self.proposed_max_info)
        self.max_info_rx = params["max_info_tx"]
        self._vs = self._vr = 0
        self.connected = True

    def disconnect(self) -> None:
        if not self.connected:
            return
        self.connected = False
        reply = self._exchange(HdlcFrame(self.server, self.client, DISC))
        if reply.control not in (UA, DM):
            raise ProtocolError(f"HDLC: на DISC пришёл кадр 0x{reply.control:02X}")

    # Data transfer -----------------------------------------------------------------------

    def request(self, apdu: bytes) -> bytes:
        """Sends one APDU (with the LLC header) and returns the server's APDU."""
        if not self.connected:
            raise ProtocolError("HDLC: нет соединения со счётчиком")
        payload = LLC_REQUEST + apdu
        chunks = [payload[i : i + self.max_info_tx] for i in range(0, len(payload), self.max_info_tx)] or [b""]
        reply: HdlcFrame | None = None
        for index, chunk in enumerate(chunks):
            last = index == len(chunks) - 1
            frame = HdlcFrame(self.server, self.client, i_control(self._vs, self._vr), chunk, segmented=not last)
            self._vs = (self._vs + 1) % 8
            reply = self._exchange(frame)
            if not last and not reply.is_rr:
                raise ProtocolError("HDLC: сервер не подтвердил сегмент запроса (нет RR)")
        assert reply is not None
        parts: list[bytes] = []
        while True:
            self._accept_information(reply)
            parts.append(reply.info)
            if not reply.segmented:
                break
            if reply.poll_final:
                reply = self._exchange(HdlcFrame(self.server, self.client, rr_control(self._vr)))
            else:
                reply = self._receive()
        data = b"".join(parts)
        if not data.startswith(LLC_RESPONSE):
            raise ProtocolError("HDLC: ответ без заголовка LLC E6 E7 00")
        return data[len(LLC_RESPONSE) :]

    def _accept_information(self, frame: HdlcFrame) -> None:
        if frame.control == DM:
            self.connected = False
            raise ProtocolError("счётчик разорвал соединение HDLC (DM)")
        if frame.control == FRMR:
            raise ProtocolError("счётчик отверг кадр (FRMR)")
        if not frame.is_information:
            raise ProtocolError(f"HDLC: ожидался информационный кадр, пришёл 0x{frame.control:02X}")
        if frame.send_seq != self._vr:
            raise ProtocolError(f"HDLC: нарушена нумерация кадров (N(S)={frame.send_seq}, ожидался {self._vr})")
        if frame.recv_seq != self._vs:
            raise ProtocolError("HDLC: сервер не подтвердил последний кадр (N(R))")
        self._vr = (self._vr + 1) % 8

    def _exchange(self, frame: HdlcFrame) -> HdlcFrame:
        self.transport.discard_input()
        self.transport.write(encode_frame(frame))
        return self._receive()

    def _receive(self) -> HdlcFrame:
        deadline = time.monotonic() + self.timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise MeterTimeout("счётчик не ответил (HDLC)")
            frame = decode_frame(read_frame(self.transport, remaining))
            # On a shared bus ignore frames addressed to other clients or from other meters.
            if frame.dest == self.client and frame.src == self.server:
                return frame
