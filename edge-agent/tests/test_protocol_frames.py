"""Check values and frames from public specifications and captures.

Sources of the frames (each checksum is recomputed here, not trusted):
[KMETHY] "Examples for DLMS/COSEM information exchange", prepared by Gyozo Kmethy for the
         DLMS User Association (FAQ "Are examples for information exchange available?").
[GREEN]  AARQ with low level security, password "12345678", as quoted from the DLMS UA
         Green Book examples (e.g. in the comments of the BSD-licensed "unicore-mx"/csm
         COSEM stack and many client test suites).
[TM4C]   ti-cortex-m4/tm4c1294ncpdt, dlms_aare.c: a real meter's AARE for a right and a
         wrong LLS password, 4-byte HDLC server address.
[GOTEST] unit-test vectors of a public Go DLMS client (package dlmsclient): block transfer
         and GET with range_descriptor selective access.
[WB]     wirenboard/wb-mqtt-serial test/mercury230_expectations.cpp and the capture in
         its protocol test: Mercury 230 session and energy frames.
[M230PY] a Mercury 230 polling script (profile section, "стр. 78" of the protocol):
         captured 08 13 answer and an 08 14 30 request/answer.
"""

from datetime import datetime, timezone

import pytest

from kabinet_agent.protocols import axdr, dlms_apdu, hdlc, iec62056_21 as iec, mercury230 as m230
from kabinet_agent.protocols.base import ProtocolError
from kabinet_agent.protocols.crc import bcc_xor, crc16_modbus, crc16_x25


def h(text: str) -> bytes:
    return bytes.fromhex(text.replace(" ", ""))


def test_crc_check_values():
    assert crc16_x25(b"123456789") == 0x906E
    assert crc16_modbus(b"123456789") == 0x4B37


@pytest.mark.parametrize(
    "raw",
    [
        "7E A0 07 03 21 93 0F 01 7E",  # SNRM, server 1 (1-byte), client 16
        "7EA00A00020023219318717E",  # [KMETHY] SNRM, 4-byte server address
        "7EA023210002002373F6C58180140502008006020080070400000001080400000001CE6A7E",  # [KMETHY] UA
        # [KMETHY] AARQ
        "7EA02E0002002321107ECBE6E600601DA109060760857405080101BE10040E01000000065F1F040000301DFFFFD4C57E",
    ],
)
def test_public_hdlc_frames_have_valid_checksums(raw):
    frame = hdlc.decode_frame(h(raw))
    assert hdlc.encode_frame(frame) == h(raw)


def test_kmethy_snrm_ua_fields():
    snrm = hdlc.decode_frame(h("7EA00A00020023219318717E"))
    assert snrm.control == hdlc.SNRM and snrm.info == b""
    assert hdlc.decode_server_address(snrm.dest) == (1, 0x11)
    assert snrm.src == hdlc.encode_client_address(0x10)
    ua = hdlc.decode_frame(h("7EA023210002002373F6C58180140502008006020080070400000001080400000001CE6A7E"))
    assert ua.control == hdlc.UA
    assert hdlc.decode_parameters(ua.info) == {"max_info_tx": 128, "max_info_rx": 128, "window_tx": 1, "window_rx": 1}
    # Our encoder produces the same SNRM for the same addresses.
    ours = hdlc.HdlcFrame(hdlc.encode_server_address(1, 0x11, 4), hdlc.encode_client_address(0x10), hdlc.SNRM)
    assert hdlc.encode_frame(ours) == h("7EA00A00020023219318717E")


def test_kmethy_aarq_matches_our_encoder_layout():
    aarq = hdlc.decode_frame(
        h("7EA02E0002002321107ECBE6E600601DA109060760857405080101BE10040E01000000065F1F040000301DFFFFD4C57E")
    )
    assert aarq.info.startswith(hdlc.LLC_REQUEST)
    assert dlms_apdu.build_aarq(None, max_pdu=0xFFFF, conformance=0x00301D) == aarq.info[3:]


