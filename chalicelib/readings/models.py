"""Request and response shapes of reading entry, history and summary."""

from typing import Annotated

from pydantic import ConfigDict, Field, StringConstraints

from chalicelib.core.model import BaseModel
from chalicelib.core.types import IsoDate

ReadingValue = Annotated[str, StringConstraints(strip_whitespace=True, max_length=20)]
Zone = Annotated[str, StringConstraints(pattern=r"^T[1-3]$")]


class SubmitRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    values: dict[Zone, ReadingValue] = Field(
        max_length=3, description="Показание по каждой тарифной зоне", json_schema_extra={"additionalProperties": False}
    )
    rollover_confirmed: bool | dict[Zone, bool] = Field(
        default=False, description="Ответ «да» на вопрос «Переход электросчётчика через ноль?»"
    )
    version: int | None = Field(default=None, ge=1, description="Версия сохранённых показаний, которые исправляются")
    reading_date: IsoDate | None = Field(default=None, description="Дата снятия (для заявленных счётчиков)")


class ZoneResult(BaseModel):
    zone: str
    value: str
    previous: str | None
    difference: str | None
    consumption: str | None
    rollover: bool
    note: str | None = None


class WindowOut(BaseModel):
    now: str = Field(description="Время сервера: страница отсчитывает от него, а не от часов браузера")
    open: bool
    locked: bool
    accepts_entry: bool
    period: str
    period_label: str
    opens_at: str
    closes_at: str
    days_left: int
    unlocks_at: str | None
    message: str
    closed: bool = Field(default=False, description="Сетевая компания закрыла расчётный период: приём окончен")


class ReadingOut(BaseModel):
    meter_id: str
    period: str
    zones: list[ZoneResult]
    total_consumption: str | None
    source: str = Field(description="Откуда показания: user — личный кабинет, billing — биллинг, aiis — АИИС КУЭ")
    submitted_by_name: str | None = Field(
        default=None, description="Кто передал через личный кабинет: «Фамилия И. О.» или краткое наименование"
    )
    submitted_by_you: bool = Field(default=False, description="Передано из этого личного кабинета")
    submitted_at: str
    version: int


class EntryForm(BaseModel):
    """Everything the entry page needs: the window, the meter's zones, previous and current values."""

    meter_id: str
    serial: str
    label: str | None = None
    model: str | None = None
    status: str
    virtual: bool
    digits: int
    zones: list[str]
    coefficient: str
    previous: dict[str, str | None]
    previous_period: str | None
    current: ReadingOut | None
    window: WindowOut
    submitters_rule: str | None = Field(
        default=None, description="Правило компании, от кого принимаются показания (нет — от всех)"
    )
    can_submit: bool
    refusal: str | None = None


class HistoryOut(BaseModel):
    meter_id: str
    items: list[ReadingOut]


class SummaryRow(BaseModel):
    meter_id: str
    serial: str
    label: str | None = None
    status: str
    zones: list[str]
    accepts_manual: bool = Field(
        description="Может ли этот пользователь передать показания счётчика вручную "
        "(счётчик в работе и не на АИИС, категория потребителя допущена, "
        "право передачи есть)"
    )
    reading: ReadingOut | None


class SummaryOut(BaseModel):
    period: str
    period_label: str
    window: WindowOut
    meters: list[SummaryRow]
    submitted: int
    total: int = Field(description="Счётчики, по которым этот пользователь передаёт показания вручную")


class HistoryQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    limit: int = Field(default=36, ge=1, le=120)
