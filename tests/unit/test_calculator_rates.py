"""Connection-cost calculator: rate tables as data, standardised and per-kW costs, the preferential rule."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from chalicelib.calculator import rates
from chalicelib.calculator.cost import CalculatorError, Inputs, estimate, preferential_applies

TABLE = rates.table("gorelektroset", 2026)
HOUSE = Inputs(
    power_kw=Decimal(15),
    distance_m=200,
    voltage="0.4",
    reliability="III",
    applicant_kind="person",
    construction="overhead",
    settlement="urban",
    substation=False,
)


def test_every_rate_file_is_valid_names_its_year_and_source():
    for path in rates.RATES_DIR.glob("*.json"):
        company, year = path.stem.rsplit("-", 1)
        table = rates.table(company, int(year))
        assert table.company == company and table.year == int(year)
        assert table.valid_from.year == table.year == table.valid_to.year
        assert table.source and table.preferential.basis
    assert TABLE.vat_rate == Decimal("0.22")  # НДС 22 % from 1 January 2026


def test_the_latest_published_table_serves_until_the_next_one():
    assert rates.years("gorelektroset") == [2026]
    assert rates.for_year("gorelektroset", 2026) is TABLE
    assert rates.for_year("gorelektroset", 2027) is TABLE
    assert rates.for_year("gorelektroset", 2025) is None
    assert rates.for_year("unknown", 2026) is None


def test_household_connection_by_standardised_and_per_kw_rates():
    result = estimate(TABLE, HOUSE)
    assert [(i.code, i.quantity, i.amount) for i in result.items] == [
        ("C1", Decimal(1), Decimal("21452.00")),
        ("C2", Decimal("0.2"), Decimal("250000.00")),
        ("C8", Decimal(1), Decimal("27800.00")),
    ]
    assert result.standardised == Decimal("299252.00")
    assert result.standardised_with_vat == Decimal("365087.44")
    assert result.per_kw_rate == Decimal("8740.00") and result.per_kw == Decimal("131100.00")
    assert result.per_kw_with_vat == Decimal("159942.00")
    # п. 17: the smaller of the standardised cost and the preferential per-kW rate × kW.
    assert result.preferential_with_vat == Decimal("81345.00")


def test_two_sources_double_lines_and_metering_points():
    result = estimate(
        TABLE, replace(HOUSE, reliability="II", power_kw=Decimal(100), applicant_kind="company", construction="cable")
    )
    line = next(i for i in result.items if i.code == "C3")
    assert line.quantity == Decimal("0.4") and line.amount == Decimal("1132000.00")
    meter = next(i for i in result.items if i.code == "C8")
    assert meter.quantity == 2 and meter.amount == Decimal("55600.00")
    assert result.preferential_with_vat is None


def test_substation_single_phase_meter_and_no_line_at_the_grid():
    result = estimate(TABLE, replace(HOUSE, voltage="0.23", distance_m=0, substation=True, power_kw=Decimal(10)))
    assert [i.code for i in result.items] == ["C1", "C5", "C8"]
    assert next(i for i in result.items if i.code == "C5").amount == Decimal("98000.00")
    assert next(i for i in result.items if i.code == "C8").rate == Decimal("14200.00")


@pytest.mark.parametrize(
    "voltage,power,rate",
    [
        ("0.4", 15, "8740.00"),
        ("0.4", 100, "7930.00"),
        ("0.4", 200, "7120.00"),
        ("10", 100, "6980.00"),
        ("6", 500, "6150.00"),
        ("20", 800, "5890.00"),
    ],
)
def test_per_kw_rate_by_voltage_and_power_band(voltage, power, rate):
    assert estimate(TABLE, replace(HOUSE, voltage=voltage, power_kw=Decimal(power))).per_kw_rate == Decimal(rate)


@pytest.mark.parametrize(
    "changes,applies",
    [
        ({}, True),
        ({"settlement": "rural", "distance_m": 450}, True),
        ({"distance_m": 350}, False),
        ({"applicant_kind": "entrepreneur"}, False),
        ({"power_kw": Decimal("15.5")}, False),
        ({"reliability": "II"}, False),
        ({"voltage": "10"}, False),
    ],
)
def test_preferential_rule_conditions(changes, applies):
    assert preferential_applies(TABLE, replace(HOUSE, **changes)) is applies


def test_preferential_fee_never_exceeds_the_standardised_cost():
    result = estimate(TABLE, replace(HOUSE, distance_m=0, power_kw=Decimal(15)))
    assert result.preferential_with_vat == min(result.standardised_with_vat, Decimal("81345.00"))
    assert result.preferential_with_vat == Decimal("60087.44")  # (21 452 + 27 800) × 1.22


@pytest.mark.parametrize(
    "changes,path",
    [
        ({"voltage": "35"}, "voltage"),
        ({"voltage": "110"}, "voltage"),
        ({"voltage": "10", "substation": True}, "substation"),
    ],
)
def test_what_needs_an_individual_project_is_refused(changes, path):
    with pytest.raises(CalculatorError) as refused:
        estimate(TABLE, replace(HOUSE, **changes))
    assert refused.value.path == path
