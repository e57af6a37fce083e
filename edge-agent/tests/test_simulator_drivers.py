"""Every driver against the simulator over a real pty pair (pyserial on the slave side)."""

import time
from datetime import datetime, timedelta, timezone

import pytest

from kabinet_agent.protocols import AccessDenied, MeterTimeout, NotSupported, ProtocolError, Transport, driver_for
from kabinet_agent.protocols.serial_transport import SerialTransport
from kabinet_agent.simulator import Simulator

MSK = timezone(timedelta(hours=3))

CONFIG = {
    "buses": [
        {
            "name": "iec",
            "protocol": "iec62056-21",
            "meters": [
                {"serial": "IEC-1001", "address": "1001", "password": "00000000", "drift_seconds": -20},
                {"serial": "IEC-1002", "address": "1002", "faults": {"corrupt_every": 2}},
                {"serial": "IEC-1003", "address": "1003", "faults": {"drop_every": 1}},
                {
                    "serial": "IEC-1004",
                    "address": "1004",
                    "reports_relay": True,
                    "relay": "off",
                    "keeps_logbook": False,
                },
            ],
        },
        {
            "name": "energomera",
            "protocol": "energomera",
            "meters": [
                {
                    "serial": "009218054000123",
                    "address": "218054123",
                    "password": "777777",
                    "type": "CE301",
                    "drift_seconds": -12,
                },
                {"serial": "EM-102", "address": "102", "type": "CE102M"},
                {"serial": "EM-103", "address": "103", "faults": {"corrupt_every": 2}},
                {"serial": "EM-104", "address": "104", "faults": {"drop_every": 1}},
            ],
        },
        {
            "name": "dlms",
            "protocol": "dlms",
            "meters": [
                {"serial": "DL-17", "address": "17", "password": "12345678", "drift_seconds": 4.5, "prosumer": True},
                {"serial": "DL-18", "address": "18", "relay": "off"},
                {"serial": "DL-19", "address": "19", "faults": {"corrupt_every": 3}},
                {"serial": "DL-20", "address": "20", "faults": {"drop_every": 2}},
            ],
        },
        {
            "name": "m230",
            "protocol": "mercury230",
            "meters": [
                {"serial": "M-45", "address": "45", "drift_seconds": 30},
                {"serial": "M-46", "address": "46", "password": "123456"},
                {"serial": "M-47", "address": "47", "faults": {"corrupt_every": 2}},
                {"serial": "M-48", "address": "48", "faults": {"drop_every": 1}},
            ],
        },
    ]
}
# (protocol, serial, address, password) of the healthy meter of each bus
GOOD = {
    "iec62056-21": ("IEC-1001", "1001", "00000000"),
    "dlms": ("DL-17", "17", "12345678"),
    "mercury230": ("M-45", "45", None),
    "energomera": ("009218054000123", "218054123", "777777"),
}
DRIFT = {"iec62056-21": -20.0, "dlms": 4.5, "mercury230": 30.0, "energomera": -12.0}


@pytest.fixture(scope="module")
def sim():
    simulator = Simulator.from_config(CONFIG).start()
    yield simulator
    simulator.stop()


@pytest.fixture(scope="module")
def ports(sim):
    """One open port per bus for the whole module, as the agent keeps its RS-485 port."""
    opened = {bus.protocol: SerialTransport(bus.slave_path, protocol=bus.protocol) for bus in sim.buses}
    yield opened
    for transport in opened.values():
        transport.close()


@pytest.fixture
def connect(ports):
    drivers = []

    # A generous answer timeout: these tests are about the protocols, and a loaded CI machine can
    # keep the simulator's thread waiting well over a second. Silence tests pass their own.
    def make(protocol, serial, address, password=None, timeout=5.0, wrap=None):
        transport = ports[protocol] if wrap is None else wrap(ports[protocol])
        driver = driver_for(protocol)(transport, serial, address, password, timeout, MSK)
        drivers.append(driver)
        return driver

    yield make
    for driver in drivers:
        driver.close()


def sim_meter(sim, serial):
    for bus in sim.buses:
        for meter in bus.meters:
            if meter.serial == serial:
                return meter
    raise KeyError(serial)