def test_green_book_lls_aarq():
    expected = h(
        "60 36 A1 09 06 07 60 85 74 05 08 01 01 8A 02 07 80 8B 07 60 85 74 05 08 02 01"
        " AC 0A 80 08 31 32 33 34 35 36 37 38 BE 10 04 0E 01 00 00 00 06 5F 1F 04 00"
        " 00 7E 1F 04 B0"
    )
    assert dlms_apdu.build_aarq(b"12345678", max_pdu=0x04B0, conformance=0x007E1F) == expected
    info = dlms_apdu.parse_aarq(expected)
    assert info.password == b"12345678" and info.mechanism == dlms_apdu.MECHANISM_LLS


def test_real_meter_aare_right_and_wrong_password():
    right = hdlc.decode_frame(
        h(
            "7e a0 3a 03 00 02 12 9d 30 fc 5c e6 e7 00 61 29 a1 09 06 07 60 85 74 05 08 01 01 a2 03"
            " 02 01 00 a3 05 a1 03 02 01 00 be 10 04 0e 08 00 06 5f 1f 04 00 00 18 1d 01 80 00 07 a1 dc 7e"
        )
    )
    wrong = hdlc.decode_frame(
        h(
            "7e a0 3a 03 00 02 12 9d 30 fc 5c e6 e7 00 61 29 a1 09 06 07 60 85 74 05 08 01 01 a2 03"
            " 02 01 01 a3 05 a1 03 02 01 0d be 10 04 0e 08 00 06 5f 1f 04 00 00 18 1d 01 80 00 07 b2 65 7e"
        )
    )
    assert hdlc.decode_server_address(right.src) == (1, (0x12 >> 1) << 7 | (0x9D >> 1))  # 1230
    ok = dlms_apdu.parse_aare(right.info[3:])
    assert ok.accepted and ok.max_pdu == 0x0180 and ok.conformance == 0x00181D
    bad = dlms_apdu.parse_aare(wrong.info[3:])
    assert not bad.accepted and bad.result == 1 and bad.diagnostic == 13
    assert "пароль" in bad.reason()
    # The AARQ of the same capture (password "xRwPbExF", server 1/1230, client 1).
    aarq = hdlc.decode_frame(
        h(
            "7e a0 47 00 02 12 9d 03 10 cf 5e e6 e6 00 60 36 a1 09 06 07 60 85 74 05 08 01 01 8a 02"
            " 07 80 8b 07 60 85 74 05 08 02 01 ac 0a 80 08 78 52 77 50 62 45 78 46 be 10 04 0e 01 00"
            " 00 00 06 5f 1f 04 00 00 7e 1f 01 00 af df 7e"
        )
    )
    assert dlms_apdu.build_aarq(b"xRwPbExF", max_pdu=0x0100, conformance=0x007E1F) == aarq.info[3:]
    assert aarq.control == hdlc.i_control(0, 0)


def test_aare_built_by_us_round_trips_public_layout():
    public = h("6129A109060760857405080101A203020100A305A103020100BE10040E0800065F1F040000101D00800007")
    assert dlms_apdu.build_aare(0, 0, conformance=0x00101D, max_pdu=0x0080) == public


def test_get_with_range_descriptor_matches_public_vector():
    # [GOTEST] profile 1.0.99.1.0.255 attr 2 from 2020-01-01 10:00 to 11:00, deviation 0.
    expected = h(
        "C001C100070100630100FF0201010204020412000809060000010000FF0F02120000090C07E401"
        "01030A000000000000090C07E40101030B0000000000000100"
    )
    access = dlms_apdu.range_descriptor(
        axdr.CosemDateTime.from_datetime(datetime(2020, 1, 1, 10, tzinfo=timezone.utc)),
        axdr.CosemDateTime.from_datetime(datetime(2020, 1, 1, 11, tzinfo=timezone.utc)),
    )
    assert dlms_apdu.build_get_normal(7, "1.0.99.1.0.255", 2, access) == expected
    parsed = dlms_apdu.parse_get_request(expected)
    assert parsed.access_selector == 1 and parsed.instance == dlms_apdu.obis("1.0.99.1.0.255")


