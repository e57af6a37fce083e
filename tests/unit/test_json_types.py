"""A body's JSON types are held to the document: no `false` for a number, no "12" for an integer."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from chalicelib.core.jsontypes import wrong_json_types


class Line(BaseModel):
    amount: float
    paid: bool = False


class Body(BaseModel):
    hours: int = 24
    note: str | None = None
    limit: int | None = None
    lines: list[Line] = []
    by_zone: dict[str, int] = {}
    either: int | Literal["auto"] = "auto"


def test_a_boolean_or_a_numeric_string_is_not_an_integer():
    assert wrong_json_types(Body, {"hours": False}) == [("hours", "Ожидается целое число")]
    assert wrong_json_types(Body, {"hours": "12"}) == [("hours", "Ожидается целое число")]
    assert wrong_json_types(Body, {"limit": True}) == [("limit", "Ожидается целое число")]


def test_numbers_of_the_right_json_type_pass():
    assert wrong_json_types(Body, {"hours": 0, "limit": None, "either": 5}) == []
    assert wrong_json_types(Body, {"hours": 3.0, "either": "auto", "lines": [{"amount": 1}]}) == []


def test_nested_values_are_named_by_their_path_and_map_keys_are_not_echoed():
    data = {"lines": [{"amount": 1.5}, {"amount": "1.5", "paid": "yes"}], "by_zone": {"Иванов": True}}
    assert wrong_json_types(Body, data) == [
        ("lines.1.amount", "Ожидается число"),
        ("lines.1.paid", "Ожидается да или нет"),
        ("by_zone", "Ожидается целое число"),
    ]


def test_other_mismatches_are_left_to_the_model():
    assert wrong_json_types(Body, {"note": 5, "lines": "x", "unknown": False}) == []
    assert wrong_json_types(Body, {"either": "manual"}) == []
