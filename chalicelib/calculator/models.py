"""Request and response of `connection-calculator`. Money is text with two decimals (no float rounding)."""

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, PlainSerializer

from chalicelib.core.model import BaseModel
from chalicelib.core.types import decimal_number

Money = Annotated[Decimal, PlainSerializer(lambda v: f"{v:.2f}", return_type=str, when_used="json")]


class CalculatorRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    power_kw: Annotated[Decimal, decimal_number(4, 3, positive=True)] = Field(
        gt=0, le=15000, max_digits=8, decimal_places=3, description="Максимальная мощность, кВт"
    )
    distance_m: int = Field(ge=0, le=50000, description="Расстояние до сетей нужного класса напряжения, м")
    voltage: Literal["0.23", "0.4", "6", "10", "20", "35", "110"]
    reliability: Literal["I", "II", "III"] = "III"
    applicant_kind: Literal["person", "entrepreneur", "company"] = "person"
    construction: Literal["overhead", "cable"] = Field(default="overhead", description="Воздушная или кабельная линия")
    settlement: Literal["urban", "rural"] = Field(default="urban", description="Город или сельская местность")
    substation: bool = Field(default=False, description="Нужна трансформаторная подстанция 6(10)/0,4 кВ")


class CalculatorItem(BaseModel):
    code: str = Field(description="Стандартизированная ставка: C1, C2, C3, C5, C8")
    title: str
    quantity: Decimal
    unit: str
    rate: Money
    amount: Money


class StandardisedCost(BaseModel):
    items: list[CalculatorItem]
    total: Money = Field(description="Без НДС")
    total_with_vat: Money


class PerKwCost(BaseModel):
    rate: Money = Field(description="Ставка за 1 кВт максимальной мощности, без НДС")
    total: Money
    total_with_vat: Money


class PreferentialCost(BaseModel):
    applies: bool
    amount_with_vat: Money | None = Field(default=None, description="Плата по льготному правилу")
    rate_per_kw_with_vat: Money
    basis: str
    conditions: str


class CalculatorResult(BaseModel):
    company_name: str
    rates_year: int
    rates_source: str
    rates_outdated: bool = Field(description="Ставки на текущий год ещё не утверждены — расчёт по последним известным")
    vat_rate: Decimal
    standardised: StandardisedCost
    per_kw: PerKwCost
    preferential: PreferentialCost
    disclaimer: str
