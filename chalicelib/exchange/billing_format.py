"""The billing drop: what the billing system sends us, in JSON or CSV, validated row by row.

Layout (docs/billing-exchange.md): one row per meter, with its contract, personal account and
object. A malformed row is reported with its number and skipped; the others are applied.

Two formats share the layout. A row with `category` is the new format: it names the holder
(СНИЛС of a ФЛ where billing has it, ИНН of an ИП, ИНН and КПП of a ЮЛ), stored exactly as
registration stores an account's identity, because linking compares the two with ==. A row
without `category` is the old format and carries no identity.
"""

import csv
import io
import json
from collections.abc import Iterator
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import (
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from chalicelib.accounts.identifiers import InvalidIdentifier, normalize_inn, normalize_kpp, normalize_snils
from chalicelib.categories import KIND_OF_CATEGORY, Category, categories_of
from chalicelib.core.model import BaseModel
from chalicelib.core.validation import to_api_error

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
OptionalText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)] | None
# The new format's columns; old files lack them, so the header may too.
IDENTITY_COLUMNS = ("category", "holder_snils", "holder_inn", "holder_kpp")
CSV_COLUMNS: tuple[str, ...] = (
    "contract",
    "holder_name",
    "holder_kind",
    *IDENTITY_COLUMNS,
    "account",
    "object_id",
    "object_name",
    "object_address",
    "serial",
    "model",
    "digits",
    "zones",
    "coefficient",
    "install_date",
    "install_place",
    "verified_on",
    "next_verification",
    "seal",
    "status",
    "point_code",
    "aiis_enabled",
    "last_period",
    "last_T1",
    "last_T2",
    "last_T3",
)
# A replacement of the meter (docs/billing-exchange.md, «Meter replacement»): optional columns, on the
# new meter's row; files without them import as before.
REPLACEMENT_COLUMNS = (
    "replacement_date",
    "replaced_serial",
    "replaced_final_T1",
    "replaced_final_T2",
    "replaced_final_T3",
    "initial_T1",
    "initial_T2",
    "initial_T3",
)
CSV_COLUMNS += REPLACEMENT_COLUMNS
REQUIRED_CSV_COLUMNS = tuple(c for c in CSV_COLUMNS if c not in IDENTITY_COLUMNS + REPLACEMENT_COLUMNS)
# Rows of one contract in one drop must agree on these: the holder is one for the whole contract.
HOLDER_FIELDS = ("holder_name", "holder_kind", *IDENTITY_COLUMNS)

_LABELS = {"holder_snils": "СНИЛС", "holder_inn": "ИНН", "holder_kpp": "КПП"}
_OF_KIND = {
    "person": "физического лица",
    "entrepreneur": "индивидуального предпринимателя",
    "company": "юридического лица",
}
# The new format's identity by holder kind: True = required, False = optional; a field not listed
# must be empty. A ФЛ is matched by СНИЛС or, without it, by surname and the last billed reading.
_IDENTITY_OF_KIND: dict[str, dict[str, bool]] = {
    "person": {"holder_snils": False},
    "entrepreneur": {"holder_inn": True},
    "company": {"holder_inn": True, "holder_kpp": True},
}
_INN_LENGTH = {"entrepreneur": 12, "company": 10}
Identifier = Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] | None


ZoneName = Literal["T1", "T2", "T3"]


