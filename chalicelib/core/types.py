"""Field types shared by request models, and what the OpenAPI document says about them.

A field's JSON schema must describe a subset of what its validator accepts: a client (or a schema
fuzzer) that sends a schema-valid value is then never refused for the value's form. Where the
validator is a function (checksums, normalisation), `documented(...)` states such a subset without
changing validation; `format` names the identifiers whose checksum no pattern can express.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from pydantic import BeforeValidator, GetJsonSchemaHandler, WithJsonSchema
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class documented:  # noqa: N801 - written beside pydantic's own markers, like them
    """JSON-schema keywords added to a type's schema; validation is unchanged."""

    def __init__(self, **keywords: Any) -> None:
        self.keywords = keywords

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        handler.resolve_ref_schema(json_schema).update(self.keywords)
        return json_schema


def _iso_date(value: Any) -> Any:
    """Only `YYYY-MM-DD`: pydantic would also take a number (or "0") as a unix time, 1970-01-01."""
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        return value
    raise PydanticCustomError("date_parsing", "Ожидается дата в формате ГГГГ-ММ-ДД")


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]


# Subsets of what accounts/identifiers.py accepts, in the canonical spelling it returns.
# Bounded parts, so that no value of the pattern is longer than the 254 characters the validator allows.
# E-mail: a Latin local part; the domain in Latin or, internationalised, in Cyrillic (почта.рф), whose
# labels never start or end with a hyphen nor carry "--" (IDNA refuses those), and no special-use
# top-level domain (test, invalid, ...), which the validator refuses.
EMAIL_PATTERN = (
    r"^[A-Za-z0-9_%+\-]{1,32}(\.[A-Za-z0-9_%+\-]{1,32}){0,2}"
    r"@(([a-z0-9]{1,20}(-[a-z0-9]{1,10}){0,2}\.){1,3}([a-z]{2}|com|org|net|info|online|local)"
    r"|([а-яё0-9]{1,12}(-[а-яё0-9]{1,5})?\.){1,2}(рф|рус))$"
)
PHONE_PATTERN = r"^\+7[0-9]{10}$"
LOGIN_PATTERN = r"^[A-Za-z][A-Za-z0-9]{4,31}$"
KPP_PATTERN = r"^[0-9]{4}[0-9A-Z]{2}[0-9]{3}$"
# A checksum no pattern can carry: the format names the rule (schema fuzzers get a generator for
# each, tests/fuzz/hooks.py). No `pattern` beside it: generators that read a pattern would draw digits
# that fail the checksum.
SNILS = documented(
    format="snils", minLength=14, maxLength=14, description="СНИЛС: 000-000-000 00, с верным контрольным числом"
)


def inn(length: int) -> documented:
    return documented(
        format=f"inn-{length}",
        minLength=length,
        maxLength=length,
        description=f"ИНН: {length} цифр, с верными контрольными цифрами",
    )


def ogrn(length: int) -> documented:
    name = "ОГРНИП" if length == 15 else "ОГРН"
    return documented(
        format=f"ogrn-{length}",
        minLength=length,
        maxLength=length,
        description=f"{name}: {length} цифр, с верной контрольной цифрой",
    )


# accounts/passwords.py: 8–128 characters with letters and digits, not a common one, not the login.
NEW_PASSWORD = documented(
    format="password",
    minLength=8,
    description="8–128 символов, буквы и цифры; не из списка распространённых и без логина",
)


def decimal_number(integer_digits: int, places: int, positive: bool = False) -> WithJsonSchema:
    """A `Decimal` field (a JSON number or string) documented as the values it surely accepts: a whole
    number, or a string of at most `integer_digits`.`places` digits — pydantic's own schema allows any
    string and any float, which the field's `max_digits` and `decimal_places` then refuse."""
    first = "[1-9]" if positive else "[0-9]"
    return WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer", "minimum": 1 if positive else 0, "maximum": 10**integer_digits - 1},
                {"type": "string", "pattern": f"^{first}[0-9]{{0,{integer_digits - 1}}}(\\.[0-9]{{1,{places}}})?$"},
            ]
        }
    )
