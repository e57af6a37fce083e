"""Request and response shapes of outages and address subscriptions.

Times from staff are company local time unless they carry an offset; they are stored in UTC and
returned in company local time with the offset («2024-03-12T09:00:00+03:00»).
"""

import re
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    create_model,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from chalicelib.core.config import get_settings
from chalicelib.core.model import BaseModel
from chalicelib.core.types import IsoDate, documented
from chalicelib.reference.models import Locality, StreetId

from . import rules
from .csvrows import MAX_ROWS as MAX_IMPORT_ROWS
from .houses import HousesError, format_houses, parse_house, parse_houses

MAX_STREETS = 40  # keeps an edit (delete + put per street, the outage, the audit) within one transaction
MAX_SUBSCRIPTIONS = 10

Kind = rules.Kind
Status = Literal["active", "cancelled"]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]

_KIND_WORDS = {"planned": "planned", "плановое": "planned", "emergency": "emergency", "аварийное": "emergency"}
_RUSSIAN_DATETIME = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?")
_DATETIME_FORMAT = "Ожидаются дата и время: ДД.ММ.ГГГГ ЧЧ:ММ"


def _kind(value: Any) -> Any:
    """Imports are typed by people: «Плановое» is as good as «planned»."""
    return _KIND_WORDS.get(value.strip().lower(), value) if isinstance(value, str) else value


def _datetime(value: Any) -> Any:
    if value is None or isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        raise PydanticCustomError("kabinet.datetime", _DATETIME_FORMAT)
    text = value.strip()
    try:
        found = _RUSSIAN_DATETIME.fullmatch(text)
        if found:
            day, month, year, hour, minute, second = (int(part or 0) for part in found.groups())
            parsed = datetime(year, month, day, hour, minute, second)
        else:
            parsed = datetime.fromisoformat(text)
    except ValueError:
        raise PydanticCustomError("kabinet.datetime", _DATETIME_FORMAT) from None
    if not 2000 <= parsed.year <= 2100:
        raise PydanticCustomError("kabinet.datetime", "Недопустимая дата")
    return parsed


def _utc(value: datetime) -> datetime:
    return rules.to_utc(value, get_settings().tz)


def _blank_is_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


def _houses(value: str) -> str:
    try:
        return format_houses(parse_houses(value))
    except HousesError as exc:
        raise PydanticCustomError("kabinet.houses", str(exc)) from None


def _house(value: str) -> str:
    try:
        return str(parse_house(value))
    except HousesError as exc:
        raise PydanticCustomError("kabinet.house", str(exc)) from None


KindIn = Annotated[Kind, BeforeValidator(_kind)]
LocalDateTime = Annotated[datetime, BeforeValidator(_datetime), AfterValidator(_utc)]
# Canonical forms on the way in: «5-11,12 корп 2» is stored and shown as «5–11, 12к2».
HousesText = Annotated[
    str,
    StringConstraints(max_length=2000),
    AfterValidator(_houses),
    documented(pattern=r"^([1-9][0-9]{0,3}(, [1-9][0-9]{0,3}){0,199})?$"),
]
HouseText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=30),
    AfterValidator(_house),
    documented(pattern=r"^[1-9][0-9]{0,3}$"),
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class _Schedule(Strict):
    """Kind and times, validated together: end after start, within the maximum duration."""

    kind: KindIn
    start: LocalDateTime
    end: Annotated[LocalDateTime | None, BeforeValidator(_blank_is_none)] = Field(
        default=None, validate_default=True, description="Пусто — окончание ещё неизвестно (только для аварийных)"
    )

    @field_validator("end")
    @classmethod
    def end_fits(cls, end: datetime | None, info: ValidationInfo) -> datetime | None:
        problem = rules.end_problem(info.data.get("kind"), info.data.get("start"), end)
        if problem:
            raise PydanticCustomError("kabinet.end", problem)
        return end


class StreetHouses(Strict):
    street_id: StreetId
    houses: HousesText = Field(default="", description="«1, 3, 5–11, 12к2»; пусто — вся улица")