def yesterday():
    today = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    return today - timedelta(days=1), today


@pytest.mark.parametrize("protocol", sorted(GOOD))
def test_registers_equal_the_running_sum(sim, connect, protocol):
    serial, address, password = GOOD[protocol]
    meter = sim_meter(sim, serial)
    before = meter.model.registers_at(meter.now())
    reading = connect(protocol, serial, address, password).read_registers()
    after = meter.model.registers_at(meter.now())
    assert reading.meter == serial and reading.read_at.tzinfo is not None
    expected = [{ch: v / 1000 for ch, v in regs.items()} for regs in (before, after)]
    got = {ch: reading.values[ch] for ch in ("A+", "R+")}
    assert any(all(abs(got[ch] - e[ch]) < 1e-6 for ch in got) for e in expected)


@pytest.mark.parametrize("protocol", sorted(GOOD))
def test_profile_of_one_day(sim, connect, protocol):
    serial, address, password = GOOD[protocol]
    since, until = yesterday()
    intervals = connect(protocol, serial, address, password).read_profile(since, until)
    assert [i.start for i in intervals] == [since + timedelta(minutes=30 * k) for k in range(48)]
    assert all(i.minutes == 30 and i.meter == serial for i in intervals)
    model = sim_meter(sim, serial).model
    for interval in intervals:
        expected = model.interval_at(interval.start)
        if expected is None:
            assert interval.status == "missing" and interval.values == {}
            continue
        # Energomera's GRAxx values carry no status: a partial interval is just a smaller value.
        partial = expected.partial and protocol != "energomera"
        assert interval.status == ("estimated" if partial else "ok")
        assert interval.values["A+"] == pytest.approx(expected.energy["A+"] / 1000, abs=1e-9)
        assert interval.values["R+"] == pytest.approx(expected.energy["R+"] / 1000, abs=1e-9)


def test_profile_with_outage_has_missing_and_estimated(sim, connect):
    """Finds a recent day with an outage for DL-17 and checks the gap is explicit."""
    model = sim_meter(sim, "DL-17").model
    day = next(
        d for d in (datetime.now(timezone.utc).date() - timedelta(days=k) for k in range(1, 60)) if model.outage_on(d)
    )
    since = datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
    intervals = connect("dlms", "DL-17", "17", "12345678").read_profile(since, since + timedelta(days=1))
    statuses = [i.status for i in intervals]
    assert "missing" in statuses and statuses.count("estimated") == 2
    assert len(intervals) == 48


@pytest.mark.parametrize("protocol", ["dlms", "mercury230"])
def test_events(sim, connect, protocol):
    serial, address, password = GOOD[protocol]
    since = datetime.now(timezone.utc) - timedelta(days=12)
    events = connect(protocol, serial, address, password).read_events(since)
    assert events, "за 12 дней симулятор всегда даёт события"
    assert all(e.at >= since and e.meter == serial for e in events)
    assert all(e.severity in ("info", "warning", "critical") and e.text for e in events)
    expected = {
        e.at.replace(microsecond=0)
        for e in sim_meter(sim, serial).model.events_between(since, datetime.now(timezone.utc))
        if e.kind in ("power_off", "power_on")
    }
    power = {e.at for e in events if e.journal == "power"}
    assert power == expected


def test_iec_logbook_p98_gives_power_events(sim, connect):
    since = datetime.now(timezone.utc) - timedelta(days=12)
    events = connect("iec62056-21", *GOOD["iec62056-21"]).read_events(since)
    expected = {
        e.at.replace(microsecond=0): e.kind
        for e in sim_meter(sim, "IEC-1001").model.events_between(since, datetime.now(timezone.utc))
        if e.kind in ("power_off", "power_on")
    }
    assert {e.at: e.code for e in events} == {
        at: "00000080" if kind == "power_off" else "00000040" for at, kind in expected.items()
    }
    assert all(e.journal == "power" for e in events)


