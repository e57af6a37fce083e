"""Energomera's IEC 62056-21 dialect, frame by frame.

Frames marked [CE301] are real CE301 traffic published with the MIT-licensed
energomera-hass-mqtt project (tests/test_energomera.py: "taken from real device's traffic
with only some parts obfuscated"); the break [ESPHome] is CMD_CLOSE_SESSION of the
latonita/esphome-energomera-iec component. Every check byte is recomputed here.
"""

from datetime import datetime, timedelta, timezone

import pytest

from kabinet_agent.protocols import AccessDenied, NotSupported, ProtocolError, Transport
from kabinet_agent.protocols.crc import bcc_sum7, bcc_xor
from kabinet_agent.protocols.energomera import EnergomeraDriver, parse_date, parse_energy, parse_values, request
from kabinet_agent.protocols.iec62056_21 import command, data_block

MSK = timezone(timedelta(hours=3))

SIGN_ON = b"/?!\r\n"
IDENT = b"/EKT5CE301v12\r\n"  # [CE301]
ACK_PROGRAMMING = b"\x06051\r\n"  # [CE301] 9600 baud, mode 1
P0 = b"\x01P0\x02(777777)\x03\x20"  # [CE301]
P1 = b"\x01P1\x02(dummy)\x03\x03"  # [CE301]
ET0PE_REQUEST = b"\x01R1\x02ET0PE()\x037"  # [CE301]
ET0PE_ANSWER = (
    b"\x02ET0PE(16907.9477764)\r\nET0PE(11504.3875082)\r\nET0PE(3628.2698795)\r\n"
    b"ET0PE(1775.2903887)\r\nET0PE(0.0)\r\nET0PE(0.0)\r\n\x03\x04"
)  # [CE301]
ENMPE_REQUEST = b"\x01R1\x02ENMPE(04.22)\x03D"  # [CE301]
ENMPE_ANSWER = (
    b"\x02ENMPE(16550.0972645)\r\nENMPE(11295.733509)\r\nENMPE(3521.2929754)\r\n"
    b"ENMPE(1733.0707801)\r\nENMPE(0.0)\r\nENMPE(0.0)\r\n\x03*"
)  # [CE301]
BREAK = b"\x01B0\x03\x75"  # [ESPHome]


def test_block_check_is_the_7_bit_sum_not_xor():
    assert command(b"P1", b"(dummy)", bcc_sum7) == P1
    assert command(b"B0", check=bcc_sum7) == BREAK
    assert command(b"B0") == b"\x01B0\x03q"  # the standard XOR break differs
    assert bcc_xor(P0[1:-1]) != P0[-1] == bcc_sum7(P0[1:-1])
    assert data_block(ET0PE_ANSWER[1:-2], check=bcc_sum7) == ET0PE_ANSWER
    assert data_block(ENMPE_ANSWER[1:-2], check=bcc_sum7) == ENMPE_ANSWER


def test_requests_by_data_name():
    assert request("ET0PE") == ET0PE_REQUEST
    assert request("ENMPE", "04.22") == ENMPE_REQUEST
    assert request("HELLO") == b"\x01R1\x02HELLO()\x03M"  # [CE301]


def test_values_one_per_line_or_all_on_one():
    ce301 = ET0PE_ANSWER[1:-2].decode()
    assert parse_energy(parse_values(ce301, "ET0PE"), "ET0PE") == [
        16907.9477764,
        11504.3875082,
        3628.2698795,
        1775.2903887,
        0.0,
        0.0,
    ]
    # CE102M puts every tariff on one line (the esphome-energomera-iec README)
    ce102m = "ET0PE(34261.8262567)(25179.1846554)(9082.6416013)(0.0)(0.0)(0.0)\r\n"
    assert parse_values(ce102m, "ET0PE")[:3] == ["34261.8262567", "25179.1846554", "9082.6416013"]
    with pytest.raises(NotSupported, match="ERR12"):
        parse_values("(ERR12)\r\n", "GRAPE")
    with pytest.raises(ProtocolError):
        parse_values("\r\n", "ET0PE")


def test_date_with_one_or_two_digit_weekday():
    assert parse_date("03.13.07.24") == parse_date("3.13.07.24") == datetime(2024, 7, 13).date()
    with pytest.raises(ProtocolError):
        parse_date("13.13.24")


class Script(Transport):
    """Answers each expected request with the recorded reply; any other write fails the test."""

    def __init__(self, exchange: list[tuple[bytes, bytes]]) -> None:
        self.exchange = list(exchange)
        self.pending = b""
        self.bauds: list[int] = []
        self.written: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.written.append(data)
        if data == BREAK:
            return
        expected, reply = self.exchange.pop(0)
        assert data == expected
        self.pending += reply

    def read(self, size: int, timeout: float) -> bytes:
        chunk, self.pending = self.pending[:size], self.pending[size:]
        return chunk

    def set_baudrate(self, baudrate: int) -> None:
        self.bauds.append(baudrate)


def test_recorded_ce301_session():
    """The driver sends exactly the bytes the CE301 was sent, at 9600 baud throughout,
    and reads the answers the CE301 gave."""
    script = Script([(SIGN_ON, IDENT), (ACK_PROGRAMMING, P0), (P1, b"\x06"), (ET0PE_REQUEST, ET0PE_ANSWER)])
    driver = EnergomeraDriver(script, "00123456", "", "dummy", 1.0, MSK)
    assert driver.read_tariffs()[:2] == [16907.9477764, 11504.3875082]
    assert driver.model == "CE301"
    driver.close()
    assert script.written[-1] == BREAK and script.exchange == []
    assert set(script.bauds) == {9600}


def test_wrong_password_is_access_denied():
    script = Script([(SIGN_ON, IDENT), (ACK_PROGRAMMING, P0), (P1, b"\x15")])
    with pytest.raises(AccessDenied):
        EnergomeraDriver(script, "00123456", "", "dummy", 1.0, MSK).read_tariffs()


def test_xor_checked_block_is_rejected_as_noise():
    """A block whose check is the standard XOR (what a non-Energomera device would send)."""
    bad = ET0PE_ANSWER[:-1] + bytes((bcc_xor(ET0PE_ANSWER[1:-1]),))
    script = Script([(SIGN_ON, IDENT), (ACK_PROGRAMMING, P0), (P1, b"\x06"), (ET0PE_REQUEST, bad)])
    with pytest.raises(ProtocolError, match="контрольная сумма"):
        EnergomeraDriver(script, "00123456", "", "dummy", 1.0, MSK).read_tariffs()


def test_snapshot_of_a_day_is_the_previous_days_end():
    """ENDPE(dd.mm.yy) is the register at the end of that day (ENMPE(04.22) above + the May
    consumption is the May register), so the start of 13 July is ENDPE(12.07.24)."""
    answer = data_block(b"ENDPE(100.5)\r\nENDPE(70.0)\r\nENDPE(30.5)\r\n", check=bcc_sum7)
    # A CE102M (its identification names the model): only the A+ name is asked for.
    script = Script(
        [(SIGN_ON, b"/EKT5CE102Mv01\r\n"), (ACK_PROGRAMMING, P0), (P1, b"\x06"), (request("ENDPE", "12.07.24"), answer)]
    )
    driver = EnergomeraDriver(script, "00123456", "", "dummy", 1.0, MSK)
    [snapshot] = driver.read_day_snapshots([datetime(2024, 7, 13).date()])
    assert snapshot.values == {"A+": 100.5}
    assert snapshot.day_start == datetime(2024, 7, 12, 21, 0, tzinfo=timezone.utc)
