"""A meter replacement in the billing drop: JSON and CSV, checked row by row; files without it as before."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal
from typing import Any

from chalicelib.exchange.billing_format import REQUIRED_CSV_COLUMNS, ParsedDrop, parse_drop

REPLACEMENT = {"date": "2026-11-10", "old_serial": "old-77", "old_final": {"T1": "123"}, "new_initial": {"T1": "5"}}


def row(**changes: Any) -> dict[str, Any]:
    data = {
        "contract": "ДЭ-1001",
        "holder_name": "Иванов Иван Иванович",
        "holder_kind": "person",
        "account": "3600100101",
        "object_id": "1",
        "object_name": "Квартира",
        "object_address": "г. Воронеж, ул. Плехановская, д. 10, кв. 15",
        "serial": "NEW-1",
        "digits": 6,
        "zones": ["T1"],
        "replacement": REPLACEMENT,
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def json_drop(*rows: dict[str, Any]) -> ParsedDrop:
    return parse_drop("drop.json", json.dumps({"format": "kabinet-billing/1", "meters": list(rows)}).encode())


def csv_drop(columns: tuple[str, ...], *rows: dict[str, str]) -> ParsedDrop:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, delimiter=";", restval="")
    writer.writeheader()
    writer.writerows(rows)
    return parse_drop("drop.csv", buffer.getvalue().encode())


def test_a_json_row_carries_the_replacement():
    parsed = json_drop(row())
    assert not parsed.errors
    change = parsed.rows[0].replacement
    assert change is not None and change.date == date(2026, 11, 10) and change.old_serial == "OLD-77"
    assert change.old_final == {"T1": Decimal(123)} and change.new_initial == {"T1": Decimal(5)}


def test_a_bad_replacement_is_the_rows_error_in_russian():
    cases = [
        (row(replacement={**REPLACEMENT, "old_serial": "new-1"}), "должен отличаться"),
        (row(replacement={**REPLACEMENT, "new_initial": {"T1": "5", "T2": "1"}}), "по каждой его зоне"),
        (row(replacement={**REPLACEMENT, "new_initial": {"T1": "1000000"}}), "разрядность"),
        (row(replacement={**REPLACEMENT, "old_final": {"T1": "-1"}}), "отрицательными"),
        (row(replacement={**REPLACEMENT, "date": "10.11.2026"}), "replacement.date"),
    ]
    for data, message in cases:
        parsed = json_drop(data)
        assert not parsed.rows and message in parsed.errors[0].message, parsed.errors


def test_csv_with_the_replacement_columns_and_without_them():
    base = {
        "contract": "ДЭ-1001",
        "holder_name": "Иванов И. И.",
        "holder_kind": "person",
        "account": "3600100101",
        "object_id": "1",
        "object_name": "Квартира",
        "object_address": "ул. Ленина, 1",
        "serial": "NEW-1",
        "digits": "6",
        "zones": "T1,T2",
    }
    with_change = {
        **base,
        "replacement_date": "2026-11-10",
        "replaced_serial": "OLD-77",
        "replaced_final_T1": "123,5",
        "replaced_final_T2": "40",
        "initial_T1": "0",
        "initial_T2": "0",
    }
    columns = (
        *REQUIRED_CSV_COLUMNS,
        "replacement_date",
        "replaced_serial",
        "replaced_final_T1",
        "replaced_final_T2",
        "initial_T1",
        "initial_T2",
    )
    parsed = csv_drop(columns, with_change, base)
    assert not parsed.errors, parsed.errors
    changed, plain = parsed.rows
    assert changed.replacement is not None and changed.replacement.old_final == {
        "T1": Decimal("123.5"),
        "T2": Decimal(40),
    }
    assert plain.replacement is None
    # A file of the earlier layout, without the columns, imports as before.
    old = csv_drop(REQUIRED_CSV_COLUMNS, base)
    assert not old.errors and old.rows[0].replacement is None
