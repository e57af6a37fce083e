"""COSEM application-layer APDUs (IEC 62056-5-3) that the agent and the simulator use:
AARQ/AARE (ACSE, BER-encoded), RLRQ/RLRE, GET.request/.response (normal, next,
with data block) and the range_descriptor selective access of profile generic objects.

Only logical-name referencing without ciphering is implemented; authentication is
"lowest" (none) or "low" (LLS, a password in clear text) — what СПОДЭС reader access
over RS-485 uses.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import axdr
from .base import ProtocolError
from .obis import obis_bytes

# Object identifiers (BER-encoded bodies, without the 06 07 header).
APP_CONTEXT_LN_NO_CIPHER = bytes.fromhex("60857405080101")  # 2.16.756.5.8.1.1
MECHANISM_LLS = bytes.fromhex("60857405080201")  # 2.16.756.5.8.2.1

# Conformance block proposed by the client: block-transfer-with-get (bit 11), get (19),
# selective-access (21). Bit 0 is the most significant bit of the first byte.
CONFORMANCE_BLOCK_GET = 1 << (23 - 11)
CONFORMANCE_GET = 1 << (23 - 19)
CONFORMANCE_SELECTIVE = 1 << (23 - 21)
CLIENT_CONFORMANCE = CONFORMANCE_BLOCK_GET | CONFORMANCE_GET | CONFORMANCE_SELECTIVE

GET_REQUEST, GET_RESPONSE = 0xC0, 0xC4
GET_NORMAL, GET_NEXT, GET_WITH_BLOCK = 0x01, 0x02, 0x02
AARQ_TAG, AARE_TAG, RLRQ_TAG, RLRE_TAG = 0x60, 0x61, 0x62, 0x63
EXCEPTION_RESPONSE, CONFIRMED_SERVICE_ERROR = 0xD8, 0x0E

# invoke-id 1, confirmed service, high priority: the usual 0xC1.
INVOKE_ID_AND_PRIORITY = 0xC1

ASSOCIATION_RESULTS = {0: "принята", 1: "отклонена (постоянно)", 2: "отклонена (временно)"}
ACSE_USER_DIAGNOSTICS = {
    0: "без причины",
    1: "причина не указана",
    2: "контекст приложения не поддерживается",
    11: "механизм аутентификации не распознан",
    12: "требуется механизм аутентификации",
    13: "неверный пароль (ошибка аутентификации)",
    14: "требуется аутентификация",
}
DATA_ACCESS_RESULTS = {
    1: "аппаратная ошибка",
    2: "временный сбой",
    3: "чтение запрещено",
    4: "объект не определён",
    9: "несогласованный класс объекта",
    11: "объект недоступен",
    12: "несоответствие типа",
    13: "нарушение области доступа",
    14: "блок данных недоступен",
    15: "длинное чтение прервано",
    16: "нет длинного чтения",
    19: "неверный номер блока",
    250: "другая причина",
}


def obis(text: str) -> bytes:
    """ "1.0.1.8.0.255" (also "1-0:1.8.0.255", "1-0:1.8.0*255") → 6 bytes."""
    return obis_bytes(text)


def obis_text(raw: bytes) -> str:
    return ".".join(str(b) for b in raw)


# --- BER helpers (ACSE is BER, not A-XDR) -------------------------------------------------


def _ber(tag: int, body: bytes) -> bytes:
    return bytes((tag,)) + axdr.encode_length(len(body)) + body


def _ber_items(buf: bytes) -> list[tuple[int, bytes]]:
    items, pos = [], 0
    while pos < len(buf):
        tag = buf[pos]
        length, pos = axdr.decode_length(buf, pos + 1)
        if pos + length > len(buf):
            raise ProtocolError("AARE: поле выходит за пределы сообщения")
        items.append((tag, bytes(buf[pos : pos + length])))
        pos += length
    return items


# --- association -------------------------------------------------------------------------


def build_aarq(password: bytes | None, max_pdu: int = 0xFFFF, conformance: int = CLIENT_CONFORMANCE) -> bytes:
    initiate = (
        bytes((0x01, 0x00, 0x00, 0x00, 0x06, 0x5F, 0x1F, 0x04, 0x00))
        + conformance.to_bytes(3, "big")
        + max_pdu.to_bytes(2, "big")
    )
    body = _ber(0xA1, _ber(0x06, APP_CONTEXT_LN_NO_CIPHER))
    if password is not None:
        body += bytes((0x8A, 0x02, 0x07, 0x80))  # sender-acse-requirements
        body += _ber(0x8B, MECHANISM_LLS)  # mechanism-name
        body += _ber(0xAC, _ber(0x80, password))  # calling-authentication-value
    body += _ber(0xBE, _ber(0x04, initiate))  # user-information
    return _ber(AARQ_TAG, body)


@dataclass(frozen=True)
class AarqInfo:
    """What a server needs from an AARQ (simulator side)."""

    context: bytes
    mechanism: bytes | None
    password: bytes | None
    max_pdu: int


def parse_aarq(apdu: bytes) -> AarqInfo:
    if not apdu or apdu[0] != AARQ_TAG:
        raise ProtocolError("ожидался AARQ")
    ((_, body),) = _ber_items(apdu)
    context, mechanism, password, max_pdu = b"", None, None, 0xFFFF
    for tag, value in _ber_items(body):
        if tag == 0xA1:
            context = _ber_items(value)[0][1]
        elif tag == 0x8B:
            mechanism = value
        elif tag == 0xAC:
            password = _ber_items(value)[0][1]
        elif tag == 0xBE:
            initiate = _ber_items(value)[0][1]
            if len(initiate) >= 2:
                max_pdu = int.from_bytes(initiate[-2:], "big")
    return AarqInfo(context, mechanism, password, max_pdu)


def build_aare(
    result: int,
    diagnostic: int,
    conformance: int = CLIENT_CONFORMANCE,
    max_pdu: int = 0x0200,
    mechanism: bytes | None = None,
) -> bytes:
    body = _ber(0xA1, _ber(0x06, APP_CONTEXT_LN_NO_CIPHER))
    body += _ber(0xA2, _ber(0x02, bytes((result,))))
    body += _ber(0xA3, _ber(0xA1, _ber(0x02, bytes((diagnostic,)))))
    if mechanism is not None:
        body += bytes((0x88, 0x02, 0x07, 0x80)) + _ber(0x89, mechanism)
    if result == 0:
        initiate = (
            bytes((0x08, 0x00, 0x06, 0x5F, 0x1F, 0x04, 0x00))
            + conformance.to_bytes(3, "big")
            + max_pdu.to_bytes(2, "big")
            + b"\x00\x07"
        )
        body += _ber(0xBE, _ber(0x04, initiate))
    return _ber(AARE_TAG, body)


@dataclass(frozen=True)
class AareInfo:
    result: int
    diagnostic: int
    max_pdu: int | None
    conformance: int | None

    @property
    def accepted(self) -> bool:
        return self.result == 0

    def reason(self) -> str:
        return ACSE_USER_DIAGNOSTICS.get(self.diagnostic, f"код диагностики {self.diagnostic}")


def parse_aare(apdu: bytes) -> AareInfo:
    if not apdu or apdu[0] != AARE_TAG:
        raise ProtocolError(f"ожидался AARE, пришёл тег 0x{apdu[:1].hex() or '--'}")
    ((_, body),) = _ber_items(apdu)
    result, diagnostic, max_pdu, conformance = None, 0, None, None
    for tag, value in _ber_items(body):
        if tag == 0xA2:
            result = _ber_items(value)[0][1][0]
        elif tag == 0xA3:
            inner = _ber_items(value)[0][1]  # A1 (user) or A2 (provider) → 02 01 xx
            diagnostic = _ber_items(inner)[0][1][0]
        elif tag == 0xBE:
            initiate = _ber_items(value)[0][1]
            if initiate[:1] == b"\x08" and len(initiate) >= 14:
                conformance = int.from_bytes(initiate[7:10], "big")
                max_pdu = int.from_bytes(initiate[10:12], "big")
            elif initiate[:1] == bytes((CONFIRMED_SERVICE_ERROR,)):
                raise ProtocolError("счётчик вернул ошибку инициализации DLMS (ConfirmedServiceError)")
    if result is None:
        raise ProtocolError("AARE без результата ассоциации")
    return AareInfo(result, diagnostic, max_pdu, conformance)


RLRQ = bytes.fromhex("6203800100")  # release-request, reason normal


# --- GET ---------------------------------------------------------------------------------


def range_descriptor(
    from_dt: axdr.CosemDateTime, to_dt: axdr.CosemDateTime, restricting_obis: str = "0.0.1.0.0.255"
) -> bytes:
    """Access selector 1 (range_descriptor) and its parameters, restricting on the clock
    column, all columns selected. Passed as `access` to build_get_normal."""
    restricting = axdr.enc_structure(
        [
            axdr.enc_long_unsigned(8),
            axdr.enc_octet_string(obis(restricting_obis)),
            axdr.enc_integer(2),
            axdr.enc_long_unsigned(0),
        ]
    )
    return bytes((0x01,)) + axdr.enc_structure(
        [restricting, axdr.enc_date_time(from_dt), axdr.enc_date_time(to_dt), axdr.enc_array([])]
    )


def build_get_normal(class_id: int, instance: str, attribute: int, access: bytes | None = None) -> bytes:
    return (
        bytes((GET_REQUEST, GET_NORMAL, INVOKE_ID_AND_PRIORITY))
        + class_id.to_bytes(2, "big")
        + obis(instance)
        + bytes((attribute,))
        + (b"\x01" + access if access is not None else b"\x00")
    )


def build_get_next(block_number: int) -> bytes:
    return bytes((GET_REQUEST, GET_NEXT, INVOKE_ID_AND_PRIORITY)) + block_number.to_bytes(4, "big")


@dataclass(frozen=True)
class GetRequest:
    kind: int  # GET_NORMAL or GET_NEXT
    class_id: int = 0
    instance: bytes = b""
    attribute: int = 0
    access_selector: int | None = None
    access_parameters: object = None
    block_number: int = 0


def parse_get_request(apdu: bytes) -> GetRequest:
    if len(apdu) < 3 or apdu[0] != GET_REQUEST:
        raise ProtocolError("ожидался GET.request")
    if apdu[1] == GET_NEXT:
        return GetRequest(GET_NEXT, block_number=int.from_bytes(apdu[3:7], "big"))
    if apdu[1] != GET_NORMAL or len(apdu) < 13:
        raise ProtocolError(f"GET.request вида {apdu[1]} не поддерживается")
    class_id = int.from_bytes(apdu[3:5], "big")
    instance, attribute = bytes(apdu[5:11]), apdu[11]
    selector, params = None, None
    if apdu[12] == 1:
        selector = apdu[13]
        params = axdr.decode_all(apdu[14:])
    return GetRequest(GET_NORMAL, class_id, instance, attribute, selector, params)


@dataclass(frozen=True)
class GetResponse:
    """One GET.response: either a complete result or a block of raw data."""

    data: bytes | None = None  # encoded Data (normal response, success)
    access_error: int | None = None  # data-access-result when not success
    block: bytes | None = None  # raw-data of a block
    block_number: int = 0
    last_block: bool = True


def build_get_response_normal(data: bytes | None, access_error: int = 0) -> bytes:
    head = bytes((GET_RESPONSE, GET_NORMAL, INVOKE_ID_AND_PRIORITY))
    if data is None:
        return head + bytes((0x01, access_error))
    return head + b"\x00" + data


def build_get_response_block(block: bytes, number: int, last: bool) -> bytes:
    return (
        bytes((GET_RESPONSE, GET_WITH_BLOCK, INVOKE_ID_AND_PRIORITY, 1 if last else 0))
        + number.to_bytes(4, "big")
        + b"\x00"
        + axdr.encode_length(len(block))
        + block
    )


def parse_get_response(apdu: bytes) -> GetResponse:
    if apdu[:1] == bytes((EXCEPTION_RESPONSE,)):
        raise ProtocolError(f"счётчик ответил исключением DLMS ({apdu.hex()})")
    if apdu[:1] == bytes((CONFIRMED_SERVICE_ERROR,)):
        raise ProtocolError(f"счётчик отклонил запрос DLMS (ConfirmedServiceError {apdu.hex()})")
    if len(apdu) < 4 or apdu[0] != GET_RESPONSE:
        raise ProtocolError(f"ожидался GET.response, пришло {apdu[:8].hex()}")
    kind = apdu[1]
    if kind == GET_NORMAL:
        if apdu[3] == 0:
            return GetResponse(data=bytes(apdu[4:]))
        return GetResponse(access_error=apdu[4] if len(apdu) > 4 else 250)
    if kind == GET_WITH_BLOCK:
        if len(apdu) < 10:
            raise ProtocolError("GET.response с блоком данных слишком короткий")
        last = apdu[3] != 0
        number = int.from_bytes(apdu[4:8], "big")
        if apdu[8] != 0:
            return GetResponse(access_error=apdu[9], block_number=number, last_block=last)
        length, pos = axdr.decode_length(apdu, 9)
        block = bytes(apdu[pos : pos + length])
        if len(block) != length:
            raise ProtocolError("GET.response: блок данных короче заявленного")
        return GetResponse(block=block, block_number=number, last_block=last)
    raise ProtocolError(f"GET.response вида {kind} не поддерживается")


def access_error_text(code: int) -> str:
    return DATA_ACCESS_RESULTS.get(code, f"код {code}")
