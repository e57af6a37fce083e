"""HDLC framing, addressing, segmentation and sequence numbers (scripted peer)."""

import pytest

from kabinet_agent.protocols import hdlc
from kabinet_agent.protocols.base import MeterTimeout, ProtocolError, Transport

CLIENT = hdlc.encode_client_address(0x20)
SERVER = hdlc.encode_server_address(1, 17)


class ScriptedTransport(Transport):
    """Answers each written frame with the next scripted list of frames."""

    def __init__(self, script: list[list[bytes]]) -> None:
        self.script = list(script)
        self.written: list[bytes] = []
        self.inbox = b""

    def write(self, data: bytes) -> None:
        self.written.append(data)
        if self.script:
            self.inbox += b"".join(self.script.pop(0))

    def read(self, size: int, timeout: float) -> bytes:
        chunk, self.inbox = self.inbox[:size], self.inbox[size:]
        return chunk

    def set_baudrate(self, baudrate: int) -> None:
        pass


def frame(control: int, info: bytes = b"", segmented: bool = False) -> bytes:
    return hdlc.encode_frame(hdlc.HdlcFrame(CLIENT, SERVER, control, info, segmented))


def connected_client(script: list[list[bytes]]) -> hdlc.HdlcClient:
    ua = frame(hdlc.UA, hdlc.encode_parameters(64, 32, 1, 1))
    transport = ScriptedTransport([[ua], *script])
    client = hdlc.HdlcClient(transport, 0x20, SERVER, timeout=0.2)
    client.connect()
    return client


def test_addresses():
    assert hdlc.encode_server_address(1, 0, 1) == b"\x03"
    assert hdlc.encode_server_address(1, 17, 2) == b"\x02\x23"
    assert hdlc.encode_server_address(1, 0x11, 4) == b"\x00\x02\x00\x23"
    assert hdlc.decode_server_address(hdlc.encode_server_address(0x3FFF, 0x2A5B, 4)) == (0x3FFF, 0x2A5B)
    with pytest.raises(ValueError):
        hdlc.encode_server_address(1, 300, 2)


def test_negotiation_uses_server_limits():
    client = connected_client([])
    # The server may transmit 64 (our receive) and receive 32 (our transmit limit).
    assert client.max_info_tx == 32 and client.max_info_rx == 64


def test_segmented_request_and_response():
    response = b"\xe6\xe7\x00" + bytes(range(100))
    parts = [response[:40], response[40:80], response[80:]]
    script = [
        [frame(hdlc.rr_control(1))],  # RR after 1st segment
        [frame(hdlc.rr_control(2))],  # RR after 2nd segment
        [frame(hdlc.i_control(0, 3), parts[0], segmented=True)],  # answer, segment 1
        [frame(hdlc.i_control(1, 3), parts[1], segmented=True)],  # after our RR(1)
        [frame(hdlc.i_control(2, 3), parts[2])],  # after our RR(2), last
    ]
    client = connected_client(script)
    apdu = bytes(range(70))  # 73 bytes with LLC → 3 frames of ≤ 32
    assert client.request(apdu) == bytes(range(100))
    sent = [hdlc.decode_frame(raw) for raw in client.transport.written[1:]]
    assert [f.segmented for f in sent[:3]] == [True, True, False]
    assert [f.send_seq for f in sent[:3]] == [0, 1, 2]
    assert b"".join(f.info for f in sent[:3]) == hdlc.LLC_REQUEST + apdu
    assert [f.is_rr for f in sent[3:]] == [True, True]
    assert [f.recv_seq for f in sent[3:]] == [1, 2]


def test_sequence_error_is_reported():
    client = connected_client([[frame(hdlc.i_control(5, 1), b"\xe6\xe7\x00\x01")]])
    with pytest.raises(ProtocolError, match="нумерация"):
        client.request(b"\x01")


def test_bad_fcs_and_hcs():
    raw = bytearray(frame(hdlc.i_control(0, 0), b"\xe6\xe7\x00hello"))
    damaged = bytes(raw[:12]) + bytes((raw[12] ^ 1,)) + bytes(raw[13:])
    with pytest.raises(ProtocolError, match="FCS"):
        hdlc.decode_frame(damaged)


def test_dm_and_timeout():
    transport = ScriptedTransport([[frame(hdlc.DM)]])
    client = hdlc.HdlcClient(transport, 0x20, SERVER, timeout=0.1)
    with pytest.raises(ProtocolError, match="DM"):
        client.connect()
    silent = hdlc.HdlcClient(ScriptedTransport([]), 0x20, SERVER, timeout=0.05)
    with pytest.raises(MeterTimeout):
        silent.connect()


def test_frames_for_other_stations_are_ignored():
    other = hdlc.encode_frame(hdlc.HdlcFrame(CLIENT, hdlc.encode_server_address(1, 18), hdlc.UA))
    ua = frame(hdlc.UA)
    transport = ScriptedTransport([[other, ua]])
    client = hdlc.HdlcClient(transport, 0x20, SERVER, timeout=0.2)
    client.connect()
    assert client.connected
