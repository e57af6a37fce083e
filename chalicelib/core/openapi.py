"""OpenAPI 3.1 document generated from the declared routes and their pydantic models.

(chalice-spec does not support pydantic v2; this covers what our routes declare.)

Every status a route can answer is listed: what the route declares (`errors=`), what the shared
dispatch answers (web.py: 400/413/422 for bodies, 422 for queries, 401/403 before either), and what
the router answers before any route runs (415 for a Content-Type other than JSON, on every route).
405 for a method a path does not have is answered with `Allow` by the router; OpenAPI has no place
for a method a path does not have, so it is not listed (schema fuzzers expect exactly that answer).

A field's schema describes values its validator accepts (chalicelib/core/types.py), so a client that
sends a schema-valid value is not refused for its form.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from .web import ROUTES, RouteSpec

_REF = "#/components/schemas/{model}"
_ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "fields"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string", "description": "Сообщение для пользователя, на русском"},
                "fields": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["path", "message"],
                        "properties": {"path": {"type": "string"}, "message": {"type": "string"}},
                    },
                },
            },
        }
    },
}
_STATUS_TEXT = {
    200: "Успешно",
    201: "Создано",
    202: "Принято",
    204: "Без содержимого",
    400: "Неверный запрос: тело не JSON-объект или вложено глубже 32 уровней",
    401: "Требуется вход",
    403: "Нет прав",
    404: "Не найдено",
    409: "Конфликт",
    413: "Слишком большой запрос",
    415: "Тело не в формате JSON (Content-Type)",
    422: "Ошибка в полях",
    423: "Заблокировано",
    429: "Слишком много запросов",
    503: "Сервис временно недоступен",
}
# Path parameters whose format the route checks itself (422 when it does not match); the others are
# identifiers looked up as they are (404 when unknown).
_PATH_PARAMETERS: dict[str, dict[str, Any]] = {
    "period": {
        "type": "string",
        "description": "Расчётный период ГГГГ-ММ (год от 0001)",
        "pattern": r"^([1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])-(0[1-9]|1[0-2])$",
    },
}


def _trimmed(node: Any) -> None:
    """Request strings are stripped before their length is checked (`str_strip_whitespace`): a
    required text is documented as that many characters from its first to its last non-space one,
    so "   " is not schema-valid where it is refused (and " a " stays valid, as it is)."""
    if isinstance(node, dict):
        least = node.get("minLength", 0)
        if node.get("type") == "string" and least >= 1 and not {"pattern", "format", "enum", "const"} & node.keys():
            node["pattern"] = r"\S" if least == 1 else rf"\S[\s\S]{{{least - 2},}}\S"
        for value in node.values():
            _trimmed(value)
    elif isinstance(node, list):
        for value in node:
            _trimmed(value)


def _query_parameters(model: type[BaseModel], components: dict[str, Any], ref: dict[str, Any]) -> list[dict[str, Any]]:
    schema = components[ref["$ref"].rsplit("/", 1)[1]]
    params = []
    for name, field in model.model_fields.items():
        name = field.alias or name  # `from`, `to`: keywords in Python, aliases in the model
        prop = dict(schema["properties"][name])
        # An optional parameter is left out, never sent as null: document only its value's form.
        if prop.get("default", ...) is None:
            del prop["default"]
        values = [branch for branch in prop.get("anyOf", []) if branch != {"type": "null"}]
        if len(values) == 1:
            del prop["anyOf"]
            prop.update(values[0])
        param: dict[str, Any] = {"name": name, "in": "query", "required": field.is_required()}
        if "description" in prop:
            param["description"] = prop.pop("description")
        param["schema"] = prop
        params.append(param)
    return params


def _errors(spec: RouteSpec) -> set[int]:
    errors = set(spec.errors) | {415}  # Chalice checks Content-Type on every route, with or without a body
    if spec.body is not None:
        errors |= {400, 413}  # not a JSON object or too deep; too large
        if not spec.raw_body:
            errors.add(422)
    if spec.query is not None or any(name in _PATH_PARAMETERS for name in re.findall(r"{(\w+)}", spec.path)):
        errors.add(422)
    if spec.access != "public":
        errors |= {401} | ({403} if spec.access in ("staff", "user") else set())
    return errors


def _operation(spec: RouteSpec, components: dict[str, Any], refs: dict[Any, dict[str, Any]]) -> dict[str, Any]:
    op: dict[str, Any] = {
        "summary": spec.summary,
        "tags": [spec.tag],
        "operationId": re.sub(r"\W+", "_", f"{spec.method}_{spec.path}").strip("_").lower(),
    }
    params = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": _PATH_PARAMETERS.get(name, {"type": "string", "minLength": 1}),
        }
        for name in re.findall(r"{(\w+)}", spec.path)
    ]
    if spec.query is not None:
        params += _query_parameters(spec.query, components, refs[(spec.query, "validation")])
    if params:
        op["parameters"] = params
    if spec.body is not None:
        body_schema = refs[(spec.body, "validation")]
        if "registration" in spec.body.model_fields:  # validated through a wrapper: document the union
            body_schema = components[body_schema["$ref"].rsplit("/", 1)[1]]["properties"]["registration"]
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body_schema}}}
        if spec.raw_body:
            op["requestBody"]["description"] = (
                "Тело сжато gzip (Content-Encoding: gzip) и подписано: edge-agent/docs/upload-protocol.md"
            )
    success: dict[str, Any] = {"description": _STATUS_TEXT.get(spec.status, "Успешно")}
    if spec.response is not None:
        success["content"] = {"application/json": {"schema": refs[(spec.response, "serialization")]}}
    elif spec.produces != "application/json":
        success["content"] = {spec.produces: {"schema": {"type": "string"}}}
    responses = {str(spec.status): success}
    if spec.access != "public":
        op["security"] = [{"bearer": []}]
    for status in sorted(_errors(spec)):
        responses[str(status)] = {
            "description": _STATUS_TEXT.get(status, "Ошибка"),
            "content": {"application/json": {"schema": {"$ref": _REF.format(model="Error")}}},
        }
    op["responses"] = responses
    return op


@lru_cache(maxsize=4)
def openapi_document(prefix: str) -> str:
    # One pass over every model, so two models of one name in different modules get distinct names.
    models: set[tuple[type[BaseModel], JsonSchemaMode]] = {
        (model, "validation") for spec in ROUTES for model in (spec.body, spec.query) if model is not None
    }
    models |= {(spec.response, "serialization") for spec in ROUTES if spec.response is not None}
    refs, schemas = models_json_schema(
        sorted(models, key=lambda m: (m[0].__module__, m[0].__qualname__, m[1])), ref_template=_REF
    )
    components: dict[str, Any] = {**schemas.get("$defs", {}), "Error": _ERROR_SCHEMA}
    paths: dict[str, Any] = {}
    for spec in ROUTES:
        paths.setdefault(prefix + spec.path, {})[spec.method.lower()] = _operation(spec, components, refs)
    # Query models are documented as parameters, the registration wrapper as its union: not as schemas.
    referenced = json.dumps(paths) + json.dumps(components)
    for key in models:
        name = refs[key]["$ref"].rsplit("/", 1)[1]
        if referenced.count(f'"{_REF.format(model=name)}"') == 0:
            components.pop(name, None)
    _trimmed(components)
    _trimmed(paths)
    document = {
        "openapi": "3.1.0",
        "info": {
            "title": "Kabinet API",
            "version": "1",
            "description": "API личного кабинета потребителя: сайт, мобильные приложения, агенты УСПД.",
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
    }
    return json.dumps(document, ensure_ascii=False)
