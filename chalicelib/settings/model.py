"""The company settings document: one validated shape, Russian messages on every field.

Groups follow the console page «Настройки»: requisites, time zone, reading entry (window start day,
exchange lock windows — the exchange runs at the start of each — and who may submit by consumer
category), the billing period end day, appeal addressees, contacts and hours, branding, and the
connection-rates table the calculator uses (chalicelib/calculator/rates/<code>-<year>.json).
"""

import re
from collections.abc import Callable
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, ConfigDict, Field, StringConstraints, field_validator
from pydantic_core import PydanticCustomError

from chalicelib.categories import CATEGORIES
from chalicelib.core.model import BaseModel

from .parsers import InvalidReadingSettings, LocalTimeRange, parse_lock_windows, parse_submitters, parse_timezone

_ERROR = "kabinet.settings"


def _fail(message: str) -> PydanticCustomError:
    return PydanticCustomError(_ERROR, message)


def _digits(count: tuple[int, ...], what: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        if value and not (value.isdigit() and len(value) in count):
            raise _fail(f"{what}: {' или '.join(map(str, count))} цифр")
        return value

    return check


Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_RATES_CODE = re.compile(r"^[a-z0-9_-]{1,40}$")


def _local_time(value: str) -> str:
    if not _HHMM.match(value):
        raise _fail("Время указывается как ЧЧ:ММ, например 00:55")
    return value


def _colour(value: str) -> str:
    if not _COLOUR.match(value):
        raise _fail("Цвет указывается как #RRGGBB, например #1a4f86")
    return value.lower()


def _logo(value: str) -> str:
    # A path on the site or an https address: anything else (javascript:, data:) never reaches an <img>.
    if not (value.startswith("https://") or re.match(r"^[A-Za-z0-9_./-]+$", value)) or ".." in value:
        raise _fail("Логотип: путь на сайте (assets/logo.svg) или адрес https://…")
    return value


LocalTime = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_local_time)]


class _Group(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class Requisites(_Group):
    name: Name
    inn: Annotated[Text, AfterValidator(_digits((10, 12), "ИНН"))] = ""
    kpp: Annotated[Text, AfterValidator(_digits((9,), "КПП"))] = ""
    ogrn: Annotated[Text, AfterValidator(_digits((13, 15), "ОГРН"))] = ""


class LockWindow(_Group):
    start: LocalTime
    end: LocalTime


class Readings(_Group):
    window_start_day: int = Field(ge=1, le=31)
    # Each window locks entry while the billing exchange runs; the exchange starts at each window's start.
    lock_windows: list[LockWindow] = Field(max_length=24)
    submitters: list[str] = Field(max_length=len(CATEGORIES))

    @field_validator("window_start_day", mode="wrap")
    @classmethod
    def _day(cls, value: Any, handler: Any) -> int:
        try:
            number: int = handler(value)
            return number
        except Exception:
            raise _fail("День начала приёма показаний — целое число от 1 до 31") from None

    @field_validator("lock_windows")
    @classmethod
    def _windows(cls, windows: list[LockWindow]) -> list[LockWindow]:
        try:
            ranges = parse_lock_windows(",".join(f"{w.start}-{w.end}" for w in windows))
        except InvalidReadingSettings as exc:
            raise _fail(str(exc)) from None
        return [LockWindow(start=f"{r.start:%H:%M}", end=f"{r.end:%H:%M}") for r in ranges]

    @field_validator("submitters")
    @classmethod
    def _categories(cls, values: list[str]) -> list[str]:
        unknown = [v for v in values if v not in CATEGORIES]
        if unknown:
            raise _fail("Неизвестная категория потребителей: выберите из списка")
        return [c for c in CATEGORIES if c in values]  # one order, no repeats

    @property
    def lock_ranges(self) -> tuple[LocalTimeRange, ...]:
        return parse_lock_windows(self.lock_windows_spec)

    @property
    def lock_windows_spec(self) -> str:
        return ",".join(f"{w.start}-{w.end}" for w in self.lock_windows)


class Contacts(_Group):
    support_title: Text = ""
    phone: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] = ""
    email: Annotated[str, StringConstraints(strip_whitespace=True, max_length=120)] = ""
    address: Text = ""
    hours: list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]] = Field(
        default_factory=list, max_length=14
    )
    emergency_title: Text = ""
    emergency_phone: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] = ""
    emergency_hours: Text = ""

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        if value and not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", value):
            raise _fail("Адрес электронной почты указан неверно")
        return value

    @field_validator("phone", "emergency_phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        if value and not re.match(r"^[0-9+()\s-]{5,40}$", value):
            raise _fail("Телефон: цифры, пробелы, «+», «-» и скобки")
        return value


class Branding(_Group):
    site_name: Name
    logo_url: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300), AfterValidator(_logo)
    ]
    primary_color: Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_colour)]
    accent_color: Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_colour)]


class CompanySettings(_Group):
    requisites: Requisites
    time_zone: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    readings: Readings
    # АИИС КУЭ billing periods close on this day (0 = the month's last day, i.e. calendar months).
    billing_period_end_day: int = Field(ge=0, le=31)
    appeal_addressees: list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]] = (
        Field(min_length=1, max_length=20)
    )
    contacts: Contacts
    branding: Branding
    connection_rates: str
    # The PP 861 deadline watcher reminds the responsible employee (and the applicant, of the missing-
    # documents term) this many working days before a deadline ends (chalicelib/connection/watcher.py).
    connection_reminder_working_days: int = Field(default=3, ge=1, le=10)

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            parse_timezone(value)
        except InvalidReadingSettings:
            raise _fail("Неизвестный часовой пояс: укажите имя из базы IANA, например Europe/Moscow") from None
        return value

    @field_validator("billing_period_end_day", mode="wrap")
    @classmethod
    def _end_day(cls, value: Any, handler: Any) -> int:
        try:
            number: int = handler(value)
            return number
        except Exception:
            raise _fail("День окончания расчётного периода — число от 0 до 31 (0 — последний день месяца)") from None

    @field_validator("appeal_addressees", mode="wrap")
    @classmethod
    def _addressees(cls, value: Any, handler: Any) -> list[str]:
        try:
            names: list[str] = handler(value)
        except Exception:
            raise _fail("Укажите от 1 до 20 адресатов обращений, каждого не длиннее 100 символов") from None
        if any(";" in n for n in names):
            raise _fail("Имя адресата не может содержать «;»")
        return list(dict.fromkeys(names))

    @field_validator("connection_reminder_working_days", mode="wrap")
    @classmethod
    def _reminder_days(cls, value: Any, handler: Any) -> int:
        try:
            number: int = handler(value)
            return number
        except Exception:
            raise _fail("Напоминание о сроке — целое число рабочих дней от 1 до 10") from None

    @field_validator("connection_rates")
    @classmethod
    def _rates(cls, value: str) -> str:
        from chalicelib.calculator.rates import RATES_DIR

        value = value.strip()
        if not _RATES_CODE.match(value) or not any(RATES_DIR.glob(f"{value}-*.json")):
            raise _fail("Нет таблицы ставок платы с таким кодом (файлы chalicelib/calculator/rates/<код>-<год>.json)")
        return value

    # --- what the rest of the code reads ---------------------------------------------------------------

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def submitter_categories(self) -> frozenset[str]:
        return parse_submitters(",".join(self.readings.submitters))
