"""IEC 62056-21 text parsing and Mercury 230 record decoding."""

from datetime import datetime, timedelta, timezone

import pytest

from kabinet_agent.protocols import iec62056_21 as iec, mercury230 as m230
from kabinet_agent.protocols.base import ProtocolError

MSK = timezone(timedelta(hours=3))


def test_identification():
    ident = iec.parse_identification(b"/LGZ5ZMD3104407.B32\r\n")
    assert (ident.manufacturer, ident.baudrate, ident.ident) == ("LGZ", 9600, "ZMD3104407.B32")
    with pytest.raises(ProtocolError, match="режим C"):
        iec.parse_identification(b"/ABCXmodeE\r\n")


def test_readout_registers_and_clock():
    text = (
        "0.0.0(12345678)\r\n1-0:1.8.0(012345.678*kWh)\r\n1.8.1(000001.000*kWh)\r\n"
        "2.8.0(1500*Wh)\r\n3.8.0(000100.5*kvarh)\r\n4.8.0*03(000002.000*kvarh)\r\n"
        "0.9.1(23:59:58)\r\n0.9.2(1240229)\r\n!\r\n"
    )
    data = iec.parse_data_lines(text)
    assert iec.parse_registers(data) == {"A+": 12345.678, "A-": 1.5, "R+": 100.5, "R-": 2.0}
    assert iec.parse_clock(data, MSK) == datetime(2024, 2, 29, 20, 59, 58, tzinfo=timezone.utc)


def test_p01_blocks_statuses_and_units():
    text = (
        "P.01(02405170030)(00000000)(30)(2)(1.5)(kW)(3.5)(kvar)\r\n"
        "(1.000)(0.200)\r\n(2.000)(0.400)\r\n"
        "P.01(0240517020000)(00000080)(30)(2)(1.5)(kW)(3.5)(kvar)\r\n"  # power down
        "(0.500)(0.100)\r\n(4.000)(0.000)\r\n"
        "P.01(02405170300)(00000004)(30)(2)(1.5)(W)(3.5)(var)\r\n"  # data invalid
        "(900)(10)\r\n"
    )
    intervals = iec.parse_profile(text, "m1", MSK)
    starts = [i.start.astimezone(MSK).strftime("%H:%M") for i in intervals]
    assert starts == ["00:00", "00:30", "01:30", "02:00", "02:30"]
    assert intervals[0].values == {"A+": 0.5, "R+": 0.1}  # 1 kW × 30 min
    assert [i.status for i in intervals] == ["ok", "ok", "estimated", "ok", "missing"]
    assert intervals[4].values == {}


def test_p01_error_answer():
    with pytest.raises(ProtocolError, match="ошибку"):
        iec.parse_profile("P.01(ERROR)\r\n", "m1", MSK)


def test_mercury_profile_record():
    raw = (
        bytes((0x02, 0x13, 0x30, 0x17, 0x05, 0x24, 30))
        + (1000).to_bytes(2, "little")
        + b"\xff\xff"
        + (250).to_bytes(2, "little")
        + b"\xff\xff"
    )
    record = m230.ProfileRecord(raw, MSK)
    assert record.valid and record.status & m230.STATUS_PARTIAL
    assert record.end == datetime(2024, 5, 17, 10, 30, tzinfo=timezone.utc)
    assert record.raw_values == [1000, None, 250, None]
    assert not m230.ProfileRecord(b"\xff" * 15, MSK).valid


def test_mercury_password_bytes():
    assert m230.password_bytes("111111") == b"\x01" * 6
    assert m230.password_bytes("111111", ascii_digits=True) == b"111111"
    with pytest.raises(ValueError):
        m230.password_bytes("123")
