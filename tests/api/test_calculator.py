"""The public connection-cost calculator (seed 002, «Калькулятор»)."""

from __future__ import annotations

from datetime import UTC, datetime


def test_anyone_gets_both_costs_the_preferential_fee_and_the_disclaimer(api):
    status, result = api.post("/connection-calculator", {"power_kw": 15, "distance_m": 200, "voltage": "0.4"})
    assert status == 200, result
    assert result["company_name"] == "АО «Горэлектросеть»" and result["rates_year"] == 2026
    assert result["rates_outdated"] is False and "1135/17" in result["rates_source"]
    assert [i["code"] for i in result["standardised"]["items"]] == ["C1", "C2", "C8"]
    assert result["standardised"]["total"] == "299252.00" and result["standardised"]["total_with_vat"] == "365087.44"
    assert result["per_kw"] == {"rate": "8740.00", "total": "131100.00", "total_with_vat": "159942.00"}
    assert result["preferential"]["applies"] is True and result["preferential"]["amount_with_vat"] == "81345.00"
    assert "№ 1178" in result["preferential"]["basis"]
    assert result["disclaimer"].startswith("Расчёт носит справочный характер")


def test_companies_get_no_preferential_fee(api):
    status, result = api.post(
        "/connection-calculator",
        {
            "power_kw": 120,
            "distance_m": 800,
            "voltage": "10",
            "applicant_kind": "company",
            "reliability": "II",
            "construction": "cable",
        },
    )
    assert status == 200 and result["preferential"]["applies"] is False
    assert result["preferential"]["amount_with_vat"] is None
    assert "физическим лицам" in result["preferential"]["conditions"]


def test_input_is_checked_in_russian(api):
    status, answer = api.post("/connection-calculator", {"power_kw": 0, "distance_m": -5, "voltage": "0,4"})
    assert status == 422
    assert {f["path"] for f in answer["error"]["fields"]} == {"power_kw", "distance_m", "voltage"}
    status, answer = api.post("/connection-calculator", {"power_kw": 500, "distance_m": 100, "voltage": "110"})
    assert status == 422 and answer["error"]["fields"] == [
        {"path": "voltage", "message": "Для напряжения 35 кВ и выше плата рассчитывается по индивидуальному проекту"}
    ]


def test_next_year_uses_the_latest_published_rates_and_says_so(api):
    from chalicelib.core import clock

    clock.set_clock(lambda: datetime(2027, 2, 1, 9, 0, tzinfo=UTC))
    try:
        status, result = api.post("/connection-calculator", {"power_kw": 10, "distance_m": 0, "voltage": "0.23"})
    finally:
        clock.set_clock(None)
    assert status == 200 and result["rates_year"] == 2026 and result["rates_outdated"] is True