class Replacement(BaseModel):
    """The meter of this row replaced `old_serial` on `date`: the old meter's final reading and the new
    one's initial reading, per zone."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    date: date
    old_serial: Annotated[
        str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[0-9A-Za-z\-]{1,40}$")
    ]
    old_final: dict[ZoneName, Decimal] = Field(min_length=1)
    new_initial: dict[ZoneName, Decimal] = Field(min_length=1)

    @model_validator(mode="after")
    def non_negative(self) -> "Replacement":
        if any(v < 0 for v in (*self.old_final.values(), *self.new_initial.values())):
            raise PydanticCustomError("kabinet.replacement", "Показания при замене не могут быть отрицательными")
        return self


class BillingMeterRow(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    contract: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    holder_name: Text
    holder_kind: Literal["person", "entrepreneur", "company"]
    # The new format (docs/billing-exchange.md); absent in old drops. `category` comes before the
    # identifiers because their rules depend on it; they are checked even when absent (required ones).
    category: Category | None = None
    holder_snils: Identifier = Field(default=None, validate_default=True)
    holder_inn: Identifier = Field(default=None, validate_default=True)
    holder_kpp: Identifier = Field(default=None, validate_default=True)
    account: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9\-]{4,20}$")]
    object_id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    object_name: Text
    object_address: Text
    serial: Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[0-9A-Za-z\-]{1,40}$")]
    model: OptionalText = None
    digits: int = Field(ge=4, le=9)
    zones: list[Literal["T1", "T2", "T3"]] = Field(min_length=1, max_length=3)
    coefficient: Decimal = Field(default=Decimal(1), gt=0, le=100000)
    install_date: date | None = None
    install_place: OptionalText = None
    verified_on: date | None = None
    next_verification: date | None = None
    seal: OptionalText = None
    status: Literal["active", "decommissioned", "aiis"] = "active"
    point_code: OptionalText = None
    aiis_enabled: bool = False
    last_period: Annotated[str, StringConstraints(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")] | None = None
    last_values: dict[Literal["T1", "T2", "T3"], Decimal] = Field(default_factory=dict)
    replacement: Replacement | None = None

    @field_validator(*IDENTITY_COLUMNS, mode="before")
    @classmethod
    def blank_is_absent(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("category")
    @classmethod
    def category_fits_kind(cls, value: str | None, info: ValidationInfo) -> str | None:
        kind = info.data.get("holder_kind")
        if value is not None and kind is not None and KIND_OF_CATEGORY[value] != kind:
            raise PydanticCustomError(
                "kabinet.category",
                "Категория {category} не подходит для {of_kind}: допустимы {allowed}",
                {"category": value, "of_kind": _OF_KIND[kind], "allowed": ", ".join(categories_of(kind, None))},
            )
        return value

    @field_validator("holder_snils", "holder_inn", "holder_kpp")
    @classmethod
    def holder_identity(cls, value: str | None, info: ValidationInfo) -> str | None:
        kind = info.data.get("holder_kind")
        if kind is None or "category" not in info.data:
            return value  # the kind or the category is wrong: that is the row's error
        name = info.field_name
        assert name is not None  # a field validator always runs for a field
        label = _LABELS[name]
        if info.data["category"] is None:
            if value is not None:
                raise PydanticCustomError(
                    "kabinet.identity",
                    "{label} передаётся только вместе с категорией потребителя (category)",
                    {"label": label},
                )
            return None
        rule = _IDENTITY_OF_KIND[kind]
        if value is None:
            if rule.get(name):
                raise PydanticCustomError(
                    "kabinet.identity", "Обязательное поле для {of_kind}", {"of_kind": _OF_KIND[kind]}
                )
            return None
        if name not in rule:
            raise PydanticCustomError(
                "kabinet.identity", "{label} не указывается для {of_kind}", {"label": label, "of_kind": _OF_KIND[kind]}
            )
        try:
            if name == "holder_snils":
                return normalize_snils(value)
            if name == "holder_inn":
                return normalize_inn(value, _INN_LENGTH[kind])
            return normalize_kpp(value)
        except InvalidIdentifier as exc:
            raise PydanticCustomError("kabinet.identity", str(exc)) from None

    @field_validator("zones", mode="before")
    @classmethod
    def split_zones(cls, value: Any) -> Any:
        return [z.strip() for z in value.split(",") if z.strip()] if isinstance(value, str) else value

    @model_validator(mode="after")
    def consistent(self) -> "BillingMeterRow":
        if len(set(self.zones)) != len(self.zones) or list(self.zones) != sorted(self.zones):
            raise PydanticCustomError("kabinet.zones", "Зоны перечисляются по порядку без повторов: T1,T2,T3")
        if self.last_values and (set(self.last_values) != set(self.zones) or not self.last_period):
            raise PydanticCustomError("kabinet.last", "Последние показания нужны по каждой зоне счётчика и с периодом")
        capacity = Decimal(10) ** self.digits
        if any(v < 0 or v >= capacity for v in self.last_values.values()):
            raise PydanticCustomError("kabinet.last", "Последнее показание не помещается в разрядность счётчика")
        replacement = self.replacement
        if replacement is not None:
            if replacement.old_serial == self.serial:
                raise PydanticCustomError(
                    "kabinet.replacement",
                    "При замене заводской номер нового счётчика должен отличаться от номера снятого",
                )
            if set(replacement.new_initial) != set(self.zones):
                raise PydanticCustomError(
                    "kabinet.replacement", "Начальные показания нового счётчика нужны по каждой его зоне"
                )
            if any(v >= capacity for v in replacement.new_initial.values()):
                raise PydanticCustomError(
                    "kabinet.replacement", "Начальное показание не помещается в разрядность счётчика"
                )
        return self

    def holder(self) -> tuple[Any, ...]:
        return tuple(getattr(self, f) for f in HOLDER_FIELDS)

    @property
    def new_format(self) -> bool:
        return self.category is not None


class RowError(BaseModel):
    row: int
    message: str


class ParsedDrop(BaseModel):
    rows: list[BillingMeterRow]
    errors: list[RowError]


def parse_drop(name: str, content: bytes) -> ParsedDrop:
    """Parse a drop by its extension (.json or .csv). Bad rows become errors; nothing raises for them."""
    if name.lower().endswith(".json"):
        return _validated(_json_rows(content))
    if name.lower().endswith(".csv"):
        return _validated(_csv_rows(content))
    return ParsedDrop(rows=[], errors=[RowError(row=0, message="Неизвестный формат файла: ожидается .json или .csv")])


def _json_rows(content: bytes) -> Iterator[tuple[int, Any]]:
    try:
        document = json.loads(content.decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError):
        yield 0, PydanticCustomError("kabinet.file", "Файл не является JSON в кодировке UTF-8")
        return
    if (
        not isinstance(document, dict)
        or document.get("format") != "kabinet-billing/1"
        or not isinstance(document.get("meters"), list)
    ):
        yield (
            0,
            PydanticCustomError("kabinet.file", 'Ожидается объект {"format": "kabinet-billing/1", "meters": [...]}'),
        )
        return
    yield from enumerate(document["meters"], start=1)


def _csv_rows(content: bytes) -> Iterator[tuple[int, Any]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = content.decode("cp1251")  # what Russian Excel saves as "CSV (разделители — точка с запятой)"
        except UnicodeDecodeError:
            yield 0, PydanticCustomError("kabinet.file", "Не удалось прочитать файл: ожидается UTF-8 или Windows-1251")
            return
    reader = csv.DictReader(io.StringIO(text), delimiter=";")
    missing = [c for c in REQUIRED_CSV_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        yield (
            0,
            PydanticCustomError("kabinet.file", "В заголовке нет колонок: {columns}", {"columns": ", ".join(missing)}),
        )
        return
    for number, raw in enumerate(reader, start=2):  # row 1 is the header
        row: dict[str, Any] = {k: (v if v not in ("", None) else None) for k, v in raw.items() if k in CSV_COLUMNS}
        row["last_values"] = {
            z: _decimal_text(row.pop(f"last_{z}")) for z in ("T1", "T2", "T3") if row.get(f"last_{z}") is not None
        }
        for zone in ("T1", "T2", "T3"):
            row.pop(f"last_{zone}", None)
        replacement = _csv_replacement(row)
        if replacement is not None:
            row["replacement"] = replacement
        row["aiis_enabled"] = (row.get("aiis_enabled") or "").strip().lower() in ("1", "да", "true", "yes")
        if row.get("coefficient") is not None:
            row["coefficient"] = _decimal_text(row["coefficient"])
        yield number, {k: v for k, v in row.items() if v is not None}


def _csv_replacement(row: dict[str, Any]) -> dict[str, Any] | None:
    """The replacement columns of a CSV row as the JSON form (`Replacement`), removed from the row;
    None when the row names no replacement (then all of them must be empty)."""
    cells = {c: row.pop(c, None) for c in REPLACEMENT_COLUMNS}
    if not any(v is not None for v in cells.values()):
        return None
    return {
        "date": cells["replacement_date"],
        "old_serial": cells["replaced_serial"],
        "old_final": {
            z: _decimal_text(cells[f"replaced_final_{z}"])
            for z in ("T1", "T2", "T3")
            if cells[f"replaced_final_{z}"] is not None
        },
        "new_initial": {
            z: _decimal_text(cells[f"initial_{z}"]) for z in ("T1", "T2", "T3") if cells[f"initial_{z}"] is not None
        },
    }


def _decimal_text(value: str) -> str:
    return value.replace(",", ".").replace(" ", "")


def _validated(rows: Iterator[tuple[int, Any]]) -> ParsedDrop:
    good: list[BillingMeterRow] = []
    errors: list[RowError] = []
    # contract → (number of its first good row, the holder that row names)
    holders: dict[str, tuple[int, tuple[Any, ...]]] = {}
    for number, data in rows:
        if isinstance(data, PydanticCustomError):
            errors.append(RowError(row=number, message=str(data)))
            continue
        try:
            row = BillingMeterRow.model_validate(data)
        except ValidationError as exc:
            fields = to_api_error(exc).fields
            errors.append(RowError(row=number, message="; ".join(f"{f.path}: {f.message}" for f in fields)))
            continue
        except (InvalidOperation, TypeError):
            errors.append(RowError(row=number, message="Неверный формат строки"))
            continue
        first, holder = holders.setdefault(row.contract, (number, row.holder()))
        if row.holder() != holder:
            # Which row is right is billing's to say; the first one is applied, this one is reported.
            errors.append(
                RowError(
                    row=number,
                    message=f"Договор {row.contract}: владелец или категория потребителя расходятся со строкой {first}",
                )
            )
            continue
        good.append(row)
    return ParsedDrop(rows=good, errors=errors)
