"""The cost estimate (pure): standardised rates, the per-kW rate, and the ФЛ ≤ 15 kW preferential fee.

Simplifications, stated to the user by the disclaimer: the line is built over the whole distance to
the grid, of one construction type; I and II reliability categories need two independent sources, so
lines and metering points are doubled; a 6(10)/0.4 kV substation (C5) only when asked for; 35 kV and
above is always an individual project.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from .rates import Construction, LineVoltage, MeterVoltage, PowerBand, RateTable, Settlement

KOPECK = Decimal("0.01")
LINE_GROUP: dict[str, LineVoltage] = {"0.23": "0.4", "0.4": "0.4", "6": "6-10", "10": "6-10", "20": "20"}
METER_GROUP: dict[str, MeterVoltage] = {"0.23": "0.23", "0.4": "0.4", "6": "6-10", "10": "6-10", "20": "20"}
LINE_TITLES = {"overhead": "Строительство воздушной линии", "cable": "Строительство кабельной линии"}
GROUP_TITLES = {"0.4": "0,4 кВ", "6-10": "6–10 кВ", "20": "20 кВ"}
PREFERENTIAL_CONDITIONS = (
    "Льготный порядок применяется к физическим лицам до 15 кВт включительно, III категории "
    "надёжности, на напряжении 0,4 кВ и ниже, не далее 300 м от сетей в городе и 500 м в сельской "
    "местности"
)


class CalculatorError(ValueError):
    """Input the tables cannot price; the message is Russian and safe to show."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(message)
        self.path, self.message = path, message


@dataclass(frozen=True)
class Inputs:
    power_kw: Decimal
    distance_m: int
    voltage: str
    reliability: str
    applicant_kind: str
    construction: Construction
    settlement: Settlement
    substation: bool


@dataclass(frozen=True)
class Item:
    code: str
    title: str
    quantity: Decimal
    unit: str
    rate: Decimal
    amount: Decimal


@dataclass(frozen=True)
class Estimate:
    items: list[Item]
    standardised: Decimal
    standardised_with_vat: Decimal
    per_kw_rate: Decimal
    per_kw: Decimal
    per_kw_with_vat: Decimal
    preferential_with_vat: Decimal | None


def money(value: Decimal) -> Decimal:
    return value.quantize(KOPECK, rounding=ROUND_HALF_UP)


def estimate(table: RateTable, given: Inputs) -> Estimate:
    if given.voltage not in LINE_GROUP:
        raise CalculatorError("voltage", "Для напряжения 35 кВ и выше плата рассчитывается по индивидуальному проекту")
    if given.substation and LINE_GROUP[given.voltage] != "0.4":
        raise CalculatorError("substation", "Трансформаторная подстанция строится только при присоединении на 0,4 кВ")
    rates, line_group = table.standardised, LINE_GROUP[given.voltage]
    sources = Decimal(1 if given.reliability == "III" else 2)
    band: PowerBand = "upto_150" if given.power_kw <= 150 else "over_150"
    items = [
        _item(
            "C1",
            "Подготовка и выдача технических условий, проверка их выполнения",
            Decimal(1),
            "присоед.",
            rates.c1_per_connection[band],
        )
    ]
    if given.distance_m > 0:
        km = Decimal(given.distance_m) / 1000 * sources
        code = "C2" if given.construction == "overhead" else "C3"
        items.append(
            _item(
                code,
                f"{LINE_TITLES[given.construction]} {GROUP_TITLES[line_group]}",
                km,
                "км",
                rates.lines_per_km[given.construction][line_group],
            )
        )
    if given.substation:
        items.append(
            _item(
                "C5",
                "Строительство трансформаторной подстанции 6(10)/0,4 кВ",
                given.power_kw,
                "кВт",
                rates.substation_per_kw["0.4"],
            )
        )
    items.append(
        _item(
            "C8",
            "Средства коммерческого учёта электроэнергии",
            sources,
            "точ. учёта",
            rates.metering_per_point[METER_GROUP[given.voltage]],
        )
    )
    standardised = money(sum((i.amount for i in items), Decimal(0)))
    per_kw_rate = table.per_kw_rate(line_group, given.power_kw)
    if per_kw_rate is None:
        raise CalculatorError("power_kw", "Для такой мощности ставка за 1 кВт не установлена")
    per_kw = money(per_kw_rate * given.power_kw)
    with_vat = Decimal(1) + table.vat_rate
    standardised_with_vat = money(standardised * with_vat)
    preferential = None
    if preferential_applies(table, given):
        preferential = min(standardised_with_vat, money(table.preferential.rate_per_kw_with_vat * given.power_kw))
    return Estimate(
        items=items,
        standardised=standardised,
        standardised_with_vat=standardised_with_vat,
        per_kw_rate=per_kw_rate,
        per_kw=per_kw,
        per_kw_with_vat=money(per_kw * with_vat),
        preferential_with_vat=preferential,
    )


def preferential_applies(table: RateTable, given: Inputs) -> bool:
    """Правила ТП п. 17 (ред. ПП РФ от 30.06.2022 № 1178): ФЛ, ≤ 15 kW, III category, ≤ 0.4 kV, within
    300 m (towns) / 500 m (countryside) of the company's grid of the needed voltage."""
    rule = table.preferential
    return (
        given.applicant_kind == "person"
        and given.power_kw <= rule.max_kw
        and given.reliability == "III"
        and LINE_GROUP[given.voltage] == "0.4"
        and given.distance_m <= rule.distance_m[given.settlement]
    )


def _item(code: str, title: str, quantity: Decimal, unit: str, rate: Decimal) -> Item:
    return Item(code=code, title=title, quantity=quantity, unit=unit, rate=rate, amount=money(quantity * rate))