def test_block_transfer_reassembly_from_public_vectors():
    # [GOTEST] three blocks of an array of five double-long-unsigned values.
    answers = {
        "C001C100070100630100FF0200": "C402C10000000001000C010506000000010600000002",
        "C002C100000001": "C402C10000000002000A06000000030600000004",
        "C002C100000002": "C402C1010000000300050600000005",
    }

    class FakeLink:
        connected = True

        def request(self, apdu):
            return h(answers[apdu.hex().upper()])

    from kabinet_agent.protocols.dlms import CosemClient

    client = CosemClient(FakeLink())
    assert client.get(7, "1.0.99.1.0.255", 2) == [1, 2, 3, 4, 5]


def test_block_transfer_rejects_a_skipped_block():
    class FakeLink:
        connected = True

        def request(self, apdu):
            if apdu[1] == 1:
                return h("C402C10000000001000C010506000000010600000002")
            return h("C402C10100000003000A06000000030600000004")

    from kabinet_agent.protocols.dlms import CosemClient

    with pytest.raises(ProtocolError, match="блок 3"):
        CosemClient(FakeLink()).get(7, "1.0.99.1.0.255", 2)


@pytest.mark.parametrize(
    "raw",
    [
        "00 01 01 01 01 01 01 01 01 77 81",  # [WB] open channel, broadcast address, "111111"
        "00 00 01 B0",  # [WB] status OK
        "00 05 C1 B3",  # [WB] status 5: channel not open
        "00 01 02 12 13 14 15 16 17 34 17",  # [WB] open channel level 2
        "00 05 00 00 10 25",  # [WB] energy from reset, tariff sum
        "00 30 00 28 C5 FF FF FF FF 04 00 9C 95 FF FF FF FF 44 AB",  # [WB] energy answer
        "4d 00 10 1a 13 00 28 12 22 1e 6a 4a",  # [M230PY] last profile record (08 13) answer
        "87 08 14 30 a6 46",  # [M230PY] request
        "87 40 fa 01 00 00 00 00 00 00 40 fa 01 07 f8",  # [M230PY] answer
    ],
)
def test_public_mercury_frames_have_valid_crc(raw):
    data = h(raw)
    assert m230.check_frame(data)
    assert m230.frame(data[0], data[1:-2]) == data


def test_mercury_open_channel_frame_matches_public_one():
    assert m230.frame(0x00, b"\x01\x01" + m230.password_bytes("111111")) == h("00 01 01 01 01 01 01 01 01 77 81")


def test_mercury_energy_byte_order():
    # [WB] answer: A+ bytes 30 00 28 C5 → 0x0030C528 Wh, A-/R- not available.
    data = h("30 00 28 C5 FF FF FF FF 04 00 9C 95 FF FF FF FF")
    assert m230.decode_energy(data) == [0x0030C528, None, 0x0004959C, None]
    assert m230.encode_energy([0x0030C528, None, 0x0004959C, None]) == data


def test_mercury_last_record_capture_decodes():
    data = h("4d 00 10 1a 13 00 28 12 22 1e 6a 4a")[1:-2]
    assert int.from_bytes(data[0:2], "big") == 0x0010
    assert m230.decode_stamp(data[3:8], timezone.utc, with_seconds=False) == datetime(
        2022, 12, 28, 13, 0, tzinfo=timezone.utc
    )
    assert data[8] == 30


def test_iec_bcc_and_break():
    # The widely published break sequence is SOH 'B' '0' ETX 'q'.
    assert iec.BREAK == b"\x01B0\x03q"
    block = iec.data_block(b"1.8.0(000123.456*kWh)\r\n!\r\n")
    assert block[-1] == bcc_xor(block[1:-1])
    assert iec.command(b"R5", b"P.01(2405170000;2405180000)")[-1] == bcc_xor(b"R5\x02P.01(2405170000;2405180000)\x03")
    assert iec.ack_option("5", True) == b"\x06051\r\n"
    assert iec.sign_on("12345678") == b"/?12345678!\r\n"