def _distinct_streets(streets: list[StreetHouses]) -> list[StreetHouses]:
    if len({s.street_id for s in streets}) != len(streets):
        raise PydanticCustomError(
            "kabinet.streets", "Каждая улица указывается один раз; дома перечислите через запятую"
        )
    return streets


OutageStreets = Annotated[
    list[StreetHouses], Field(min_length=1, max_length=MAX_STREETS), AfterValidator(_distinct_streets)
]


class OutageIn(_Schedule):
    streets: OutageStreets
    reason: Reason


class OutagePatch(Strict):
    """Only the fields sent change. `end: null` clears the end (emergencies only); cancelling hides
    the outage from consumers, `status: active` brings it back."""

    version: int = Field(ge=1, description="Версия, с которой начиналась правка (защита от одновременных правок)")
    streets: OutageStreets | None = None
    start: LocalDateTime | None = None
    end: Annotated[LocalDateTime | None, BeforeValidator(_blank_is_none)] = None
    reason: Reason | None = None
    status: Status | None = None


DispatchNumber = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=40, pattern=r"^[0-9A-Za-zА-Яа-яЁё№#/._\- ]+$"),
]


class ImportRow(_Schedule):
    """One row of an import, CSV or JSON: the street is named, not referenced by id."""

    number: Annotated[DispatchNumber | None, BeforeValidator(_blank_is_none)] = Field(
        default=None,
        description="Номер отключения в диспетчерской системе, если есть: по нему повторная "
        "загрузка находит отключение (иначе — по виду, улице, домам и началу)",
    )
    locality: Locality
    street: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=150)]
    houses: HousesText = ""
    reason: Reason


class OutageImport(Strict):
    items: list[Any] | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_IMPORT_ROWS,
        description="Строки как объекты: kind, locality, street, houses, start, end, reason и, если есть, number",
    )
    csv: Annotated[str, StringConstraints(min_length=1, max_length=1000000)] | None = Field(
        default=None,
        description="Текст CSV: заголовок kind;locality;street;houses;start;end;reason "
        "(и, если есть, столбец number), разделитель «;», время — ДД.ММ.ГГГГ ЧЧ:ММ",
    )

    @model_validator(mode="after")
    def one_source(self) -> "OutageImport":
        if (self.items is None) == (self.csv is None):
            raise PydanticCustomError("kabinet.import", "Передайте либо список items, либо текст csv")
        return self


class OutageImportError(BaseModel):
    row: int = Field(description="CSV — номер строки файла (заголовок — строка 1); items — индекс (с 0)")
    path: str
    message: str


ChangedField = Literal["start", "end", "streets", "reason", "status"]
ImportResult = Literal["new", "unchanged", "updated", "error"]


class OutageImportRow(BaseModel):
    row: int = Field(description="Как в errors: номер строки файла или индекс в items")
    result: ImportResult = Field(
        description="new — создано отключение; unchanged — такая строка уже загружена (ничего не изменено); "
        "updated — строка изменилась, отключение обновлено; error — строка не загружена (см. errors)"
    )
    id: str | None = None
    number: str | None = None
    fields: list[ChangedField] = Field(default_factory=list, description="Что изменила строка (для updated)")
    notified: int = Field(default=0, description="Сколько подписчиков уведомлены об изменении (для updated)")
    message: str | None = None


class OutageImportReport(BaseModel):
    """Importing the same file again changes nothing: every row comes back `unchanged`."""

    created: int
    updated: int
    unchanged: int
    rejected: int = Field(description="Строк с ошибками")
    ids: list[str] = Field(description="Созданные отключения")
    rows: list[OutageImportRow] = Field(description="Итог по каждой строке, по порядку строк")
    errors: list[OutageImportError]


class StreetRef(BaseModel):
    id: str
    name: str
    locality: str