def test_iec_meter_without_logbook_or_relay_is_not_supported(connect):
    with pytest.raises(NotSupported):
        connect("iec62056-21", "IEC-1001", "1001", "00000000").read_relay()
    with pytest.raises(NotSupported, match=r"P.98"):
        connect("iec62056-21", "IEC-1004", "1004").read_events(datetime.now(timezone.utc) - timedelta(days=3))


def test_relay(connect):
    assert connect("dlms", "DL-17", "17", "12345678").read_relay().connected is True
    assert connect("dlms", "DL-18", "18").read_relay().connected is False
    assert connect("iec62056-21", "IEC-1004", "1004").read_relay().connected is False  # readout 96.3.10
    for protocol in ("mercury230", "energomera"):
        with pytest.raises(NotSupported, match=r"не поддерживается|нет"):
            connect(protocol, *GOOD[protocol]).read_relay()


@pytest.mark.parametrize("protocol", sorted(GOOD))
def test_clock_drift(connect, protocol):
    reading = connect(protocol, *GOOD[protocol]).read_clock()
    # IEC and Mercury give whole seconds: allow the truncation.
    assert reading.drift_seconds == pytest.approx(DRIFT[protocol], abs=1.2)


@pytest.mark.parametrize(
    "protocol,serial,address,password",
    [
        ("iec62056-21", "IEC-1001", "1001", "11111111"),
        ("dlms", "DL-17", "17", "87654321"),
        ("mercury230", "M-46", "46", "111111"),
        ("energomera", "009218054000123", "218054123", "123456"),
    ],
)
def test_wrong_password_is_refused(connect, protocol, serial, address, password):
    driver = connect(protocol, serial, address, password)
    since, until = yesterday()
    with pytest.raises(AccessDenied):
        if protocol == "iec62056-21":
            driver.read_profile(since, until)  # the password guards programming mode
        else:
            driver.read_registers()


def test_right_password_of_second_mercury(connect):
    assert "A+" in connect("mercury230", "M-46", "46", "123456").read_registers().values


@pytest.mark.parametrize(
    "protocol,serial,address",
    [
        ("iec62056-21", "IEC-1002", "1002"),
        ("dlms", "DL-19", "19"),
        ("mercury230", "M-47", "47"),
        ("energomera", "EM-103", "103"),
    ],
)
def test_corrupted_answer_is_a_checksum_error(connect, protocol, serial, address):
    with pytest.raises(ProtocolError, match=r"контрольная сумма|CRC|BCC") as info:
        connect(protocol, serial, address).read_registers()
    assert not isinstance(info.value, MeterTimeout)


@pytest.mark.parametrize(
    "protocol,serial,address",
    [
        ("iec62056-21", "IEC-1003", "1003"),
        ("dlms", "DL-20", "20"),
        ("mercury230", "M-48", "48"),
        ("energomera", "EM-104", "104"),
    ],
)
def test_dropped_answer_is_a_timeout(connect, protocol, serial, address):
    with pytest.raises(MeterTimeout):
        connect(protocol, serial, address, timeout=0.3).read_registers()


def test_unknown_address_is_a_timeout(connect):
    with pytest.raises(MeterTimeout):
        connect("mercury230", "M-99", "99", timeout=0.3).read_registers()


class NoBaudSwitch(Transport):
    """A broken adapter that never changes speed."""

    def __init__(self, inner):
        self.inner = inner

    def write(self, data):
        self.inner.write(data)

    def read(self, size, timeout):
        return self.inner.read(size, timeout)

    def set_baudrate(self, baudrate):
        pass


def test_iec_meter_needs_the_baud_switch(connect):
    """The simulator answers at the negotiated speed only: a client that stays at 300
    baud after the acknowledgement hears nothing it can use."""
    driver = connect("iec62056-21", *GOOD["iec62056-21"], timeout=0.8, wrap=NoBaudSwitch)
    with pytest.raises(ProtocolError):
        driver.read_registers()


def test_session_survives_several_reads(connect):
    driver = connect("dlms", "DL-17", "17", "12345678")
    first = driver.read_registers()
    driver.read_clock()
    driver.read_relay()
    assert driver.read_registers().values["A+"] >= first.values["A+"]


