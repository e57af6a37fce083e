"""Request and response shapes of the consumer АИИС КУЭ routes (reads/api.py).

Energies are decimal strings (kWh for A±, kvarh for R±) as elsewhere in the API: no float rounding.
A consumer's data carry company-local times (ISO 8601 with the offset) and dates.
"""

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, StringConstraints, field_validator

from chalicelib.core.model import BaseModel
from chalicelib.core.types import IsoDate

Channel = Literal["A+", "A-", "R+", "R-"]
SlotStatus = Literal["ok", "estimated", "missing", "no_data"]
Severity = Literal["info", "warning", "critical"]
UNITS: dict[str, str] = {"A+": "кВт·ч", "A-": "кВт·ч", "R+": "квар·ч", "R-": "квар·ч"}


class _Query(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class _Ranged(BaseModel):
    """Answers covering `from`…`to`: keys that are Python keywords, hence aliases."""

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


class RegistersOut(BaseModel):
    meter_id: str
    read_at: str | None = Field(description="Когда счётчик показал эти значения; null — данных ещё нет")
    values: dict[str, str] = Field(description="Канал (A+, A-, R+, R-) → накопленное значение, как на табло счётчика")
    coefficient: str = Field(
        description="Расчётный коэффициент (Ктт × Ктн): профиль, графики и потребление уже "
        "умножены на него, показания табло — нет"
    )
    units: dict[str, str] = Field(default_factory=lambda: dict(UNITS))


class ProfileQuery(_Query):
    date_from: IsoDate | None = Field(
        default=None, alias="from", description="По умолчанию — за два дня до окончания периода"
    )
    date_to: IsoDate | None = Field(default=None, alias="to", description="По умолчанию — сегодня")


class IntervalOut(BaseModel):
    start: str
    end: str
    status: SlotStatus = Field(
        description="ok; estimated — расчётное значение счётчика; missing — у счётчика "
        "нет значения; no_data — данные ещё не поступили"
    )
    values: dict[str, str]


class Completeness(BaseModel):
    ok: int
    estimated: int
    missing: int
    no_data: int


class ProfileOut(_Ranged):
    meter_id: str
    date_from: dt.date = Field(alias="from")
    date_to: dt.date = Field(alias="to")
    interval_minutes: int = Field(
        description="Длина интервала профиля счётчика, мин (1–60, делит час): по последним "
        "суткам периода с данными; у каждого интервала свои start и end"
    )
    units: dict[str, str] = Field(default_factory=lambda: dict(UNITS))
    summary: Completeness
    intervals: list[IntervalOut]


class ConsumptionQuery(_Query):
    scale: Literal["day", "month", "year"] = "month"
    date: IsoDate | None = Field(default=None, description="Любой день нужного периода; по умолчанию — сегодня")
    basis: Literal["calendar", "billing"] = "calendar"
    channel: Channel = "A+"

    @field_validator("channel", mode="before")
    @classmethod
    def _plus_as_space(cls, value: Any) -> Any:
        # An unencoded "+" in a query string arrives as a space ("A+" → "A "): send %2B, but take both.
        if isinstance(value, str) and value.strip() in ("A", "R"):
            return f"{value.strip()}+"
        return value


class ConsumptionPoint(BaseModel):
    start: str = Field(
        description="Начало: время получаса (day) или дата (month, year); для детализации "
        "передайте его как date следующего масштаба"
    )
    end: str
    value: str | None = Field(description="Энергия за точку; null — по каналу нет данных")
    status: Literal["ok", "estimated", "missing", "no_data", "partial"] = Field(
        description="day: ok | estimated | missing | no_data; month, year: ok (все получасы достоверны) | "
        "partial | no_data"
    )
    estimated: int
    missing: int
    no_data: int


class ConsumptionOut(BaseModel):
    meter_id: str
    scale: Literal["day", "month", "year"]
    basis: Literal["calendar", "billing"]
    channel: Channel
    unit: str
    interval_minutes: int | None = Field(
        default=None, description="scale=day: длина интервала профиля счётчика в эти сутки, мин; month, year: null"
    )
    period_start: dt.date
    period_end: dt.date
    total: str | None
    points: list[ConsumptionPoint]


class ReadingsQuery(_Query):
    page: int = Field(default=1, ge=1, le=1000)
    size: int = Field(default=31, ge=1, le=62)


class DayStart(BaseModel):
    values: dict[str, str] = Field(description="Показания на начало суток (0:00 по времени компании), как на табло")
    source: Literal["meter", "first_after_midnight"] = Field(
        description="meter — зафиксированы счётчиком; first_after_midnight — у счётчика нет суточных снимков, "
        "это первое показание после полуночи"
    )


class ReadingRow(BaseModel):
    date: dt.date
    day_start: DayStart | None = Field(default=None, description="Показания на начало суток; null — не поступали")
    read_at: str | None = Field(description="Время последнего за день снятия показаний")
    values: dict[str, str] = Field(description="Показания на конец дня по каналам")
    consumption: dict[str, str] = Field(description="Расход за день по каналам (по профилю)")
    estimated: int
    missing: int
    no_data: int


class ReadingsOut(_Ranged):
    meter_id: str
    page: int
    size: int
    date_from: dt.date = Field(alias="from")
    date_to: dt.date = Field(alias="to")
    has_more: bool = Field(description="Есть ли данные раньше этой страницы")
    units: dict[str, str] = Field(default_factory=lambda: dict(UNITS))
    rows: list[ReadingRow]


class EventsQuery(_Query):
    severity: (
        Annotated[str, StringConstraints(pattern=r"^(info|warning|critical)(,(info|warning|critical))*$")] | None
    ) = Field(default=None, description="Через запятую: info, warning, critical")
    journal: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,31}$")] | None = None
    date_from: IsoDate | None = Field(default=None, alias="from")
    date_to: IsoDate | None = Field(default=None, alias="to")


class EventOut(BaseModel):
    at: str
    journal: str
    journal_title: str
    code: str
    severity: Severity
    severity_title: str
    text: str


class EventsOut(_Ranged):
    meter_id: str
    date_from: dt.date = Field(alias="from")
    date_to: dt.date = Field(alias="to")
    counts: dict[str, int] = Field(description="Число показанных событий по важности")
    truncated: bool = Field(description="Показаны не все события периода: сузьте период или фильтр")
    events: list[EventOut]


class RelayOut(BaseModel):
    meter_id: str
    state: Literal["on", "off"] | None
    state_title: str
    at: str | None


class AiisMeter(BaseModel):
    id: str
    serial: str
    label: str | None = None
    status: str


class AiisContractOut(BaseModel):
    contract: str
    connected: bool
    meters: list[AiisMeter]
