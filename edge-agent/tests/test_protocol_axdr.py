"""A-XDR decoding/encoding edge cases (IEC 62056-6-2 data types)."""

from datetime import datetime, timedelta, timezone

import pytest

from kabinet_agent.protocols import axdr
from kabinet_agent.protocols.base import ProtocolError


def h(text):
    return bytes.fromhex(text.replace(" ", ""))


@pytest.mark.parametrize(
    "raw,value",
    [
        ("00", None),
        ("03 01", True),
        ("03 00", False),
        ("0F FF", -1),  # integer
        ("10 FF FE", -2),  # long
        ("11 FF", 255),  # unsigned
        ("12 FF FF", 65535),  # long-unsigned
        ("05 FF FF FF FF", -1),  # double-long
        ("06 FF FF FF FF", 4294967295),  # double-long-unsigned
        ("14 80 00 00 00 00 00 00 00", -(2**63)),
        ("15 00 00 00 01 00 00 00 00", 2**32),  # long64-unsigned
        ("16 1E", 30),  # enum
        ("09 00", b""),  # empty octet-string
        ("0A 03 41 42 43", "ABC"),  # visible-string
        ("04 0A FF C0", "1111111111"),  # bit-string of 10 bits
        ("01 00", []),  # empty array
        ("02 02 0F FD 16 1E", (-3, 30)),  # scaler_unit structure
        ("01 02 02 02 12 00 01 03 01 02 02 12 00 02 03 00", [(1, True), (2, False)]),
    ],
)
def test_decode_values(raw, value):
    assert axdr.decode_all(h(raw)) == value


def test_long_length_forms():
    payload = bytes(range(256)) * 2  # 512 bytes → 0x82 02 00
    raw = axdr.enc_octet_string(payload)
    assert raw[:4] == h("09 82 02 00")
    assert axdr.decode_all(raw) == payload
    raw = axdr.enc_octet_string(b"x" * 200)  # 200 → 0x81 C8
    assert raw[:3] == h("09 81 C8")
    big_array = axdr.enc_array([axdr.enc_unsigned(i % 256) for i in range(300)])
    assert big_array[:4] == h("01 82 01 2C")
    assert axdr.decode_all(big_array)[299] == 299 % 256


@pytest.mark.parametrize(
    "raw",
    [
        "06 00 00 01",  # truncated double-long-unsigned
        "09 05 01 02",  # octet-string shorter than its length
        "01 02 11 01",  # array announces 2 items, has 1
        "09 85 00 00 00 00 01",  # length of 5 length bytes
        "7F",  # unknown tag
        "",  # nothing at all
    ],
)
def test_malformed_data_raises(raw):
    with pytest.raises(ProtocolError):
        axdr.decode_all(h(raw))


def test_trailing_bytes_are_an_error():
    with pytest.raises(ProtocolError, match="лишние"):
        axdr.decode_all(h("11 01 00"))


def test_date_time_round_trip_with_deviation():
    msk = timezone(timedelta(hours=3))
    moment = datetime(2024, 5, 17, 23, 30, 15, tzinfo=timezone.utc)
    dt = axdr.CosemDateTime.from_datetime(moment, msk, status=axdr.CLOCK_DOUBTFUL)
    raw = dt.encode()
    # 2024-05-18 02:30:15 local, Saturday (6), deviation −180 (0xFF4C), status 0x02.
    assert raw == h("07 E8 05 12 06 02 1E 0F 00 FF 4C 02")
    back = axdr.CosemDateTime.decode(raw)
    assert back.to_utc(timezone.utc) == moment
    assert back.doubtful


def test_date_time_unspecified_fields():
    assert axdr.CosemDateTime.decode(h("FF FF FF FF FF FF FF FF FF 80 00 FF")) is None
    # Deviation "not specified" (0x8000): the meter's configured zone applies.
    dt = axdr.CosemDateTime.decode(h("07 E8 01 01 FF 00 00 00 FF 80 00 00"))
    assert dt.to_utc(timezone(timedelta(hours=3))) == datetime(2023, 12, 31, 21, 0, tzinfo=timezone.utc)


def test_date_time_tag_25_and_invalid_date():
    value = axdr.decode_all(h("19 07 E8 02 1D 04 0C 00 00 00 00 00 00"))
    assert value.local == datetime(2024, 2, 29, 12, 0)
    with pytest.raises(ProtocolError):
        axdr.CosemDateTime.decode(h("07 E8 02 1E 04 0C 00 00 00 00 00 00"))  # 30 February