def test_wire_time_emulation():
    config = {
        "buses": [
            {"protocol": "mercury230", "baud": 9600, "wire_time": True, "meters": [{"serial": "W-1", "address": "5"}]}
        ]
    }
    with Simulator.from_config(config) as simulator:
        bus = simulator.buses[0]
        transport = SerialTransport(bus.slave_path, protocol="mercury230")
        driver = driver_for("mercury230")(transport, "W-1", "5", None, 1.0, MSK)
        started = time.monotonic()
        driver.read_registers()
        elapsed = time.monotonic() - started
        driver.close()
        transport.close()
    # open channel answer (4 bytes) + energy answer (19 bytes) at 10 bits per byte
    assert bus.wire_seconds >= 23 * 10 / 9600
    assert elapsed >= bus.wire_seconds


def local_days(back: int):
    today = datetime.now(MSK).date()
    return [today - timedelta(days=k) for k in range(back, -1, -1)]


@pytest.mark.parametrize("protocol,kept", [("dlms", 3), ("mercury230", 2), ("energomera", 3)])
def test_day_snapshots_are_the_registers_at_the_meters_midnight(sim, connect, protocol, kept):
    """DLMS daily profile, Mercury's day arrays, Energomera's day-end registers: each is the
    register total at the meter-local midnight starting the day (Mercury keeps two days)."""
    serial, address, password = GOOD[protocol]
    model = sim_meter(sim, serial).model
    days = local_days(2)
    snapshots = connect(protocol, serial, address, password).read_day_snapshots(days)
    assert [s.day for s in snapshots] == days[-kept:]
    for snapshot in snapshots:
        midnight = datetime(snapshot.day.year, snapshot.day.month, snapshot.day.day, tzinfo=MSK)
        assert snapshot.day_start == midnight.astimezone(timezone.utc) and snapshot.source == "meter"
        assert snapshot.values["A+"] == pytest.approx(model.registers_at(midnight)["A+"] / 1000, abs=1e-6)
        assert snapshot.values["R+"] == pytest.approx(model.registers_at(midnight)["R+"] / 1000, abs=1e-6)


def test_iec_meter_keeps_no_day_snapshots(connect):
    with pytest.raises(NotSupported):
        connect("iec62056-21", *GOOD["iec62056-21"]).read_day_snapshots(local_days(1))


def test_energomera_ce102m_reads_active_energy_only(sim, connect):
    """CE102M answers ET0PE with every tariff on one line and keeps no profile."""
    driver = connect("energomera", "EM-102", "102")
    reading = driver.read_registers()
    assert driver.model == "CE102M" and set(reading.values) == {"A+"}
    total, *tariffs = driver.read_tariffs()
    assert total == pytest.approx(sum(tariffs)) and len(tariffs) == 5
    [snapshot] = driver.read_day_snapshots(local_days(0))
    assert set(snapshot.values) == {"A+"}
    since, until = yesterday()
    with pytest.raises(NotSupported, match="профиль"):
        driver.read_profile(since, until)


def test_mercury_broadcast_address_0_reaches_a_single_meter():
    config = {"buses": [{"protocol": "mercury230", "meters": [{"serial": "M-OPT", "address": "33"}]}]}
    with Simulator.from_config(config) as simulator:
        transport = SerialTransport(simulator.buses[0].slave_path, protocol="mercury230")
        driver = driver_for("mercury230")(transport, "M-OPT", "0", None, 5.0, MSK)
        try:
            assert "A+" in driver.read_registers().values
        finally:
            driver.close()
            transport.close()


def test_energomera_optical_port_signs_on_at_300_and_switches():
    config = {"buses": [{"protocol": "energomera", "baud": 300, "meters": [{"serial": "EM-OPT", "address": ""}]}]}
    with Simulator.from_config(config) as simulator:
        transport = SerialTransport(simulator.buses[0].slave_path, protocol="energomera")
        driver = driver_for("energomera")(transport, "EM-OPT", "", None, 5.0, MSK, baud=300)
        try:
            assert "A+" in driver.read_registers().values
            assert transport.baudrate == 9600  # the session runs at the offered speed
        finally:
            driver.close()
            transport.close()