class OutagePublic(BaseModel):
    id: str
    kind: Kind
    kind_title: str
    start: datetime
    end: datetime | None = Field(description="null — время окончания ещё неизвестно")
    street: StreetRef
    houses: str = Field(description="Пусто — вся улица")
    reason: str
    changed_at: datetime | None = Field(
        default=None, description="Когда после публикации изменились время или адреса планового отключения"
    )
    previous_start: datetime | None = Field(default=None, description="Начало до последнего изменения времени")
    previous_end: datetime | None = Field(default=None, description="Окончание до последнего изменения времени")


class _LookupQuery(Strict):
    street_id: StreetId
    house: HouseText | None = Field(default=None, description="Без дома — все отключения улицы")
    kind: Kind | None = None
    if TYPE_CHECKING:  # the field OutageQuery adds (`from`, a keyword, cannot be declared)
        to: date | None

    @property
    def date_from(self) -> date | None:
        value: date | None = getattr(self, "from")
        return value

    @property
    def date_to(self) -> date | None:
        return self.to


# `from` and `to` are the contract's parameter names but Python keywords: hence create_model.
_query_range: dict[str, Any] = {
    "from": (IsoDate | None, Field(default=None, description="По умолчанию — сегодня")),
    "to": (IsoDate | None, Field(default=None, description="По умолчанию — через 14 дней; период не длиннее 92 дней")),
}
OutageQuery = create_model("OutageQuery", __base__=_LookupQuery, **_query_range)
_list_fields: dict[str, Any] = {"items": (list[OutagePublic], ...), "from": (date, ...), "to": (date, ...)}
OutageList = create_model("OutageList", __base__=BaseModel, **_list_fields)


class OutageStreet(StreetRef):
    houses: str


class OutageDetail(BaseModel):
    id: str
    kind: Kind
    kind_title: str
    status: Status
    published: bool = Field(description="Видно потребителям; плановые публикуются отдельно, аварийные — сразу")
    published_at: datetime | None = None
    notified: int = Field(
        description="Сколько подписчиков получили SMS о плановом отключении (при публикации) "
        "или об аварийном (при вводе)"
    )
    start: datetime
    end: datetime | None
    reason: str
    streets: list[OutageStreet]
    created_at: datetime
    created_by: str
    updated_at: datetime
    version: int
    number: str | None = Field(default=None, description="Номер в диспетчерской системе (из загрузки)")
    changed_at: datetime | None = None
    previous_start: datetime | None = None
    previous_end: datetime | None = None
    change_notified: int = Field(
        default=0,
        description="Сколько подписчиков уведомлены о последнем изменении "
        "(SMS «Изменено время отключения» или об отмене)",
    )
    notice_pending: bool = Field(default=False, description="Уведомления о последнем изменении ещё рассылаются")
    notifies_subscribers: bool = Field(
        default=False,
        description="Изменение времени или адресов, отмена или возврат разошлют SMS подписчикам: "
        "плановое, опубликовано и ещё не закончилось",
    )


class OutageMonth(BaseModel):
    items: list[OutageDetail]


class MonthQuery(Strict):
    month: Annotated[str, StringConstraints(pattern=r"^20\d\d-(0[1-9]|1[0-2])$")] = Field(
        description="ГГГГ-ММ: месяц начала отключения"
    )


SubscriptionKinds = Literal["planned", "all"]
_KINDS_TEXT = "planned — только о плановых отключениях; all — и об аварийных"


class SubscriptionIn(Strict):
    street_id: StreetId
    house: HouseText
    kinds: SubscriptionKinds = Field(default="planned", description=_KINDS_TEXT)


class SubscriptionChoice(Strict):
    kinds: SubscriptionKinds = Field(description=_KINDS_TEXT)


class SubscriptionOut(BaseModel):
    street_id: str
    street: str
    locality: str
    house: str
    kinds: SubscriptionKinds = Field(description=_KINDS_TEXT)
    created_at: datetime


class SubscriptionList(BaseModel):
    items: list[SubscriptionOut]
    limit: int = MAX_SUBSCRIPTIONS
