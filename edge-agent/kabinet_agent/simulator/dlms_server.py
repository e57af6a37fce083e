"""DLMS/COSEM over HDLC meter side with the СПОДЭС objects the driver reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable

from ..protocols import axdr, dlms_apdu, hdlc, spodes
from ..protocols.base import ProtocolError
from .bus import Bus, Server, SimMeter
from .model import STEP

SERVER_MAX_INFO = 128  # our frame size limit: longer answers are segmented
BLOCK_SIZE = 200  # GET answers longer than this go by block transfer
SERVER_MAX_PDU = 0x0200
OBJECT_UNDEFINED, READ_DENIED, BLOCK_INVALID = 4, 3, 19
VOLTAGE_CODES = {
    ("phase_off", 1): 1,
    ("phase_on", 1): 2,
    ("phase_off", 2): 3,
    ("phase_on", 2): 4,
    ("phase_off", 3): 5,
    ("phase_on", 3): 6,
}
JOURNAL_CODES = {2: {"power_off": 1, "power_on": 2}, 4: {"magnet_on": 1, "magnet_off": 2, "case_open": 4}}


@dataclass
class Link:
    """HDLC and association state of one meter."""

    connected: bool = False
    vs: int = 0
    vr: int = 0
    max_tx: int = SERVER_MAX_INFO
    rx_buffer: bytes = b""
    tx_pending: list[bytes] = field(default_factory=list)
    associated: bool = False
    blocks: list[bytes] = field(default_factory=list)
    client: bytes = b""


class DlmsServer(Server):
    def __init__(self, bus: Bus, meters: list[SimMeter]) -> None:
        super().__init__(bus, meters)
        self.buffer = b""
        self.links: dict[str, Link] = {m.serial: Link() for m in meters}

    def feed(self, data: bytes) -> None:
        self.buffer += data
        while True:
            start = self.buffer.find(bytes((hdlc.FLAG,)))
            if start < 0:
                self.buffer = b""
                return
            self.buffer = self.buffer[start:]
            if len(self.buffer) < 3:
                return
            if self.buffer[1] & 0xF0 != hdlc.FORMAT_TYPE3:
                self.buffer = self.buffer[1:]
                continue
            length = ((self.buffer[1] & 0x07) << 8) | self.buffer[2]
            if len(self.buffer) < length + 2:
                return
            raw, self.buffer = self.buffer[: length + 2], self.buffer[length + 2 :]
            try:
                frame = hdlc.decode_frame(raw)
            except ProtocolError:
                continue  # damaged frame: a meter stays silent
            meter = self._meter(frame.dest)
            if meter is not None:
                self._on_frame(meter, frame)

    def _meter(self, dest: bytes) -> SimMeter | None:
        try:
            logical, physical = hdlc.decode_server_address(dest)
        except ProtocolError:
            return None
        for meter in self.meters:
            if logical == 1 and (physical == int(meter.address) or (len(dest) == 1 and len(self.meters) == 1)):
                return meter
        return None

    # HDLC --------------------------------------------------------------------------------

    def _send(
        self,
        meter: SimMeter,
        link: Link,
        dest: bytes,
        src: bytes,
        control: int,
        info: bytes = b"",
        segmented: bool = False,
    ) -> None:
        self.bus.answer(meter, hdlc.encode_frame(hdlc.HdlcFrame(dest, src, control, info, segmented)))

    def _on_frame(self, meter: SimMeter, frame: hdlc.HdlcFrame) -> None:
        link = self.links[meter.serial]
        reply_to, me = frame.src, frame.dest
        if frame.control == hdlc.SNRM:
            params = hdlc.decode_parameters(frame.info)
            self.links[meter.serial] = link = Link(connected=True, client=reply_to)
            link.max_tx = min(SERVER_MAX_INFO, params["max_info_rx"])
            max_rx = min(SERVER_MAX_INFO, params["max_info_tx"])
            self._send(meter, link, reply_to, me, hdlc.UA, hdlc.encode_parameters(link.max_tx, max_rx, 1, 1))
            return
        if frame.control == hdlc.DISC:
            self._send(meter, link, reply_to, me, hdlc.UA if link.connected else hdlc.DM)
            self.links[meter.serial] = Link()
            return
        if not link.connected:
            self._send(meter, link, reply_to, me, hdlc.DM)
            return
        if frame.is_rr:
            if link.tx_pending:
                self._send_next_segment(meter, link, reply_to, me)
            return
        if not frame.is_information or frame.send_seq != link.vr:
            return  # out of sequence: ignore, the client retries
        link.vr = (link.vr + 1) % 8
        link.rx_buffer += frame.info
        if frame.segmented:
            self._send(meter, link, reply_to, me, hdlc.rr_control(link.vr))
            return
        request, link.rx_buffer = link.rx_buffer, b""
        if not request.startswith(hdlc.LLC_REQUEST):
            return
        response = hdlc.LLC_RESPONSE + self._apdu(meter, link, request[len(hdlc.LLC_REQUEST) :])
        link.tx_pending = [response[i : i + link.max_tx] for i in range(0, len(response), link.max_tx)]
        self._send_next_segment(meter, link, reply_to, me)

    def _send_next_segment(self, meter: SimMeter, link: Link, dest: bytes, src: bytes) -> None:
        chunk = link.tx_pending.pop(0)
        control = hdlc.i_control(link.vs, link.vr)
        link.vs = (link.vs + 1) % 8
        self._send(meter, link, dest, src, control, chunk, segmented=bool(link.tx_pending))

    # COSEM -------------------------------------------------------------------------------

    def _apdu(self, meter: SimMeter, link: Link, apdu: bytes) -> bytes:
        if apdu[:1] == bytes((dlms_apdu.AARQ_TAG,)):
            return self._associate(meter, link, apdu)
        if apdu[:1] == bytes((dlms_apdu.RLRQ_TAG,)):
            link.associated = False
            return bytes.fromhex("6303800100")
        if apdu[:1] == bytes((dlms_apdu.GET_REQUEST,)):
            if not link.associated:
                return dlms_apdu.build_get_response_normal(None, READ_DENIED)
            request = dlms_apdu.parse_get_request(apdu)
            if request.kind == dlms_apdu.GET_NEXT:
                return self._next_block(link, request.block_number)
            data, error = self._get(meter, request)
            if data is None:
                return dlms_apdu.build_get_response_normal(None, error)
            if len(data) <= BLOCK_SIZE:
                return dlms_apdu.build_get_response_normal(data)
            link.blocks = [data[i : i + BLOCK_SIZE] for i in range(0, len(data), BLOCK_SIZE)]
            return self._next_block(link, 0)
        return bytes.fromhex("D80101")  # exception-response: service not supported

    def _associate(self, meter: SimMeter, link: Link, apdu: bytes) -> bytes:
        info = dlms_apdu.parse_aarq(apdu)
        if info.context != dlms_apdu.APP_CONTEXT_LN_NO_CIPHER:
            return dlms_apdu.build_aare(1, 2)
        if meter.password:
            if info.mechanism != dlms_apdu.MECHANISM_LLS:
                return dlms_apdu.build_aare(1, 14)  # authentication required
            if info.password != meter.password.encode("latin-1"):
                return dlms_apdu.build_aare(1, 13)  # authentication failure
        link.associated = True
        return dlms_apdu.build_aare(
            0, 0, max_pdu=SERVER_MAX_PDU, mechanism=dlms_apdu.MECHANISM_LLS if meter.password else None
        )

    def _next_block(self, link: Link, acknowledged: int) -> bytes:
        number = acknowledged + 1
        if not 1 <= number <= len(link.blocks):
            return dlms_apdu.build_get_response_normal(None, BLOCK_INVALID)
        return dlms_apdu.build_get_response_block(link.blocks[number - 1], number, number == len(link.blocks))

    def _get(self, meter: SimMeter, request: dlms_apdu.GetRequest) -> tuple[bytes | None, int]:
        ln = dlms_apdu.obis_text(request.instance)
        key = (request.class_id, ln, request.attribute)
        handlers: dict[tuple[int, str, int], Callable[[], bytes]] = {
            (8, spodes.CLOCK, 2): lambda: axdr.enc_date_time(axdr.CosemDateTime.from_datetime(meter.now(), meter.tz)),
            (70, spodes.DISCONNECT_CONTROL, 2): lambda: axdr.enc_bool(meter.relay_connected),
            (70, spodes.DISCONNECT_CONTROL, 3): lambda: axdr.enc_enum(1 if meter.relay_connected else 0),
            (7, spodes.LOAD_PROFILE, 3): lambda: self._capture_objects(meter),
            (7, spodes.LOAD_PROFILE, 4): lambda: axdr.enc_double_long_unsigned(1800),
            (7, spodes.DAILY_PROFILE, 3): lambda: self._daily_capture_objects(meter),
        }
        for channel, obis in spodes.REGISTERS.items():
            if channel in ("A+", "R+") or meter.prosumer:
                unit = spodes.UNIT_WH if channel[0] == "A" else spodes.UNIT_VARH
                handlers[(3, obis, 2)] = _register_value(meter, channel)
                handlers[(3, obis, 3)] = _scaler_unit(unit)
                interval_obis = obis.replace(".8.0.", ".29.0.")
                handlers[(3, interval_obis, 3)] = _scaler_unit(unit)
        if key in handlers:
            return handlers[key](), 0
        if key == (7, spodes.LOAD_PROFILE, 2):
            return self._profile(meter, request), 0
        if key == (7, spodes.DAILY_PROFILE, 2):
            return self._daily(meter, request), 0
        for index in (0, 1, 2, 4, 7):
            if request.class_id == 7 and ln == spodes.journal_obis(index) and request.attribute == 2:
                return self._journal(meter, index, request), 0
        return None, OBJECT_UNDEFINED

    def _profile_channels(self, meter: SimMeter) -> list[str]:
        return ["A+", "A-", "R+", "R-"] if meter.prosumer else ["A+", "R+"]

    def _capture_objects(self, meter: SimMeter) -> bytes:
        columns = [_column(8, spodes.CLOCK)]
        for channel in self._profile_channels(meter):
            columns.append(_column(3, spodes.REGISTERS[channel].replace(".8.0.", ".29.0.")))
        return axdr.enc_array(columns)

    def _daily_capture_objects(self, meter: SimMeter) -> bytes:
        columns = [_column(8, spodes.CLOCK)]
        columns += [_column(3, spodes.REGISTERS[c]) for c in self._profile_channels(meter)]
        return axdr.enc_array(columns)

    def _daily(self, meter: SimMeter, request: dlms_apdu.GetRequest) -> bytes:
        """Rows stamped at each meter-local midnight in the range: registers at that instant."""
        since, until = self._range(meter, request, 7)
        day = since.astimezone(meter.tz).date()
        rows = []
        while True:
            midnight = datetime.combine(day, datetime.min.time(), meter.tz)
            if midnight > until:
                break
            if midnight >= since:
                registers = meter.model.registers_at(midnight)
                cells = [axdr.enc_date_time(axdr.CosemDateTime.from_datetime(midnight, meter.tz))]
                cells += [axdr.enc_double_long_unsigned(registers[c]) for c in self._profile_channels(meter)]
                rows.append(axdr.enc_structure(cells))
            day += timedelta(days=1)
        return axdr.enc_array(rows)

    def _range(self, meter: SimMeter, request: dlms_apdu.GetRequest, default_days: int) -> tuple[datetime, datetime]:
        now = meter.now()
        params: Any = request.access_parameters
        if request.access_selector == 1 and isinstance(params, tuple) and len(params) >= 3:
            lo, hi = (axdr.CosemDateTime.decode(p) if isinstance(p, bytes) else None for p in params[1:3])
            since = lo.to_utc(meter.tz) if lo else now - timedelta(days=default_days)
            until = hi.to_utc(meter.tz) if hi else now
            return since, min(until, now)
        return now - timedelta(days=default_days), now

    def _profile(self, meter: SimMeter, request: dlms_apdu.GetRequest) -> bytes:
        first_end, last_end = self._range(meter, request, 2)
        rows = []
        for interval in meter.model.intervals_between(first_end - STEP, last_end - STEP + timedelta(seconds=1)):
            end = interval.start + STEP
            stamp = axdr.CosemDateTime.from_datetime(
                end, meter.tz, status=axdr.CLOCK_DOUBTFUL if interval.partial else 0
            )
            cells = [axdr.enc_date_time(stamp)]
            cells += [axdr.enc_double_long_unsigned(interval.energy[c]) for c in self._profile_channels(meter)]
            rows.append(axdr.enc_structure(cells))
        return axdr.enc_array(rows)

    def _journal(self, meter: SimMeter, index: int, request: dlms_apdu.GetRequest) -> bytes:
        since, until = self._range(meter, request, 30)
        rows = []
        for event in meter.model.events_between(since, until + timedelta(seconds=1)):
            if index == 0:
                code = VOLTAGE_CODES.get((event.kind, event.phase))
            else:
                code = JOURNAL_CODES.get(index, {}).get(event.kind)
            if code is None:
                continue
            stamp = axdr.CosemDateTime.from_datetime(event.at, meter.tz)
            rows.append(axdr.enc_structure([axdr.enc_date_time(stamp), axdr.enc_long_unsigned(code)]))
        return axdr.enc_array(rows)


def _column(class_id: int, obis: str) -> bytes:
    """A capture_objects entry: class, logical name, attribute 2, data index 0."""
    return axdr.enc_structure(
        [
            axdr.enc_long_unsigned(class_id),
            axdr.enc_octet_string(dlms_apdu.obis(obis)),
            axdr.enc_integer(2),
            axdr.enc_long_unsigned(0),
        ]
    )


def _register_value(meter: SimMeter, channel: str) -> Callable[[], bytes]:
    return lambda: axdr.enc_double_long_unsigned(meter.model.registers_at(meter.now())[channel])


def _scaler_unit(unit: int) -> Callable[[], bytes]:
    return lambda: axdr.enc_structure([axdr.enc_integer(0), axdr.enc_enum(unit)])
