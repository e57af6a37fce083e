"""The calculator: this year's table of the company (or the latest published), the estimate, the
response with the disclaimer."""

from __future__ import annotations

from chalicelib.core import clock
from chalicelib.core.config import get_settings
from chalicelib.core.errors import ApiError, field_error
from chalicelib.settings import company

from . import rates
from .cost import PREFERENTIAL_CONDITIONS, CalculatorError, Inputs, estimate
from .models import CalculatorItem, CalculatorRequest, CalculatorResult, PerKwCost, PreferentialCost, StandardisedCost

DISCLAIMER = (
    "Расчёт носит справочный характер и не является офертой. Итоговая стоимость технологического "
    "присоединения определяется сетевой организацией по утверждённым ставкам после подачи заявки, при "
    "подготовке договора об осуществлении технологического присоединения."
)


def calculate(request: CalculatorRequest) -> CalculatorResult:
    settings = get_settings()
    year = clock.now().astimezone(settings.tz).year
    table = rates.for_year(company().connection_rates, year)
    if table is None:
        raise ApiError(
            "Калькулятор временно недоступен: ставки платы не загружены", status=503, code="rates_unavailable"
        )
    try:
        result = estimate(table, Inputs(**request.model_dump()))
    except CalculatorError as exc:
        raise field_error(exc.path, exc.message) from None
    preferential = table.preferential
    return CalculatorResult(
        company_name=table.company_name,
        rates_year=table.year,
        rates_source=table.source,
        rates_outdated=table.year != year,
        vat_rate=table.vat_rate,
        standardised=StandardisedCost(
            items=[CalculatorItem(**vars(i)) for i in result.items],
            total=result.standardised,
            total_with_vat=result.standardised_with_vat,
        ),
        per_kw=PerKwCost(rate=result.per_kw_rate, total=result.per_kw, total_with_vat=result.per_kw_with_vat),
        preferential=PreferentialCost(
            applies=result.preferential_with_vat is not None,
            amount_with_vat=result.preferential_with_vat,
            rate_per_kw_with_vat=preferential.rate_per_kw_with_vat,
            basis=preferential.basis,
            conditions=PREFERENTIAL_CONDITIONS,
        ),
        disclaimer=DISCLAIMER,
    )
