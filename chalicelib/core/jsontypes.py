"""JSON types the OpenAPI document promises, held against a body before pydantic's lax coercion.

Pydantic (lax) takes `false` or `"12"` for an integer and `"yes"` for a boolean; the document says
`integer` and `boolean`, so a client that sends the wrong JSON type gets a field error instead of a
silently converted value. Only scalar kinds pydantic would coerce are checked here; everything else is
still pydantic's to judge. The schema is built once per body model, on its first request.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import BaseModel

_EXPECTED = {
    "integer": "Ожидается целое число",
    "number": "Ожидается число",
    "boolean": "Ожидается да или нет",
}
# A problem is (path, message); message None means "another JSON type than this branch wants" —
# decisive only inside a union, where it rules the branch out.
Problem = tuple[str, str | None]


@cache
def _schema(model: type[BaseModel]) -> dict[str, Any]:
    return model.model_json_schema()


def wrong_json_types(model: type[BaseModel], data: Any) -> list[tuple[str, str]]:
    """(path, Russian message) for each value whose JSON type is not the documented number or boolean."""
    schema = _schema(model)
    return [(path or "body", message) for path, message in _problems(schema, schema, data, "") if message is not None]


def _resolve(root: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = root["$defs"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _fits(kind: str, value: Any) -> bool:
    if kind in ("integer", "number"):
        # A fraction where an integer is documented is the model's to judge: some fields document only
        # the whole numbers they surely take (core/types.py decimal_number) and take 7.5 too.
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "boolean":
        return isinstance(value, bool)
    return {"string": str, "object": dict, "array": list}.get(kind, type(None)) is type(value) or (
        kind == "null" and value is None
    )


def _problems(root: dict[str, Any], schema: dict[str, Any], value: Any, path: str) -> list[Problem]:
    schema = _resolve(root, schema)
    branches = schema.get("anyOf") or schema.get("oneOf")
    if isinstance(schema.get("type"), list):
        branches = [{**schema, "type": kind} for kind in schema["type"]]
    if branches:
        outcomes = [_problems(root, branch, value, path) for branch in branches]
        if any(not outcome for outcome in outcomes):
            return []
        # The branch that failed only on what we check explains the refusal best.
        return min(outcomes, key=lambda outcome: sum(message is None for _, message in outcome))
    problems = [problem for part in schema.get("allOf", []) for problem in _problems(root, part, value, path)]
    kind = schema.get("type")
    if kind is None:
        return problems
    if not _fits(kind, value):
        return [*problems, (path, _EXPECTED.get(kind))]
    if kind == "object":
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            if key in properties:
                problems += _problems(root, properties[key], item, _join(path, key))
            elif isinstance(extra, dict):  # a key the client chose is not echoed: the map is named instead
                problems += _problems(root, extra, item, path)
    elif kind == "array":
        prefix = schema.get("prefixItems", [])
        items = schema.get("items")
        for index, item in enumerate(value):
            item_schema = prefix[index] if index < len(prefix) else items
            if isinstance(item_schema, dict):
                problems += _problems(root, item_schema, item, _join(path, index))
    return problems


def _join(path: str, part: Any) -> str:
    return f"{path}.{part}" if path else str(part)
