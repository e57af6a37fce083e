"""Consumption of a period in which the meter was replaced:
(old final − old previous) + (new current − new initial), each meter across its own rollover."""

from decimal import Decimal

import pytest

from chalicelib.readings.rules import (
    ROLLOVER_QUESTION,
    ReadingRejected,
    ReplacedMeter,
    evaluate_across_replacement,
    replaced_difference,
)

D = Decimal


def old(final: dict, previous: dict, digits: int = 5, coefficient: str = "1") -> ReplacedMeter:
    return ReplacedMeter(
        final={z: D(v) for z, v in final.items()},
        previous={z: D(v) for z, v in previous.items()},
        digits=digits,
        coefficient=D(coefficient),
    )


def test_the_period_counts_what_both_meters_measured():
    result = evaluate_across_replacement(
        {"T1": "130"}, {"T1": D("5")}, old({"T1": "12400"}, {"T1": "12345"}), digits=6, zones=["T1"], coefficient=D(1)
    )
    zone = result.zone("T1")
    # 12400 − 12345 = 55 on the old meter, 130 − 5 = 125 on the new one.
    assert (zone.previous, zone.difference, zone.consumption) == (D(5), D(180), D(180))
    assert result.total_consumption == D(180)


def test_a_rollover_of_the_old_meter_before_its_removal_is_counted():
    # 99958 → 00123 on a five-digit meter is 165 kWh (seed 000); then the new meter from 0 to 40.
    assert replaced_difference(old({"T1": "123"}, {"T1": "99958"}), "T1") == (D(165), True)
    result = evaluate_across_replacement(
        {"T1": "40"}, {"T1": D(0)}, old({"T1": "123"}, {"T1": "99958"}), digits=6, zones=["T1"], coefficient=D(1)
    )
    assert result.zone("T1").difference == D(205) and result.zone("T1").rollover


def test_a_final_reading_far_below_the_previous_one_is_not_guessed():
    # 50000 → 10 on five digits would be a wrap of 50010: more than half the range, so billing's data needs checking.
    assert replaced_difference(old({"T1": "10"}, {"T1": "50000"}), "T1") == (None, False)
    result = evaluate_across_replacement(
        {"T1": "40"}, {"T1": D(0)}, old({"T1": "10"}, {"T1": "50000"}), digits=6, zones=["T1"], coefficient=D(1)
    )
    assert result.zone("T1").consumption is None and result.total_consumption is None
    assert result.zone("T1").note_ru == "Расход будет рассчитан после проверки"


def test_an_unknown_previous_reading_of_the_old_meter_leaves_consumption_to_be_checked():
    result = evaluate_across_replacement(
        {"T1": "40"}, {"T1": D(0)}, old({"T1": "12400"}, {}), digits=6, zones=["T1"], coefficient=D(1)
    )
    assert result.zone("T1").difference is None


def test_each_meter_has_its_own_coefficient_and_zones_are_counted_apart():
    result = evaluate_across_replacement(
        {"T1": "110", "T2": "60"},
        {"T1": D(100), "T2": D(50)},
        old({"T1": "1010", "T2": "505"}, {"T1": "1000", "T2": "500"}, digits=6, coefficient="40"),
        digits=6,
        zones=["T1", "T2"],
        coefficient=D(20),
    )
    # T1: 10 × 40 + 10 × 20; T2: 5 × 40 + 10 × 20.
    assert result.zone("T1").consumption == D(600) and result.zone("T2").consumption == D(400)
    assert result.total_difference == D(35)


def test_the_new_meters_value_is_checked_against_its_initial_reading():
    with pytest.raises(ReadingRejected) as refused:
        evaluate_across_replacement(
            {"T1": "3"}, {"T1": D(5)}, old({"T1": "12400"}, {"T1": "12345"}), digits=6, zones=["T1"], coefficient=D(1)
        )
    assert refused.value.errors[0].path == "values.T1"
    # A rollover of the new meter is asked about as on any meter.
    with pytest.raises(ReadingRejected) as asked:
        evaluate_across_replacement(
            {"T1": "10"}, {"T1": D(99990)}, old({"T1": "1"}, {"T1": "0"}), digits=5, zones=["T1"], coefficient=D(1)
        )
    assert asked.value.only_needs_confirmation and asked.value.errors[0].message == ROLLOVER_QUESTION
