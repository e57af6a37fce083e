"""Pydantic validation errors → Russian field messages that never echo the input."""

from __future__ import annotations

import re
from collections.abc import Set

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from .errors import ApiError, FieldError, validation_error

_MESSAGES: dict[str, str] = {
    "missing": "Обязательное поле",
    "string_type": "Ожидается строка",
    "string_too_short": "Слишком короткое значение: не менее {min_length} символов",
    "string_too_long": "Слишком длинное значение: не более {max_length} символов",
    "string_pattern_mismatch": "Неверный формат",
    "int_type": "Ожидается целое число",
    "int_parsing": "Ожидается целое число",
    "float_type": "Ожидается число",
    "float_parsing": "Ожидается число",
    "bool_type": "Ожидается да или нет",
    "bool_parsing": "Ожидается да или нет",
    "greater_than": "Значение должно быть больше {gt}",
    "greater_than_equal": "Значение должно быть не меньше {ge}",
    "less_than": "Значение должно быть меньше {lt}",
    "less_than_equal": "Значение должно быть не больше {le}",
    "literal_error": "Недопустимое значение",
    "enum": "Недопустимое значение",
    "date_type": "Ожидается дата в формате ГГГГ-ММ-ДД",
    "date_parsing": "Ожидается дата в формате ГГГГ-ММ-ДД",
    "date_from_datetime_parsing": "Ожидается дата в формате ГГГГ-ММ-ДД",
    "datetime_type": "Ожидаются дата и время",
    "datetime_parsing": "Ожидаются дата и время",
    "extra_forbidden": "В запросе есть поля, которые не предусмотрены",
    "model_type": "Ожидается объект",
    "model_attributes_type": "Ожидается объект",
    "dict_type": "Ожидается объект",
    "list_type": "Ожидается список",
    "too_short": "Слишком мало элементов",
    "too_long": "Слишком много элементов",
    "union_tag_invalid": "Недопустимое значение",
    "union_tag_not_found": "Обязательное поле",
    "value_error": "Недопустимое значение",
    "json_invalid": "Неверный формат JSON",
}


# One answer names at most this many fields: a body of 200,000 unknown keys must not come back as a
# 16 MB error (in Lambda a response over 6 MB is itself a failure).
MAX_FIELD_ERRORS = 20
_SAFE_SEGMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,39}$")


def _path(loc: tuple[int | str, ...], err_type: str) -> str:
    """The field's path without anything the client invented: an unknown key is reported on its
    parent, an invalid dict key too, and no segment that could not be one of our field names is echoed."""
    # Discriminated unions insert the tag ("person", …) into the location; the client's field
    # path does not contain it.
    parts = [p for p in loc if not (isinstance(p, str) and p.startswith("__tag"))]
    if "[key]" in parts:
        parts = parts[: max(parts.index("[key]") - 1, 0)]
    elif err_type == "extra_forbidden":
        parts = parts[:-1]
    kept: list[str] = []
    for part in parts:
        # List indexes are kept; a name that could not be one of our fields ends the path.
        if not isinstance(part, int) and not _SAFE_SEGMENT.match(str(part)):
            break
        kept.append(str(part))
    return ".".join(kept) or "body"


def _message(err: ErrorDetails) -> str:
    if err["type"].startswith("kabinet."):  # our own PydanticCustomError: already Russian
        return err["msg"]
    template = _MESSAGES.get(err["type"], "Недопустимое значение")
    try:
        return template.format(**(err.get("ctx") or {}))
    except (KeyError, IndexError):
        return template


def to_api_error(exc: ValidationError, tags: Set[str] = frozenset()) -> ApiError:
    fields: list[FieldError] = []
    seen: set[tuple[str, str]] = set()
    for err in exc.errors(include_input=False, include_url=False):
        loc = tuple(p for p in err["loc"] if p not in tags)
        item = (_path(loc, err["type"]), _message(err))
        if item not in seen:
            seen.add(item)
            fields.append(FieldError(*item))
            if len(fields) == MAX_FIELD_ERRORS:
                break
    return validation_error(fields)
