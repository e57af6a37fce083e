"""Vendor quirks: OBIS notations, Mercury's broadcast address, IEC logbook and relay lines, and
the day-snapshot record the cloud ingests."""

from datetime import date, datetime, timedelta, timezone

import pytest

from kabinet_agent.protocols import NotSupported, ProtocolError, dlms_apdu, iec62056_21 as iec, mercury230 as m230
from kabinet_agent.protocols.obis import parse_obis
from kabinet_agent.records import DaySnapshot, record_from_json

MSK = timezone(timedelta(hours=3))


@pytest.mark.parametrize("text", ["1-0:1.8.0*255", "1.0.1.8.0.255", "1-0:1.8.0.255"])
def test_dlms_accepts_every_obis_notation(text):
    assert dlms_apdu.obis(text) == bytes((1, 0, 1, 8, 0, 255))


@pytest.mark.parametrize("text", ["1.8.0", "1-0:1.8.0", "1.8.0*03"])
def test_dlms_refuses_codes_without_all_six_groups(text):
    with pytest.raises(ValueError):
        dlms_apdu.obis(text)


def test_iec_and_dlms_share_the_parser():
    assert parse_obis("1-0:1.8.0*255").cde == parse_obis("1.8.0").cde == "1.8.0"
    assert parse_obis("C.1.0").cde == "C.1.0"  # IEC letter groups stay text
    data = iec.parse_data_lines("1-0:1.8.0*255(000123.456*kWh)\r\n0-0:96.3.10(0)\r\n!\r\n")
    assert iec.parse_registers(data) == {"A+": 123.456}
    assert iec.parse_relay(data) is False


def test_iec_relay_absent_or_garbled():
    assert iec.parse_relay(iec.parse_data_lines("1.8.0(1.0*kWh)\r\n")) is None
    with pytest.raises(ProtocolError):
        iec.parse_relay({"96.3.10": ["maybe"]})


def test_mercury_open_channel_on_broadcast_address_0():
    # wb-mqtt-serial test/mercury230_expectations.cpp: open channel, level 1, password 111111, address 0
    assert m230.frame(0, b"\x01\x01" + m230.password_bytes("111111")) == bytes.fromhex("0001010101010101017781")
    assert m230.Mercury230Driver(None, "m", "0").bus_address == 0  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        m230.Mercury230Driver(None, "m", "248")  # type: ignore[arg-type]


def test_p98_logbook_entries_become_events():
    # VDEW logbook layout (as P.01's header): stamp with season flag, status word, no values.
    text = (
        "P.98(1240517103015)(00000080)()(0)\r\n"
        "P.98(1240517104500)(000000C0)()(0)\r\n"
        "P.98(0240518000000)(00010000)()(0)\r\n"
    )
    events = iec.parse_logbook(text, "m1", MSK)
    assert [(e.at.astimezone(MSK).strftime("%d %H:%M:%S"), e.code, e.journal, e.severity) for e in events] == [
        ("17 10:30:15", "00000080", "power", "warning"),
        ("17 10:45:00", "00000040", "power", "info"),
        ("17 10:45:00", "00000080", "power", "warning"),
        ("18 00:00:00", "00010000", "diagnostics", "info"),
    ]
    assert events[-1].text == "Событие журнала P.98, статус 0x00010000"
    with pytest.raises(NotSupported):
        iec.parse_logbook("P.98(ERROR)\r\n", "m1", MSK)


def test_day_snapshot_json_is_exactly_what_the_cloud_ingests():
    snapshot = DaySnapshot(
        "012345",
        date(2024, 5, 17),
        datetime(2024, 5, 16, 21, 0, tzinfo=timezone.utc),
        {"A+": 12345.678, "R+": 1.5},
        "first_after_midnight",
    )
    data = snapshot.to_json()
    assert data == {
        "kind": "snapshot",
        "meter": "012345",
        "day": "2024-05-17",
        "day_start": "2024-05-16T21:00:00Z",
        "values": {"A+": 12345.678, "R+": 1.5},
        "source": "first_after_midnight",
    }
    assert record_from_json(data) == snapshot
