"""Agent records checked one by one: what is accepted, and the reason for what is not."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from chalicelib.aiis.ingestion import records
from chalicelib.aiis.ingestion.records import (
    EventRecord,
    IntervalRecord,
    MeterTarget,
    RecordContext,
    RegisterRecord,
    Rejected,
    RelayRecord,
    parse_record,
    serial_map,
)
from chalicelib.aiis.storage.days import Slot

NOW = datetime(2024, 5, 2, 12, 0, tzinfo=UTC)
CTX = RecordContext({"012345678": MeterTarget("meter-1")}, NOW, ZoneInfo("Europe/Moscow"))


def interval(**overrides):
    record = {
        "kind": "interval",
        "meter": "012345678",
        "start": "2024-05-01T10:00:00Z",
        "minutes": 30,
        "values": {"A+": 0.512, "A-": 0.0, "R+": 0.101, "R-": 0},
        "status": "ok",
    }
    record.update(overrides)
    return record


def test_the_protocol_examples_are_accepted():
    assert parse_record(interval(), CTX) == IntervalRecord(
        "meter-1",
        date(2024, 5, 1),
        26,
        Slot("ok", {"A+": Decimal("0.512"), "A-": Decimal("0.0"), "R+": Decimal("0.101"), "R-": Decimal("0")}),
    )
    register = parse_record(
        {
            "kind": "register",
            "meter": "012345678",
            "read_at": "2024-05-01T10:30:05Z",
            "values": {"A+": 12345.678, "A-": 0.0, "R+": 2345.1, "R-": 12.0},
        },
        CTX,
    )
    assert isinstance(register, RegisterRecord) and register.values["A+"] == Decimal("12345.678")
    assert register.day == date(2024, 5, 1)
    event = parse_record(
        {
            "kind": "event",
            "meter": "012345678",
            "at": "2024-05-01T09:12:44Z",
            "journal": "voltage",
            "code": "17",
            "severity": "warning",
            "text": "Пропадание напряжения фазы A",
        },
        CTX,
    )
    assert isinstance(event, EventRecord) and (event.journal, event.code, event.severity) == (
        "voltage",
        "17",
        "warning",
    )
    relay = parse_record({"kind": "relay", "meter": "012345678", "at": "2024-05-01T10:30:06Z", "state": "off"}, CTX)
    assert relay == RelayRecord("meter-1", datetime(2024, 5, 1, 10, 30, 6, tzinfo=UTC), False)


def test_a_missing_interval_carries_no_values_and_serials_match_regardless_of_case():
    ctx = RecordContext({"AB12": MeterTarget("meter-2")}, NOW, CTX.tz)
    parsed = parse_record(interval(meter="ab12", values={}, status="missing"), ctx)
    assert parsed.slot == Slot("missing", {})


def test_intervals_of_a_transformer_connected_meter_are_multiplied_by_its_coefficient():
    # A meter behind 200/5 current transformers (Ктт 40) counts a fortieth of what the point takes;
    # its display, and so its registers, stay as they are.
    ctx = RecordContext(
        serial_map({"012345678": {"meter_id": "meter-1", "contract": "Д-1", "coefficient": "40"}}), NOW, CTX.tz
    )
    parsed = parse_record(interval(), ctx)
    assert parsed.slot.values == {
        "A+": Decimal("20.480"),
        "A-": Decimal("0"),
        "R+": Decimal("4.040"),
        "R-": Decimal("0"),
    }
    register = parse_record(
        {"kind": "register", "meter": "012345678", "read_at": "2024-05-01T10:30:05Z", "values": {"A+": 12345.678}}, ctx
    )
    assert register.values == {"A+": Decimal("12345.678")} and register.coefficient == Decimal(40)


def test_assignments_made_before_coefficients_were_kept_count_as_one():
    assert serial_map({"ab12": {"meter_id": "meter-2", "contract": "Д-1", "point_code": None}}) == {
        "AB12": MeterTarget("meter-2", Decimal(1))
    }


@pytest.mark.parametrize(
    "record, reason",
    [
        (interval(meter="999"), records.NOT_ASSIGNED),
        (interval(kind="power"), records.UNKNOWN_KIND),
        ("not an object", records.MALFORMED),
        (interval(minutes=7), records.UNSUPPORTED_INTERVAL),
        (interval(minutes=True), records.UNSUPPORTED_INTERVAL),
        (interval(minutes=60, start="2024-05-01T10:30:00Z"), records.OFF_GRID),  # 13:30 local: not on the hour
        (interval(start="2024-05-01T10:10:00Z"), records.OFF_GRID),
        (interval(start="2024-05-01 10:00"), records.BAD_TIME),
        (interval(start="вчера"), records.BAD_TIME),
        (interval(start="2024-05-02T11:45:00Z"), records.FUTURE),  # ends after now
        (interval(start="2018-05-01T10:00:00Z"), records.TOO_OLD),
        (interval(values={"A+": -1}), records.BAD_VALUES),
        (interval(values={"A+": True}), records.BAD_VALUES),
        (interval(values={"A+": "1"}), records.BAD_VALUES),
        (interval(values={"W": 1}), records.BAD_VALUES),
        (interval(values={}), records.BAD_VALUES),
        (interval(status="missing"), records.MISSING_WITH_VALUES),
        (interval(status="bad"), records.BAD_STATUS),
        (
            {
                "kind": "event",
                "meter": "012345678",
                "at": "2024-05-01T09:12:44Z",
                "journal": "Voltage#1",
                "code": "17",
                "severity": "warning",
                "text": "x",
            },
            records.BAD_EVENT,
        ),
        (
            {
                "kind": "event",
                "meter": "012345678",
                "at": "2024-05-01T09:12:44Z",
                "journal": "voltage",
                "code": "17",
                "severity": "fatal",
                "text": "x",
            },
            records.BAD_EVENT,
        ),
        ({"kind": "relay", "meter": "012345678", "at": "2024-05-01T09:12:44Z", "state": "1"}, records.BAD_RELAY),
    ],
)
def test_bad_records_are_refused_with_a_reason_that_does_not_repeat_them(record, reason):
    with pytest.raises(Rejected) as caught:
        parse_record(record, CTX)
    assert str(caught.value) == reason
    assert "999" not in reason and "Voltage" not in reason
