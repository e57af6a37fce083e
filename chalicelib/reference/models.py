"""Request and response shapes of the street directory."""

from typing import Annotated, Any

from pydantic import AfterValidator, ConfigDict, Field, StringConstraints
from pydantic_core import PydanticCustomError

from chalicelib.core.model import BaseModel

from .names import is_type_only

MAX_SEARCH_RESULTS = 20
MAX_IMPORT_ROWS = 1000
# Street ids are uuid5 hex digits: the pattern also keeps key separators out of the keys built from them.
STREET_ID_PATTERN = r"^[0-9a-f]{32}$"

StreetId = Annotated[str, StringConstraints(strip_whitespace=True, pattern=STREET_ID_PATTERN)]
Locality = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


def _has_own_name(value: str) -> str:
    if is_type_only(value):
        raise PydanticCustomError("kabinet.street", "Укажите название улицы, а не только её вид")
    return " ".join(value.split())


# The pattern says what a schema can (a name has a letter or a digit); «ул.» alone is refused by the rule.
StreetNameText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=150, pattern=r"[0-9A-Za-zА-Яа-яЁё]"),
    AfterValidator(_has_own_name),
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class StreetIn(Strict):
    locality: Locality
    name: StreetNameText


class StreetRename(Strict):
    name: StreetNameText


class StreetOut(BaseModel):
    id: str
    name: str
    locality: str


class StreetList(BaseModel):
    items: list[StreetOut]


class StreetQuery(Strict):
    locality: Locality
    q: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] = ""


class LocalityList(BaseModel):
    items: list[str]


class StreetImport(Strict):
    """Rows are validated one by one in the service, so one bad row does not reject the rest."""

    items: list[Any] = Field(min_length=1, max_length=MAX_IMPORT_ROWS)


class StreetImportError(BaseModel):
    index: int = Field(description="Индекс строки в items (с 0)")
    path: str
    message: str


class StreetImportReport(BaseModel):
    created: int = Field(description="Добавлено новых улиц")
    existing: int = Field(description="Уже были в справочнике (повторы пропущены)")
    errors: list[StreetImportError]
