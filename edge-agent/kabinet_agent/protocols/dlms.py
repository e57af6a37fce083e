"""DLMS/COSEM meter driver over HDLC (IEC 62056-46/-53/-62) for СПОДЭС meters.

The `address` of a meter is its HDLC server address: "P" (physical address, logical
device 1), "L:P" or "L:P:N" with N the address size in bytes (1, 2 or 4). Without N the
size is 2 when both fit in 7 bits, else 4. The client address defaults to 0x20 ("reader",
LLS) when a password is configured and to 0x10 ("public", no authentication) otherwise.

One HDLC connection + association is kept for all reads of a session and released in
`close()`. Any protocol error drops the connection so the next read starts afresh.

Day-start registers come from the daily profile 1.0.98.2.0.255 (СПОДЭС «профиль суточных
показаний»): its capture_objects name the clock and the registers (totals x.8.0 of A±, R±
are taken, tariff columns ignored); rows are selected by a range_descriptor on the clock,
and a row stamped at the meter's midnight (00:00, or 23:59:xx of the day before, as some
firmware stamps the closing of the day) is the snapshot of that day.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta, timezone, tzinfo
from typing import Any, Callable, TypeVar

from ..records import ClockReading, DaySnapshot, Interval, MeterEvent, RegisterReading, RelayState, day_start
from . import axdr, dlms_apdu, spodes
from .base import AccessDenied, MeterDriver, NotSupported, ProtocolError, Transport
from .hdlc import DEFAULT_MAX_INFO, HdlcClient, encode_server_address

T = TypeVar("T")

CLIENT_PUBLIC, CLIENT_READER = 0x10, 0x20
_MISSING_OBJECT = (4, 11)  # object-undefined, object-unavailable


class DataAccessError(ProtocolError):
    """The meter answered a GET with a data-access-result other than success."""

    def __init__(self, code: int, what: str) -> None:
        super().__init__(f"{what}: {dlms_apdu.access_error_text(code)}")
        self.code = code


def parse_server_address(address: str) -> bytes:
    try:
        parts = [int(p) for p in str(address).split(":")]
    except ValueError:
        raise ValueError(f"адрес DLMS-счётчика должен быть числом или L:P[:N], а не {address!r}") from None
    if len(parts) == 1:
        logical, physical, size = 1, parts[0], 0
    elif len(parts) == 2:
        logical, physical, size = parts[0], parts[1], 0
    elif len(parts) == 3:
        logical, physical, size = parts
    else:
        raise ValueError(f"адрес DLMS-счётчика должен быть P, L:P или L:P:N, а не {address!r}")
    if size == 0:
        size = 2 if logical <= 0x7F and physical <= 0x7F else 4
    return encode_server_address(logical, physical, size)


class CosemClient:
    """Association and GET service on top of an HDLC link."""

    def __init__(self, link: HdlcClient) -> None:
        self.link = link
        self.associated = False

    def associate(self, password: bytes | None) -> dlms_apdu.AareInfo:
        aare = dlms_apdu.parse_aare(self.link.request(dlms_apdu.build_aarq(password)))
        if not aare.accepted:
            raise AccessDenied(f"счётчик отклонил подключение: {aare.reason()}")
        self.associated = True
        return aare

    def release(self) -> None:
        if self.associated:
            self.associated = False
            self.link.request(dlms_apdu.RLRQ)

    def get_raw(self, class_id: int, instance: str, attribute: int, access: bytes | None = None) -> bytes:
        """Encoded Data of one attribute; reassembles block transfer (GET.request-next)."""
        what = f"объект {instance} атрибут {attribute}"
        reply = dlms_apdu.parse_get_response(
            self.link.request(dlms_apdu.build_get_normal(class_id, instance, attribute, access))
        )
        if reply.access_error is not None:
            raise DataAccessError(reply.access_error, what)
        if reply.block is None:
            return reply.data or b""
        blocks, expected = [], 1
        while True:
            if reply.access_error is not None:
                raise DataAccessError(reply.access_error, what)
            if reply.block_number != expected:
                raise ProtocolError(f"{what}: пришёл блок {reply.block_number}, ожидался {expected}")
            blocks.append(reply.block or b"")
            if reply.last_block:
                return b"".join(blocks)
            reply = dlms_apdu.parse_get_response(self.link.request(dlms_apdu.build_get_next(expected)))
            expected += 1

    def get(self, class_id: int, instance: str, attribute: int, access: bytes | None = None) -> Any:
        return axdr.decode_all(self.get_raw(class_id, instance, attribute, access))


class DlmsDriver(MeterDriver):
    protocol = "dlms"

    def __init__(
        self,
        transport: Transport,
        serial: str,
        address: str,
        password: str | None = None,
        timeout: float = 2.0,
        meter_tz: tzinfo | None = None,
        client_address: int | None = None,
        max_info: int = DEFAULT_MAX_INFO,
    ) -> None:
        super().__init__(transport, serial, address, password, timeout, meter_tz)
        self.server_address = parse_server_address(address)
        self.client_address = (
            client_address if client_address is not None else (CLIENT_READER if password else CLIENT_PUBLIC)
        )
        self.max_info = max_info
        self._cosem: CosemClient | None = None
        self._scalers: dict[tuple[int, str], tuple[int, int]] = {}

    # Session -----------------------------------------------------------------------------

    def _client(self) -> CosemClient:
        if self._cosem is None or not self._cosem.associated or not self._cosem.link.connected:
            link = HdlcClient(self.transport, self.client_address, self.server_address, self.timeout, self.max_info)
            link.connect()
            cosem = CosemClient(link)
            password = self.password.encode("latin-1") if self.password else None
            try:
                cosem.associate(password)
            except ProtocolError:
                try:
                    link.disconnect()
                except ProtocolError:
                    pass
                raise
            self._cosem = cosem
        return self._cosem

    def _run(self, action: Callable[[CosemClient], T]) -> T:
        try:
            return action(self._client())
        except DataAccessError:
            raise  # the association is still fine
        except ProtocolError:
            self._cosem = None  # the link state is unknown: start over next time
            raise

    def close(self) -> None:
        cosem, self._cosem = self._cosem, None
        if cosem is None:
            return
        try:
            cosem.release()
        except ProtocolError:
            pass
        try:
            cosem.link.disconnect()
        except ProtocolError:
            pass

    # Reads -------------------------------------------------------------------------------

    def read_registers(self) -> RegisterReading:
        def action(cosem: CosemClient) -> RegisterReading:
            values: dict[str, float] = {}
            for channel, instance in spodes.REGISTERS.items():
                try:
                    scaler, unit = self._scaler_unit(cosem, 3, instance)
                    raw = cosem.get(3, instance, 2)
                except DataAccessError as exc:
                    if exc.code in _MISSING_OBJECT:
                        continue  # e.g. a one-direction meter has no A-/R- registers
                    raise
                values[channel] = _to_kilo(_number(raw, instance) * 10**scaler, unit, instance)
            if "A+" not in values:
                raise ProtocolError("счётчик не отдал показание A+ (1.0.1.8.0.255)")
            return RegisterReading(self.serial, _utcnow(), values)

        return self._run(action)

    def read_clock(self) -> ClockReading:
        def action(cosem: CosemClient) -> ClockReading:
            raw = cosem.get(8, spodes.CLOCK, 2)
            agent_time = _utcnow()
            moment = _date_time(raw)
            if moment is None:
                raise ProtocolError("часы счётчика не установлены (дата не задана)")
            return ClockReading(self.serial, moment.to_utc(self.meter_tz), agent_time)

        return self._run(action)

    def read_relay(self) -> RelayState:
        def action(cosem: CosemClient) -> RelayState:
            try:
                output_state = cosem.get(70, spodes.DISCONNECT_CONTROL, 2)
                control_state = cosem.get(70, spodes.DISCONNECT_CONTROL, 3)
            except DataAccessError as exc:
                if exc.code in _MISSING_OBJECT:
                    raise ProtocolError(
                        "реле нагрузки: не поддерживается счётчиком (нет объекта 0.0.96.3.10.255)"
                    ) from exc
                raise
            if not isinstance(output_state, bool) or not isinstance(control_state, int):
                raise ProtocolError("реле нагрузки: неожиданный тип данных в ответе")
            # output_state is the physical contact; control_state (0 отключено,
            # 1 включено, 2 готово к включению) only tells how it got there.
            return RelayState(self.serial, _utcnow(), output_state)

        return self._run(action)

    def read_profile(self, since: datetime, until: datetime) -> list[Interval]:
        _check_range(since, until)

        def action(cosem: CosemClient) -> list[Interval]:
            columns = cosem.get(7, spodes.LOAD_PROFILE, 3)
            period = cosem.get(7, spodes.LOAD_PROFILE, 4)
            if not isinstance(period, int) or period <= 0 or period % 60:
                raise ProtocolError(f"профиль нагрузки: недопустимый период {period!r} с")
            step = timedelta(seconds=period)
            clock_col, channel_cols = self._profile_columns(cosem, columns)
            # Rows carry the capture time, i.e. the END of each interval.
            access = dlms_apdu.range_descriptor(
                axdr.CosemDateTime.from_datetime(since + step, self.meter_tz),
                axdr.CosemDateTime.from_datetime(until + step - timedelta(seconds=1), self.meter_tz),
            )
            rows = cosem.get(7, spodes.LOAD_PROFILE, 2, access)
            found: dict[datetime, Interval] = {}
            for row in _rows(rows, "профиль нагрузки"):
                stamp = _date_time(row[clock_col])
                if stamp is None:
                    continue
                start = stamp.to_utc(self.meter_tz) - step
                if not since <= start < until:
                    continue
                values: dict[str, float] = {}
                for col, channel, scaler, unit in channel_cols:
                    raw = row[col]
                    if raw is None:
                        continue
                    amount = _number(raw, channel) * 10**scaler
                    if unit in (spodes.UNIT_W, spodes.UNIT_VAR):  # average power → energy
                        amount = amount * period / 3600
                    values[channel] = _to_kilo(amount, unit, channel)
                status = "missing" if not values else ("estimated" if stamp.doubtful else "ok")
                found[start] = Interval(self.serial, start, period // 60, values, status)
            return _with_gaps(self.serial, found, since, until, step)

        return self._run(action)

    def read_events(self, since: datetime) -> list[MeterEvent]:
        if since.tzinfo is None:
            raise ValueError("since должен быть со временем UTC")

        def action(cosem: CosemClient) -> list[MeterEvent]:
            events: list[MeterEvent] = []
            to = _utcnow() + timedelta(days=1)
            access = dlms_apdu.range_descriptor(
                axdr.CosemDateTime.from_datetime(since, self.meter_tz),
                axdr.CosemDateTime.from_datetime(to, self.meter_tz),
            )
            for index in spodes.JOURNALS:
                try:
                    rows = cosem.get(7, spodes.journal_obis(index), 2, access)
                except DataAccessError as exc:
                    if exc.code in _MISSING_OBJECT:
                        continue  # this meter does not keep that journal
                    raise
                for row in _rows(rows, f"журнал {spodes.journal_obis(index)}"):
                    stamp = _date_time(row[0])
                    if stamp is None or len(row) < 2 or not isinstance(row[1], int):
                        continue
                    at = stamp.to_utc(self.meter_tz)
                    if at < since:
                        continue
                    journal, severity, text = spodes.describe_event(index, row[1])
                    events.append(MeterEvent(self.serial, at, journal, str(row[1]), severity, text))
            events.sort(key=lambda e: (e.at, e.journal, e.code))
            return events

        return self._run(action)

    def read_day_snapshots(self, days: Sequence[date]) -> list[DaySnapshot]:
        if not days:
            return []

        def action(cosem: CosemClient) -> list[DaySnapshot]:
            try:
                columns = cosem.get(7, spodes.DAILY_PROFILE, 3)
            except DataAccessError as exc:
                if exc.code in _MISSING_OBJECT:
                    raise NotSupported(f"показания на начало суток: нет профиля {spodes.DAILY_PROFILE}") from exc
                raise
            clock_col, register_cols = self._daily_columns(cosem, columns)
            first = datetime(min(days).year, min(days).month, min(days).day, tzinfo=self.meter_tz)
            last = datetime(max(days).year, max(days).month, max(days).day, tzinfo=self.meter_tz)
            access = dlms_apdu.range_descriptor(
                axdr.CosemDateTime.from_datetime(first - timedelta(minutes=1), self.meter_tz),
                axdr.CosemDateTime.from_datetime(last + timedelta(minutes=1), self.meter_tz),
            )
            wanted = set(days)
            found: dict[date, DaySnapshot] = {}
            for row in _rows(cosem.get(7, spodes.DAILY_PROFILE, 2, access), "суточный профиль"):
                stamp = _date_time(row[clock_col])
                if stamp is None:
                    continue
                at = stamp.to_utc(self.meter_tz)
                day = _day_of_midnight(at.astimezone(self.meter_tz))
                if day is None or day not in wanted:
                    continue
                values = {
                    channel: _to_kilo(_number(row[col], channel) * 10**scaler, unit, channel)
                    for col, channel, scaler, unit in register_cols
                    if row[col] is not None
                }
                if "A+" in values:
                    found[day] = DaySnapshot(self.serial, day, day_start(day, self.meter_tz), values)
            return [found[d] for d in sorted(found)]

        return self._run(action)

    # Helpers -----------------------------------------------------------------------------

    def _daily_columns(self, cosem: CosemClient, columns: Any) -> tuple[int, list[tuple[int, str, int, int]]]:
        if not isinstance(columns, list):
            raise ProtocolError("суточный профиль: capture_objects не массив")
        clock_col: int | None = None
        register_cols: list[tuple[int, str, int, int]] = []
        for col, item in enumerate(columns):
            if not (isinstance(item, tuple) and len(item) >= 3 and isinstance(item[1], bytes)):
                raise ProtocolError("суточный профиль: неверное описание столбца")
            class_id, ln, attribute = item[0], item[1], item[2]
            if class_id == 8 and ln == dlms_apdu.obis(spodes.CLOCK):
                clock_col = col
            elif (
                class_id in (3, 4)
                and attribute == 2
                and ln[0] == 1
                and ln[2] in spodes.PROFILE_CHANNELS
                and ln[3] == 8
                and ln[4] == 0
            ):
                scaler, unit = self._scaler_unit(cosem, class_id, dlms_apdu.obis_text(ln))
                register_cols.append((col, spodes.PROFILE_CHANNELS[ln[2]], scaler, unit))
        if clock_col is None or not register_cols:
            raise ProtocolError("суточный профиль: нет столбца времени или показаний")
        return clock_col, register_cols

    def _scaler_unit(self, cosem: CosemClient, class_id: int, instance: str) -> tuple[int, int]:
        key = (class_id, instance)
        if key not in self._scalers:
            value = cosem.get(class_id, instance, 3)
            if not (isinstance(value, tuple) and len(value) == 2 and all(isinstance(v, int) for v in value)):
                raise ProtocolError(f"{instance}: неверный scaler_unit {value!r}")
            self._scalers[key] = (value[0], value[1])
        return self._scalers[key]

    def _profile_columns(self, cosem: CosemClient, columns: Any) -> tuple[int, list[tuple[int, str, int, int]]]:
        if not isinstance(columns, list):
            raise ProtocolError("профиль нагрузки: capture_objects не массив")
        clock_col: int | None = None
        channel_cols: list[tuple[int, str, int, int]] = []
        for col, item in enumerate(columns):
            if not (isinstance(item, tuple) and len(item) >= 3 and isinstance(item[1], bytes)):
                raise ProtocolError("профиль нагрузки: неверное описание столбца")
            class_id, ln, attribute = item[0], item[1], item[2]
            if class_id == 8 and ln == dlms_apdu.obis(spodes.CLOCK):
                clock_col = col
                continue
            if (
                class_id in (3, 4)
                and attribute == 2
                and ln[0] == 1
                and ln[2] in spodes.PROFILE_CHANNELS
                and ln[3] in spodes.PROFILE_ENERGY_D + spodes.PROFILE_POWER_D
            ):
                scaler, unit = self._scaler_unit(cosem, class_id, dlms_apdu.obis_text(ln))
                channel_cols.append((col, spodes.PROFILE_CHANNELS[ln[2]], scaler, unit))
        if clock_col is None:
            raise ProtocolError("профиль нагрузки не содержит столбца времени 0.0.1.0.0.255")
        if not channel_cols:
            raise ProtocolError("профиль нагрузки не содержит столбцов энергии A±/R±")
        return clock_col, channel_cols


def _day_of_midnight(local: datetime) -> date | None:
    """The day whose start `local` stamps: 00:00:xx of that day or 23:59:xx of the day before."""
    if local.hour == 0 and local.minute == 0:
        return local.date()
    if local.hour == 23 and local.minute == 59:
        return local.date() + timedelta(days=1)
    return None


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _check_range(since: datetime, until: datetime) -> None:
    if since.tzinfo is None or until.tzinfo is None:
        raise ValueError("границы периода должны быть со временем UTC")
    if until <= since:
        raise ValueError("конец периода должен быть позже начала")


def _date_time(value: Any) -> axdr.CosemDateTime | None:
    if isinstance(value, axdr.CosemDateTime):
        return value
    if isinstance(value, bytes):
        return axdr.CosemDateTime.decode(value)
    raise ProtocolError(f"ожидалась дата-время COSEM, пришло {value!r}")


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ProtocolError(f"{what}: ожидалось число, пришло {value!r}")
    return float(value)


def _to_kilo(amount: float, unit: int, what: str) -> float:
    if unit in (spodes.UNIT_WH, spodes.UNIT_VARH, spodes.UNIT_W, spodes.UNIT_VAR):
        return round(amount / 1000.0, 6)
    raise ProtocolError(f"{what}: неожиданная единица измерения {spodes.UNIT_NAMES.get(unit, unit)}")


def _rows(value: Any, what: str) -> list[tuple[Any, ...]]:
    if not isinstance(value, list) or not all(isinstance(r, tuple) and r for r in value):
        raise ProtocolError(f"{what}: буфер не массив структур")
    return value


def _with_gaps(
    meter: str, found: dict[datetime, Interval], since: datetime, until: datetime, step: timedelta
) -> list[Interval]:
    """Adds a "missing" interval for every slot of the period grid the meter did not return,
    so a gap is explicit in the uploaded data and never silently skipped."""
    seconds = int(step.total_seconds())
    epoch = datetime(1970, 1, 1, tzinfo=timezone.utc)
    first = int((since - epoch).total_seconds())
    slot = epoch + timedelta(seconds=-(-first // seconds) * seconds)
    result = dict(found)
    while slot < until:
        if slot not in result:
            result[slot] = Interval(meter, slot, seconds // 60, {}, "missing")
        slot += step
    return [result[key] for key in sorted(result)]
