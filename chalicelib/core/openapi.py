"""OpenAPI 3.1 document generated from the declared routes and their pydantic models.

(chalice-spec does not support pydantic v2; this covers what our routes declare.)
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

from pydantic import BaseModel

from .web import ROUTES, RouteSpec

_REF = "#/components/schemas/{model}"
_ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {
        "type": "object",
        "required": ["code", "message", "fields"],
        "properties": {
            "code": {"type": "string"},
            "message": {"type": "string", "description": "Сообщение для пользователя, на русском"},
            "fields": {"type": "array", "items": {
                "type": "object", "required": ["path", "message"],
                "properties": {"path": {"type": "string"}, "message": {"type": "string"}}}},
        }}},
}
_STATUS_TEXT = {200: "Успешно", 202: "Принято", 204: "Без содержимого", 400: "Неверный запрос",
                401: "Требуется вход", 403: "Нет прав", 404: "Не найдено", 409: "Конфликт",
                413: "Слишком большой запрос", 422: "Ошибка в полях", 423: "Заблокировано",
                429: "Слишком много запросов"}


def _schema(model: type[BaseModel], components: dict[str, Any]) -> dict[str, Any]:
    schema = model.model_json_schema(ref_template=_REF)
    components.update(schema.pop("$defs", {}))
    components[model.__name__] = schema
    return {"$ref": _REF.format(model=model.__name__)}


def _operation(spec: RouteSpec, components: dict[str, Any]) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": spec.summary, "tags": [spec.tag],
                          "operationId": re.sub(r"\W+", "_", f"{spec.method}_{spec.path}").strip("_").lower()}
    params = [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
              for name in re.findall(r"{(\w+)}", spec.path)]
    if spec.query is not None:
        for name, field in spec.query.model_fields.items():
            name = field.alias or name  # `from`, `to`: keywords in Python, aliases in the model
            params.append({"name": name, "in": "query", "required": field.is_required(),
                           "schema": spec.query.model_json_schema()["properties"][name]})
    if params:
        op["parameters"] = params
    if spec.body is not None:
        body_schema = (_schema(spec.body, components) if "registration" not in spec.body.model_fields
                       else _unwrapped(spec.body, components))
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body_schema}}}
        if spec.raw_body:
            op["requestBody"]["description"] = ("Тело сжато gzip (Content-Encoding: gzip) и подписано: "
                                                "edge-agent/docs/upload-protocol.md")
    success: dict[str, Any] = {"description": _STATUS_TEXT.get(spec.status, "Успешно")}
    if spec.response is not None:
        success["content"] = {"application/json": {"schema": _schema(spec.response, components)}}
    elif spec.produces != "application/json":
        success["content"] = {spec.produces: {"schema": {"type": "string"}}}
    responses = {str(spec.status): success}
    errors = set(spec.errors) | ({400, 422} if spec.body is not None and not spec.raw_body else set())
    if spec.access != "public":
        op["security"] = [{"bearer": []}]
        errors |= {401} | ({403} if spec.access == "staff" else set())
    for status in sorted(errors):
        responses[str(status)] = {"description": _STATUS_TEXT.get(status, "Ошибка"),
                                  "content": {"application/json": {"schema": {"$ref": _REF.format(model="Error")}}}}
    op["responses"] = responses
    return op


def _unwrapped(model: type[BaseModel], components: dict[str, Any]) -> dict[str, Any]:
    """A body validated through a wrapper field (a discriminated union): document the union itself."""
    schema = model.model_json_schema(ref_template=_REF)
    components.update(schema.pop("$defs", {}))
    return schema["properties"]["registration"]


@lru_cache(maxsize=4)
def openapi_document(prefix: str) -> str:
    components: dict[str, Any] = {"Error": _ERROR_SCHEMA}
    paths: dict[str, Any] = {}
    for spec in ROUTES:
        paths.setdefault(prefix + spec.path, {})[spec.method.lower()] = _operation(spec, components)
    document = {
        "openapi": "3.1.0",
        "info": {"title": "Kabinet API", "version": "1",
                 "description": "API личного кабинета потребителя: сайт, мобильные приложения, агенты УСПД."},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {"schemas": components,
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}},
    }
    return json.dumps(document, ensure_ascii=False)
